"""Closing the loop of 12345 practice: repeats merged (重复件合并), the follow-up call
(回访) and reopening a case the citizen was dissatisfied with.

* ``repeat_candidates(case)`` — open or recently closed cases of the same household
  (and topic) received within ``repeat_days`` of it: offered for merging.
* ``merge_case(case, into, by, reason)`` — the repeat keeps its steps, gets a
  ``merged`` step and points to the main case (``merged_into``), which gets a
  ``merged`` step naming it. A merged case is finished: it never moves again.
* ``record_follow_up(case, by, result, satisfaction_score, satisfied)`` — the
  follow-up call of a responded case: a ``follow_up`` step, due ``follow_up_days``
  working days after the response (``follow_up_due``); the case closes at the
  follow-up with the citizen's satisfaction and score. Every call is kept
  (``FollowUp``) for the satisfaction rate.
* ``reopen_case(case, by, reason)`` — within ``reopen_days`` of closing, when the
  citizen was unsatisfied: back to ``handling`` with a ``reopened`` step, a new
  handling deadline, ``reopened_count`` + 1.

The older way of closing, ``services.advance(case, "closed", satisfaction=...)``,
stays for imported histories and for a case closed without a call; it records no
follow-up and does not count in the satisfaction rate.

Everyone who handles a case's village (``services.HANDLER_ROLES``) may do each of
these; every refusal says what was wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.petition.models import Case, CaseStep, FollowUp, Satisfaction, Status
from plugins.petition.selectors import add_months, township_settings
from township_integrity.errors import PluginError
from township_integrity.models import Village
from township_integrity.roles import STAFF_ROLES
from township_integrity.services import Actor, month_end, require_role, working_deadline

# The same roles as services.HANDLER_ROLES (services imports nothing from here).
HANDLER_ROLES = STAFF_ROLES
# A case in one of these is finished: no repeat is merged into it unless recently closed.
FINISHED = (Status.CLOSED, Status.MERGED)
# The follow-up's answers that count as satisfied in the satisfaction rate.
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
SCORES = range(1, 6)


# --- repeats and merging -------------------------------------------------------------


def repeat_candidates(case: Case) -> list[Case]:
    """Cases that may be the same matter raised again, oldest first: of the same
    household, received within ``repeat_days`` (before or after) of ``case``, open or
    closed within that window, not merged, and on the same topic (a case without a
    topic matches any topic: the topic is optional and a missing one must not hide a
    repeat; the handler decides). None for a case without a household or merged."""
    days = township_settings()["repeat_days"]
    if case.household_id is None or case.status == Status.MERGED:
        return []
    window = dt.timedelta(days=days)
    found = (
        Case.objects.filter(
            household_id=case.household_id,
            received_at__gte=case.received_at - window,
            received_at__lte=case.received_at + window,
        )
        .exclude(pk=case.pk)
        .exclude(status=Status.MERGED)
        .exclude(status=Status.CLOSED, closed_at__lt=case.received_at - window)
    )
    if case.topic:
        found = found.filter(Q(topic=case.topic) | Q(topic=""))
    return list(found.select_related("village", "household").order_by("received_at", "pk"))


def merge_case(
    case: Case, into: Case, by: Actor, reason: str, *, at: dt.datetime | None = None
) -> Case:
    """Merge ``case``, a repeat, into the main case ``into`` (same household): ``case``
    keeps its steps, gets a ``merged`` step and status, and points to ``into``;
    ``into`` gets a ``merged`` step naming the repeat. Returns ``case``.

    Refused: a case into itself, a merged case (either side: merge into the main
    case), a closed case, a case that others were merged into, and cases of
    different (or no) households.
    """
    township_settings()
    for village in {case.village.code, into.village.code}:
        require_role(by, HANDLER_ROLES, village_code=village, what=_("handle petition cases"))
    at = at or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().in_bulk([case.pk, into.pk])
        case, into = locked[case.pk], locked[into.pk]
        _check_merge(case, into, reason)
        _check_time(case, at)
        _check_time(into, at)
        reason = reason.strip()
        CaseStep.objects.create(
            case=case,
            status=Status.MERGED,
            at=at,
            by=by.user,
            by_label=by.label,
            note=f"→ {into.reference}: {reason}",
        )
        CaseStep.objects.create(
            case=into,
            status=Status.MERGED,
            at=at,
            by=by.user,
            by_label=by.label,
            note=f"← {case.reference}: {reason}",
        )
        case.status = Status.MERGED
        case.merged_into = into
        case.save(update_fields=["status", "merged_into"])
    return case


def _check_merge(case: Case, into: Case, reason: str) -> None:
    if case.pk == into.pk:
        raise PluginError(
            _("case %(case)s cannot be merged into itself") % {"case": case.reference},
            field="into",
        )
    for which, field in ((case, "case"), (into, "into")):
        if which.status == Status.MERGED:
            main = which.merged_into
            raise PluginError(
                _("case %(case)s is already merged into case %(main)s")
                % {"case": which.reference, "main": main.reference if main else "?"},
                field=field,
            )
    if case.status == Status.CLOSED:
        raise PluginError(
            _("case %(case)s is closed; only an open case is merged into another")
            % {"case": case.reference},
            field="case",
        )
    if case.merged_cases.exists():
        raise PluginError(
            _(
                "other cases were merged into case %(case)s: it is a main case; merge the "
                "new case into it instead"
            )
            % {"case": case.reference},
            field="case",
        )
    if case.household_id is None or case.household_id != into.household_id:
        raise PluginError(
            _(
                "cases %(case)s and %(main)s are not of the same household: only a repeat "
                "from the same household is merged"
            )
            % {"case": case.reference, "main": into.reference},
            field="into",
        )
    if not reason.strip():
        raise PluginError(_("say why the cases are the same matter (reason)"), field="reason")


# --- the follow-up call (回访) -------------------------------------------------------


def follow_up_due(responded_at: dt.datetime) -> dt.datetime:
    """When the follow-up of a case responded at ``responded_at`` is due: the end of the
    ``follow_up_days``-th working day after it."""
    return working_deadline(responded_at, township_settings()["follow_up_days"])


def record_follow_up(
    case: Case,
    by: Actor,
    result: str,
    satisfaction_score: int,
    satisfied: str,
    *,
    at: dt.datetime | None = None,
) -> FollowUp:
    """Record the follow-up call of a responded case and close it there: a
    ``follow_up`` step (note: the result), the citizen's satisfaction (``satisfied``:
    satisfied, basically_satisfied or unsatisfied) and score (1–5). ``at`` defaults to
    now; a late call is recorded all the same (its due time is kept with it)."""
    township_settings()
    require_role(by, HANDLER_ROLES, village_code=case.village.code, what=_("handle petition cases"))
    at = at or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status != Status.RESPONDED:
            raise PluginError(
                _("case %(case)s is %(status)s: the follow-up call comes after the response")
                % {"case": case.reference, "status": case.get_status_display()}
            )
        result = (result or "").strip()
        if not result:
            raise PluginError(
                _("say what the citizen said at the follow-up (result)"), field="result"
            )
        if not isinstance(satisfaction_score, int) or satisfaction_score not in SCORES:
            raise PluginError(
                _("satisfaction score %(score)s: give a whole number from 1 to 5")
                % {"score": repr(satisfaction_score)},
                field="satisfaction_score",
            )
        if satisfied not in Satisfaction.values:
            raise PluginError(
                _("satisfaction %(value)s: use one of %(choices)s")
                % {"value": repr(satisfied), "choices": ", ".join(Satisfaction.values)},
                field="satisfied",
            )
        _check_time(case, at)
        due = case.follow_up_due or follow_up_due(case.responded_at or _last_step_at(case))
        CaseStep.objects.create(
            case=case, status=Status.FOLLOW_UP, at=at, by=by.user, by_label=by.label, note=result
        )
        follow_up = FollowUp.objects.create(
            case=case,
            due=due,
            at=at,
            by=by.user,
            by_label=by.label,
            result=result,
            score=satisfaction_score,
            satisfaction=satisfied,
        )
        case.status = Status.CLOSED
        case.satisfaction = satisfied
        case.satisfaction_score = satisfaction_score
        case.follow_up_due = due
        case.followed_up_at = at
        case.follow_up_result = result
        case.closed_at = at
        case.save(
            update_fields=[
                "status",
                "satisfaction",
                "satisfaction_score",
                "follow_up_due",
                "followed_up_at",
                "follow_up_result",
                "closed_at",
            ]
        )
    return follow_up


# --- reopening ----------------------------------------------------------------------


def reopen_until(case: Case) -> dt.datetime | None:
    """Until when a closed case may be reopened (None: it may not be, or is not closed)."""
    if case.status != Status.CLOSED:
        return None
    closed = case.closed_at or _last_step_at(case)
    return closed + dt.timedelta(days=township_settings()["reopen_days"])


def may_reopen(case: Case, now: dt.datetime | None = None) -> bool:
    """Whether ``reopen_case`` would accept the case now (for a page to offer it)."""
    until = reopen_until(case)
    return (
        until is not None
        and case.satisfaction == Satisfaction.UNSATISFIED
        and (now or timezone.now()) <= until
    )


def reopen_case(case: Case, by: Actor, reason: str, *, at: dt.datetime | None = None) -> Case:
    """Reopen a closed case the citizen was unsatisfied with, within ``reopen_days``
    (calendar days) of its closing: a ``reopened`` step (note: the reason), status
    ``handling``, ``reopened_count`` + 1 and a new handling deadline from now (the
    kind's ``handling_days`` in working days). The last round's response, follow-up
    and satisfaction are cleared from the case (its steps and ``FollowUp`` keep them)."""
    township_settings()
    require_role(by, HANDLER_ROLES, village_code=case.village.code, what=_("handle petition cases"))
    at = at or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.status != Status.CLOSED:
            raise PluginError(
                _("case %(case)s is %(status)s: only a closed case is reopened")
                % {"case": case.reference, "status": case.get_status_display()}
            )
        if case.satisfaction != Satisfaction.UNSATISFIED:
            raise PluginError(
                _(
                    "case %(case)s was closed with the citizen %(satisfaction)s: only a case "
                    "the citizen was unsatisfied with is reopened"
                )
                % {"case": case.reference, "satisfaction": case.get_satisfaction_display()}
            )
        closed = case.closed_at or _last_step_at(case)
        until = reopen_until(case)
        if at > until:
            raise PluginError(
                _(
                    "case %(case)s was closed on %(closed)s: it could be reopened within "
                    "%(days)s days, until %(until)s"
                )
                % {
                    "case": case.reference,
                    "closed": f"{timezone.localtime(closed):%Y-%m-%d}",
                    "days": township_settings()["reopen_days"],
                    "until": f"{timezone.localtime(until):%Y-%m-%d %H:%M}",
                }
            )
        if not (reason or "").strip():
            raise PluginError(_("say why the case is reopened (reason)"), field="reason")
        _check_time(case, at)
        CaseStep.objects.create(
            case=case,
            status=Status.REOPENED,
            at=at,
            by=by.user,
            by_label=by.label,
            note=reason.strip(),
        )
        case.status = Status.HANDLING
        case.reopened_count += 1
        days = handling_days(case.kind)
        case.handling_due = working_deadline(at, days) if days else None
        for name in ("responded_at", "closed_at", "follow_up_due", "followed_up_at"):
            setattr(case, name, None)
        for name in ("overdue_since", "escalated_at"):
            setattr(case, name, None)
        case.satisfaction, case.satisfaction_score, case.follow_up_result = "", None, ""
        case.save()
    return case


def handling_days(kind: str) -> int | None:
    """The kind's handling deadline in working days (the settings' ``deadlines``), or
    None when the kind has none."""
    deadlines = township_settings().get("deadlines") or {}
    days = (deadlines.get(kind) or {}).get("handling_days")
    return days or None


# --- the satisfaction rate ------------------------------------------------------------


@dataclass(frozen=True)
class SatisfactionRate:
    """A village's follow-up calls in a month and how many found the citizen satisfied
    or basically satisfied."""

    village: Village
    month: dt.date  # the first day
    followed_up: int
    satisfied: int

    @property
    def rate(self) -> float:
        return self.satisfied / self.followed_up


def satisfaction_rates(
    first: dt.date, last: dt.date, village_codes: list[str] | None = None
) -> list[SatisfactionRate]:
    """The satisfaction rate per village and month of ``first``..``last`` (months, in the
    township's time zone): follow-up calls made in the month whose answer was satisfied
    or basically satisfied, over all follow-up calls of the month. Every call counts,
    also one of a case reopened later. Only village-months with a call, by village code
    then month."""
    township_settings()
    first = first.replace(day=1)
    calls = FollowUp.objects.filter(
        at__gte=_midnight(first), at__lt=_midnight(month_end(last) + dt.timedelta(1))
    )
    if village_codes is not None:
        calls = calls.filter(case__village__code__in=sorted(village_codes))
    rows = (
        calls.annotate(month=TruncMonth("at", output_field=DateField()))
        .values_list("case__village_id", "month")
        .annotate(n=Count("pk"), ok=Count("pk", filter=Q(satisfaction__in=SATISFIED)))
        .order_by()
    )
    villages = Village.objects.in_bulk({village_id for village_id, *_ in rows})
    found = [
        SatisfactionRate(villages[village_id], month, n, ok) for village_id, month, n, ok in rows
    ]
    return sorted(found, key=lambda r: (r.village.code, r.month))


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months ``first``..``last``."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


# --- helpers --------------------------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _last_step_at(case: Case) -> dt.datetime:
    return (
        case.steps.order_by("-at", "-pk").values_list("at", flat=True).first() or case.received_at
    )


def _check_time(case: Case, at: dt.datetime) -> None:
    """Steps never lie in the future nor before the case's last step."""
    if at > timezone.now():
        raise PluginError(
            _("%(when)s is in the future") % {"when": f"{timezone.localtime(at):%Y-%m-%d %H:%M}"},
            field="at",
        )
    last = _last_step_at(case)
    if at < last:
        raise PluginError(
            _("case %(case)s: a step cannot be earlier than the last one (%(last)s)")
            % {"case": case.reference, "last": f"{timezone.localtime(last):%Y-%m-%d %H:%M}"},
            field="at",
        )
