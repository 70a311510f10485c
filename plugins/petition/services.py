"""Receiving cases, moving them through the closed loop, and a reviewer's determination.

The loop is received → assigned → handling → (transferred ↔ handling) → responded →
closed; every step keeps its time and person, and closing records the petitioner's
satisfaction. Only a determination of unreasonable, repeated or skip-level costs the
petitioner's household points, and only on a formal finding by the competent
authority after the petitioner was warned in advance (the seed: the petitioner was
first told the conduct would lower the household's points; 先提醒、后扣分). The
deduction goes through the core's ``record_entry`` with that finding.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from plugins.petition.conf import KEY, RULE_FOR_DETERMINATION
from plugins.petition.loop import follow_up_due
from plugins.petition.models import (
    DEDUCTING,
    DETERMINABLE_KINDS,
    KIND_ZH,
    Case,
    CaseStep,
    Determination,
    Kind,
    Satisfaction,
    Status,
)
from plugins.petition.models import EarlyWarning as WarningRecord
from plugins.petition.selectors import early_warnings, to_escalate, township_settings
from township_integrity.errors import PluginError
from township_integrity.models import Household, Rule, Village
from township_integrity.roles import REVIEWER_ROLES, STAFF_ROLES, Role
from township_integrity.services import Actor, record_entry, require_role, working_deadline

log = logging.getLogger(__name__)

# Who registers and moves cases (staff of the case's village) and who determines them.
HANDLER_ROLES = STAFF_ROLES
DETERMINER_ROLES = REVIEWER_ROLES
# Where a case may go from each status.
NEXT = {
    Status.RECEIVED: (Status.ASSIGNED,),
    Status.ASSIGNED: (Status.HANDLING,),
    Status.HANDLING: (Status.TRANSFERRED, Status.RESPONDED),
    Status.TRANSFERRED: (Status.HANDLING, Status.RESPONDED),
    Status.RESPONDED: (Status.CLOSED,),
    Status.CLOSED: (),
    # A merged case is finished (plugins.petition.loop: merge_case); a closed one is
    # reopened and followed up there, not here.
    Status.MERGED: (),
}
# Statuses, determinations and kinds in a message (English: the value itself).
WORDS = {
    "received": pgettext_lazy("petition case value in a message", "received"),
    "assigned": pgettext_lazy("petition case value in a message", "assigned"),
    "handling": pgettext_lazy("petition case value in a message", "handling"),
    "transferred": pgettext_lazy("petition case value in a message", "transferred"),
    "responded": pgettext_lazy("petition case value in a message", "responded"),
    "closed": pgettext_lazy("petition case value in a message", "closed"),
    "merged": pgettext_lazy("petition case value in a message", "merged"),
    "reasonable": pgettext_lazy("petition case value in a message", "reasonable"),
    "unreasonable": pgettext_lazy("petition case value in a message", "unreasonable"),
    "repeated": pgettext_lazy("petition case value in a message", "repeated"),
    "skip_level": pgettext_lazy("petition case value in a message", "skip_level"),
    "lawsuit": pgettext_lazy("petition case value in a message", "lawsuit"),
    "criminal": pgettext_lazy("petition case value in a message", "criminal"),
}


def _word(value) -> str:
    return str(WORDS.get(str(value), value))


def receive_case(
    *,
    kind: str,
    reference: str,
    village: Village,
    summary: str,
    received_at: dt.datetime,
    by: Actor,
    household: Household | None = None,
    petitioner_name: str = "",
    topic: str = "",
) -> Case:
    """Register a case (its first step, ``received``); a case number is unique per kind.

    ``topic`` (optional, e.g. a category key) is what repeats are matched on
    (``loop.repeat_candidates``).
    """
    township_settings()
    require_role(by, HANDLER_ROLES, village_code=village.code, what=_("register petition cases"))
    if kind not in Kind.values:
        raise PluginError(
            _("case kind %(kind)s: use one of %(choices)s")
            % {"kind": repr(kind), "choices": ", ".join(Kind.values)}
        )
    reference, summary, topic = reference.strip(), summary.strip(), topic.strip()
    if len(topic) > 64:
        raise PluginError(_("a topic is at most 64 characters"), field="topic")
    if not reference or not summary:
        raise PluginError(_("a case needs its case number and a summary of what was raised"))
    if household is not None and household.village_id != village.pk:
        raise PluginError(
            _("household %(household)s is not in %(village)s")
            % {"household": household.code, "village": village.name}
        )
    if received_at > timezone.now():
        raise PluginError(
            _("received at %(when)s is in the future") % {"when": f"{received_at:%Y-%m-%d %H:%M}"}
        )
    if Case.objects.filter(kind=kind, reference=reference).exists():
        raise PluginError(
            _("%(kind)s case %(case)s is already registered")
            % {"kind": KIND_ZH[kind], "case": reference}
        )
    with transaction.atomic():
        case = Case.objects.create(
            kind=kind,
            reference=reference,
            village=village,
            household=household,
            petitioner_name=petitioner_name.strip(),
            summary=summary,
            received_at=received_at,
            topic=topic,
            **case_deadlines(kind, received_at),
        )
        CaseStep.objects.create(
            case=case, status=Status.RECEIVED, at=received_at, by=by.user, by_label=by.label
        )
    return case


def case_deadlines(
    kind: str, received_at: dt.datetime, settings: dict | None = None
) -> dict[str, dt.datetime | None]:
    """``acknowledge_due`` and ``handling_due`` of a case of ``kind`` received at
    ``received_at``: the end of the N-th working day after the day it came in (the
    township's ``deadlines`` setting; a kind without one has no deadline)."""
    days = (settings or township_settings())["deadlines"].get(kind) or {}
    return {
        "acknowledge_due": _due(received_at, days.get("acknowledge_days")),
        "handling_due": _due(received_at, days.get("handling_days")),
    }


def _due(received_at: dt.datetime, days: int | None) -> dt.datetime | None:
    return working_deadline(received_at, days) if days else None


def advance(
    case: Case,
    status: str,
    *,
    by: Actor,
    note: str = "",
    satisfaction: str = "",
    at: dt.datetime | None = None,
) -> CaseStep:
    """Move the case one step along the loop (``at`` defaults to now).

    A transfer says where the case went (``note``); closing needs the petitioner's
    satisfaction. Steps never go back in time.
    """
    township_settings()
    require_role(by, HANDLER_ROLES, village_code=case.village.code, what=_("handle petition cases"))
    at = at or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _check_step(case, status, note, satisfaction, at)
        step = CaseStep.objects.create(
            case=case, status=status, at=at, by=by.user, by_label=by.label, note=note.strip()
        )
        case.status = status
        case.satisfaction = satisfaction if status == Status.CLOSED else ""
        changed = ["status", "satisfaction"]
        # The times the case met its deadlines: acknowledged (签收) when first assigned,
        # answered when responded, and closed.
        if status == Status.ASSIGNED and case.acknowledged_at is None:
            case.acknowledged_at = at
            changed.append("acknowledged_at")
        elif status == Status.RESPONDED:
            case.responded_at = at
            changed.append("responded_at")
            # The follow-up call (回访) is due from the response (plugins.petition.loop).
            case.follow_up_due = follow_up_due(at)
            changed.append("follow_up_due")
        elif status == Status.CLOSED:
            case.closed_at = at
            changed.append("closed_at")
        case.save(update_fields=changed)
    return step


def _check_step(case: Case, status: str, note: str, satisfaction: str, at: dt.datetime) -> None:
    allowed = NEXT[case.status]
    if status not in allowed:
        names = {"case": case.reference, "status": _word(case.status)}
        if not allowed:
            message = _("case %(case)s is %(status)s; it cannot change any more")
        elif len(allowed) == 1:
            message = _("case %(case)s is %(status)s; it can go to %(next)s")
            names["next"] = _word(allowed[0])
        else:
            message = _("case %(case)s is %(status)s; it can go to %(next)s or %(other)s")
            names["next"], names["other"] = _word(allowed[0]), _word(allowed[1])
        raise PluginError(message % names, field="status")
    if status == Status.TRANSFERRED and not note.strip():
        raise PluginError(
            _("case %(case)s: a transfer says where the case went (note)")
            % {"case": case.reference},
            field="note",
        )
    if status == Status.CLOSED and satisfaction not in Satisfaction.values:
        raise PluginError(
            _("case %(case)s: closing records the petitioner's satisfaction (%(choices)s)")
            % {"case": case.reference, "choices": ", ".join(Satisfaction.values)},
            field="satisfaction",
        )
    if satisfaction and status != Status.CLOSED:
        raise PluginError(
            _("satisfaction is recorded when the case is closed"), field="satisfaction"
        )
    if at > timezone.now():
        raise PluginError(_("%(when)s is in the future") % {"when": f"{at:%Y-%m-%d %H:%M}"})
    last = case.steps.order_by("-at", "-pk").values_list("at", flat=True).first()
    if last is not None and at < last:
        raise PluginError(
            _("case %(case)s: a step cannot be earlier than the last one (%(last)s)")
            % {"case": case.reference, "last": f"{timezone.localtime(last):%Y-%m-%d %H:%M}"}
        )


def warn_petitioner(case: Case, *, warning: str, by: Actor, at: dt.datetime | None = None) -> Case:
    """Record the advance warning given to the petitioner (先提醒): what they were told
    (that continuing would lower the household's points) and when (``at``, default
    now). A deduction can be determined only after it, on a later formal finding.
    Staff who handle the case's village record it, once, before any determination.
    """
    township_settings()
    require_role(by, HANDLER_ROLES, village_code=case.village.code, what=_("handle petition cases"))
    at = at or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.kind not in DETERMINABLE_KINDS:
            raise PluginError(
                _("case %(case)s is a %(kind)s: only petition, hotline and online cases are warned")
                % {"case": case.reference, "kind": _word(case.kind)}
            )
        if case.determination:
            raise PluginError(
                _("case %(case)s is already determined; a warning comes before the determination")
                % {"case": case.reference}
            )
        if case.notified_at is not None:
            raise PluginError(
                _("the petitioner of case %(case)s was already warned on %(when)s by %(who)s")
                % {
                    "case": case.reference,
                    "when": f"{timezone.localtime(case.notified_at):%Y-%m-%d}",
                    "who": case.notified_by_label,
                }
            )
        if not warning.strip():
            raise PluginError(_("say what the petitioner was told (the warning)"), field="warning")
        if at > timezone.now() or at < case.received_at:
            raise PluginError(
                _("the warning's time %(when)s is in the future or before the case was received")
                % {"when": f"{timezone.localtime(at):%Y-%m-%d %H:%M}"},
                field="at",
            )
        case.notice = warning.strip()
        case.notified_at = at
        case.notified_by_label = by.label
        case.save(update_fields=["notice", "notified_at", "notified_by_label"])
    return case


def determine(
    case: Case,
    determination: str,
    *,
    reviewer: Actor,
    reason: str,
    finding: dict | None = None,
) -> Case:
    """Record a reviewer's determination; a deducting one also records the deduction.

    Unreasonable, repeated and skip-level determinations deduct points from the
    petitioner's household under the plugin's rule, and only on a formal finding:
    ``finding`` gives the ``authority``, its ``document_number`` and ``found_on`` (a
    date after the petitioner's warning, ``warn_petitioner``). The entry is dated the
    day of the finding and carries it (``FormalFinding``, with the warning). A case is
    determined once.
    """
    township_settings()
    require_role(
        reviewer, DETERMINER_ROLES, village_code=case.village.code, what=_("determine petitions")
    )
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
        )
        _check_determination(case, determination, reason, finding)
        now = timezone.now()
        case.determination = determination
        case.determined_by = reviewer.user
        case.determined_by_label = reviewer.label
        case.determined_at = now
        case.determination_reason = reason.strip()
        if determination in DEDUCTING:
            case.entry = _deduction(case, reviewer, finding)
        case.save()
    return case


def _check_determination(case: Case, determination: str, reason: str, finding) -> None:
    if case.determination:
        raise PluginError(
            _("case %(case)s was already determined %(determination)s by %(who)s")
            % {
                "case": case.reference,
                "determination": _word(case.determination),
                "who": case.determined_by_label,
            }
        )
    if case.kind not in DETERMINABLE_KINDS:
        raise PluginError(
            _(
                "case %(case)s is a %(kind)s: only petition, hotline and online "
                "cases are determined here"
            )
            % {"case": case.reference, "kind": _word(case.kind)}
        )
    if determination not in Determination.values:
        raise PluginError(
            _("determination %(determination)s: use one of %(choices)s")
            % {"determination": repr(determination), "choices": ", ".join(Determination.values)},
            field="determination",
        )
    if not reason.strip():
        raise PluginError(_("a determination needs a reason"), field="reason")
    if determination in DEDUCTING:
        if case.household is None:
            raise PluginError(
                _(
                    "case %(case)s names no household: record the petitioner's household "
                    "before a deduction can be determined"
                )
                % {"case": case.reference}
            )
        if case.notified_at is None:
            raise PluginError(
                _(
                    "a determination of %(determination)s needs the petitioner warned first "
                    "(先提醒、后扣分): record the warning, then the formal finding"
                )
                % {"determination": _word(determination)},
                field="determination",
            )
        missing = [
            name
            for name in ("authority", "document_number", "found_on")
            if not (finding or {}).get(name) or str(finding[name]).strip() == ""
        ]
        if missing:
            raise PluginError(
                _("a determination of %(determination)s needs the formal finding: %(fields)s")
                % {"determination": _word(determination), "fields": ", ".join(missing)},
                field="finding",
            )


def _deduction(case: Case, reviewer: Actor, finding: dict):
    code = RULE_FOR_DETERMINATION[case.determination]
    rule = Rule.objects.filter(code=code).first()
    if rule is None:
        raise PluginError(
            _("rule %(rule)s is missing from the covenant; enable the plugin again")
            % {"rule": code}
        )
    received_on = timezone.localdate(case.received_at)
    found_on = finding["found_on"]
    return record_entry(
        household=case.household,
        rule=rule,
        occurred_on=found_on,  # the deduction is lawful from the finding on
        recorder=reviewer,
        source=KEY,
        external_id=f"case:{case.pk}",
        evidence=(
            f"{KIND_ZH[case.kind]} case {case.reference} received {received_on}, "
            f"determined {case.determination}: {case.determination_reason}; "
            f"finding {finding['authority']} {finding['document_number']} of {found_on}"
        ),
        note=f"petitioner warned {timezone.localtime(case.notified_at):%Y-%m-%d %H:%M}",
        finding={
            "authority": str(finding["authority"]).strip(),
            "document_number": str(finding["document_number"]).strip(),
            "found_on": found_on,
            "warned_on": timezone.localdate(case.notified_at),
            "warning": case.notice,
        },
    )


def announce_early_warnings(period: dt.date, village_ids) -> list[str]:
    """Keep and announce the month's early warnings of the villages just finalised.

    Called when a month is finalised (``township_evaluation_finalised``): each warning
    is kept (``EarlyWarning``, once per village and month: finalising again creates
    nothing new), logged for the operators, and sent to the staff who handle the
    village's cases (``notify_staff``, once per village and month), who acknowledge it
    with a note on the workbench (``acknowledge_warning``).
    """
    from township_integrity.services import notify_staff

    township = connection.tenant
    warned = [w for w in early_warnings(period) if w.village.pk in set(village_ids)]
    for warning in warned:
        log.warning("early warning in %s: %s", township.code, warning.describe())
        record, _created = WarningRecord.objects.get_or_create(
            village=warning.village,
            month=warning.month,
            defaults={"cases": warning.cases, "average": warning.average},
        )
        notify_staff(
            roles=HANDLER_ROLES,
            village_code=warning.village.code,
            subject=_("Early warning: %(village)s, %(month)s")
            % {"village": warning.village.name, "month": f"{warning.month:%Y-%m}"},
            text=_(
                "%(village)s received %(cases)s petition and hotline cases in %(month)s, "
                "against %(average)s a month before. Acknowledge the warning on the "
                "workbench with a note of what is being done."
            )
            % {
                "village": warning.village.name,
                "cases": warning.cases,
                "month": f"{warning.month:%Y-%m}",
                "average": f"{warning.average:.1f}",
            },
            key=f"petition-warning-{warning.village.code}-{warning.month:%Y-%m}",
        )
    return [warning.describe() for warning in warned]


def acknowledge_warning(
    warning: WarningRecord, *, by: Actor, note: str, at: dt.datetime | None = None
) -> WarningRecord:
    """Record that ``by`` saw the village's early warning and what is being done about
    it (``note``, required): who and when, once. Staff who handle the village's cases."""
    township_settings()
    require_role(
        by,
        HANDLER_ROLES,
        village_code=warning.village.code,
        what=_("acknowledge early warnings"),
    )
    if not note.strip():
        raise PluginError(_("say what is being done about the warning (note)"), field="note")
    with transaction.atomic():
        warning = (
            WarningRecord.objects.select_for_update().select_related("village").get(pk=warning.pk)
        )
        if warning.acknowledged_at is not None:
            raise PluginError(
                _("the warning of %(village)s for %(month)s was already acknowledged by %(who)s")
                % {
                    "village": warning.village.name,
                    "month": f"{warning.month:%Y-%m}",
                    "who": warning.acknowledged_by_label,
                }
            )
        warning.acknowledged_at = at or timezone.now()
        warning.acknowledged_by = by.user
        warning.acknowledged_by_label = by.label
        warning.note = note.strip()
        warning.save(
            update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_by_label", "note"]
        )
    return warning


def escalate_overdue(*, by: Actor, now: dt.datetime | None = None) -> list[Case]:
    """Escalate every overdue case not escalated yet, once, to the township's
    administrators (the hourly task ``petition.escalate_overdue``).

    Sets ``overdue_since`` and ``escalated_at`` and sends the administrators one notice
    per case (``notify_staff``, key ``petition-overdue-<case id>``, ``-r<n>`` after its
    n-th reopening: never twice).
    Returns the cases escalated by this call (none when called again). Cases another
    run holds at the moment are left to it. ``by``: a township administrator or the
    scheduler.
    """
    from township_integrity.services import notify_staff

    township_settings()
    require_role(
        by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("escalate overdue petition cases")
    )
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            to_escalate(now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("village")
        )
        if not due:
            return []
        Case.objects.filter(pk__in=[c.pk for c in due], overdue_since__isnull=True).update(
            overdue_since=now
        )
        Case.objects.filter(pk__in=[c.pk for c in due]).update(escalated_at=now)
        for case in due:
            case.overdue_since = case.overdue_since or now
            case.escalated_at = now
            notify_staff(
                roles=(Role.TOWNSHIP_ADMIN,),
                village_code=case.village.code,
                subject=_("Overdue case %(case)s (%(village)s)")
                % {"case": case.reference, "village": case.village.name},
                text=_overdue_text(case, now),
                # A reopened case overdue again is a new escalation (plugins.petition.loop).
                key=f"petition-overdue-{case.pk}"
                + (f"-r{case.reopened_count}" if case.reopened_count else ""),
                by=by,
            )
    log.info("%s: %s overdue petition cases escalated", connection.tenant.code, len(due))
    return due


def _overdue_text(case: Case, now: dt.datetime) -> str:
    late_ack = (
        case.acknowledge_due is not None
        and case.acknowledged_at is None
        and case.acknowledge_due < now
    )
    due = case.acknowledge_due if late_ack else case.handling_due
    what = _("acknowledged") if late_ack else _("answered")
    return _(
        "%(kind)s case %(case)s of %(village)s, received %(received)s, was to be %(what)s "
        "by %(due)s and is overdue."
    ) % {
        "kind": KIND_ZH[case.kind],
        "case": case.reference,
        "village": case.village.name,
        "received": f"{timezone.localtime(case.received_at):%Y-%m-%d %H:%M}",
        "what": what,
        "due": f"{timezone.localtime(due):%Y-%m-%d %H:%M}",
    }
