"""Notice before a deduction counts (docs/scoring.md, "Notice before a deduction counts").

When a deduction is approved the household is told (the notices app sends the
notice), and the deduction counts only from ``counts_from``: the township's
``response_days`` working days after the day of the notice (Chinese holiday
calendar, ``workdays``). A rule marked immediate, or a township whose response
period is 0, counts at once. ``counts_from`` is written in the same statement that
approves the entry: the ledger guard refuses any later change of an approved row.

An answer the household gives before ``counts_from`` is an objection filed as an
answer to the notice (``file_objection`` says so), and the objection window stays
open at least until then.

``deduction_approved`` is sent inside the approving transaction with ``entry_ids``
(the approved deductions to notify), ``notified_on`` (the notice day) and ``by``
(the approving ``Actor``, or None for an import); the notices app connects to it,
records the notices in that transaction and sends them after the commit. Scoring
imports nothing of the notices app.
"""

from __future__ import annotations

import datetime as dt

from django.dispatch import Signal

from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.workdays import add_working_days

deduction_approved = Signal()


def is_deduction(points: int, kind: str) -> bool:
    """A deduction the household is notified of: negative points, an ordinary entry."""
    return points < 0 and kind == "normal"


def window_end(immediate: bool, policy: ScoringPolicy, notified_on: dt.date) -> dt.date | None:
    """The first day a deduction notified on ``notified_on`` counts (None: at once)."""
    if immediate or policy.response_days == 0:
        return None
    return add_working_days(notified_on, policy.response_days)


def due_process_fields(entry, rule, policy: ScoringPolicy, notified_on: dt.date) -> list[str]:
    """Set the approved ``entry``'s ``counts_from`` (a deduction's response window);
    the names of the fields set, for the approving save's ``update_fields``."""
    if not is_deduction(entry.points, entry.kind):
        return []
    entry.counts_from = window_end(rule.immediate, policy, notified_on)
    return ["counts_from"]


def response_due(counts_from: dt.date | None) -> dt.date | None:
    """The last day of the response window: the day before the deduction counts."""
    return counts_from - dt.timedelta(days=1) if counts_from else None


def in_response_window(entry, today: dt.date) -> bool:
    """Whether ``entry`` is a deduction still inside its response window on ``today``."""
    return entry.counts_from is not None and today < entry.counts_from


def announce(entry_ids, *, notified_on: dt.date, by=None) -> None:
    """Tell the notices app that these deductions were approved (inside the transaction)."""
    if entry_ids:
        deduction_approved.send(
            sender=announce, entry_ids=list(entry_ids), notified_on=notified_on, by=by
        )
