"""Signals of the ledger, for the apps above it (scoring imports none of them).

``standing_changed``: a decision changed what counts for a household from today on
(a credit repair granted, an objection upheld), so its standing should be
recomputed at once rather than at the next finalised month. Sent after the
decision is committed, with ``household`` (a ``Household``), ``reason`` (words the
household can read) and ``by`` (the deciding ``Actor``). The evaluation app
connects the recomputation to it.
"""

from __future__ import annotations

from django.dispatch import Signal

standing_changed = Signal()
