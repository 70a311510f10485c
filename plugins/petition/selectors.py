"""Reads of cases: a case's history, villages' "three-none" status and early warnings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.petition.conf import CHANNEL_KINDS, DEFAULT_DEADLINES, DEFAULTS, KEY
from plugins.petition.models import FINISHED, UNANSWERED, Case, CaseStep, Status
from plugins.petition.models import EarlyWarning as WarningRecord
from township_integrity import enabled_settings
from township_integrity.models import Village
from township_integrity.roles import STAFF_ROLES
from township_integrity.services import month_end

# The "three-none" village (三无村): no petition, no lawsuit, no criminal case.
THREE_NONE_KINDS = ("petition", "lawsuit", "criminal")


def township_settings() -> dict:
    """The township's settings with defaults filled in; PluginError when not enabled.

    ``deadlines`` is merged per kind: a township that names only ``hotline`` keeps the
    default deadlines of the other kinds.
    """
    found = enabled_settings(KEY, DEFAULTS, refusal=_("petitions and hotline are not enabled"))
    found["deadlines"] = {**DEFAULT_DEADLINES, **(found.get("deadlines") or {})}
    return found


def case_steps(case: Case) -> QuerySet[CaseStep]:
    """The case's closed loop so far, oldest step first."""
    return case.steps.order_by("at", "pk")


def channel_figures(period: dt.date) -> dict[str, int]:
    """For the county: the month's petition, hotline and online cases, and those received
    up to its end that are not closed yet."""
    channel = Case.objects.filter(
        kind__in=CHANNEL_KINDS, received_at__lt=_midnight(month_end(period) + dt.timedelta(1))
    )
    return {
        "hotline_cases": channel.filter(received_at__gte=_midnight(period)).count(),
        "hotline_open": channel.exclude(status__in=(Status.CLOSED, Status.MERGED)).count(),
    }


# Figures the county and the dashboards compare with last year (``year_on_year`` columns).
YEAR_ON_YEAR = {"hotline_year": "hotline", "online_year": "online", "petitions_year": "petition"}


def year_on_year_figures(period: dt.date, today: dt.date | None = None) -> dict[str, int]:
    """Cases of each ``YEAR_ON_YEAR`` kind received from 1 January of ``period``'s year to
    the end of its month (or ``today``, if sooner), and the same days a year before
    (``<figure>_last_year``): a fair comparison in the middle of a year. Two queries."""
    today = today or timezone.localdate()
    end = min(month_end(period), today)
    start = end.replace(month=1, day=1)
    before_end = _a_year_before(end)
    figures: dict[str, int] = {}
    for suffix, first, last in (
        ("", start, end),
        ("_last_year", start.replace(year=start.year - 1), before_end),
    ):
        counts = dict(
            Case.objects.filter(received_between(first, last), kind__in=YEAR_ON_YEAR.values())
            .values_list("kind")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for figure, kind in YEAR_ON_YEAR.items():
            figures[figure + suffix] = counts.get(kind, 0)
    return figures


def _a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def village_case_counts(period_start: dt.date, period_end: dt.date) -> list:
    """The three-none counts per village (``township_village_case_counts``): petitions,
    lawsuits and criminal cases received in the period; villages without any left out."""
    from township_integrity import VillageCaseCounts

    rows = (
        Case.objects.filter(received_between(period_start, period_end), kind__in=THREE_NONE_KINDS)
        .values_list("village__code", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[str, int]] = {}
    for code, kind, n in rows:
        counts.setdefault(code, {})[kind] = n
    return [
        VillageCaseCounts(
            code,
            petitions=found.get("petition", 0),
            lawsuits=found.get("lawsuit", 0),
            criminal_cases=found.get("criminal", 0),
        )
        for code, found in sorted(counts.items())
    ]


def received_between(start: dt.date, end: dt.date) -> Q:
    """Cases received on ``start`` .. ``end`` (inclusive days, in the township's time zone)."""
    return Q(received_at__gte=_midnight(start), received_at__lt=_midnight(end + dt.timedelta(1)))


def three_none(village: Village, period_start: dt.date, period_end: dt.date) -> bool:
    """Whether no petition, lawsuit or criminal case of the village was received in the period.

    Hotline and online cases do not count against it: they are ordinary requests.
    """
    township_settings()
    return not Case.objects.filter(
        received_between(period_start, period_end), village=village, kind__in=THREE_NONE_KINDS
    ).exists()


@dataclass(frozen=True)
class VillageStatus:
    village: Village
    cases: dict[str, int] = field(default_factory=dict)  # kind -> cases received

    @property
    def three_none(self) -> bool:
        return not any(self.cases.get(kind) for kind in THREE_NONE_KINDS)


def village_status(period_start: dt.date, period_end: dt.date) -> list[VillageStatus]:
    """Every village's cases by kind in the period and its three-none status, by code."""
    township_settings()
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Case.objects.filter(received_between(period_start, period_end))
        .values_list("village_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for village_id, kind, n in rows:
        counts.setdefault(village_id, {})[kind] = n
    return [VillageStatus(v, counts.get(v.pk, {})) for v in Village.objects.order_by("code")]


@dataclass(frozen=True)
class Spike:
    """A village's month well above its own average (an early warning, as computed)."""

    village: Village
    month: dt.date
    cases: int  # received in the month
    average: float  # per month over the previous months
    months: int  # how many previous months the average covers

    def describe(self) -> str:
        return (
            f"{self.village.name}: {self.cases} cases in {self.month:%Y-%m}, "
            f"average {self.average:.1f} over the previous {self.months} months"
        )


def early_warnings(month: dt.date) -> list[Spike]:
    """Villages whose case count rose well above their own recent average.

    With the township's settings ``warning_months`` (N), ``warning_factor`` (F) and
    ``warning_minimum`` (M): a village is warned for ``month`` when the cases of every
    kind received in that calendar month number at least M and more than F times its
    average, where the average is the cases received in the N calendar months before
    ``month`` divided by N (months without cases count as 0, so a village with no
    history is warned as soon as it reaches M).
    """
    settings = township_settings()
    months, factor = settings["warning_months"], settings["warning_factor"]
    first = month.replace(day=1)
    next_month = add_months(first, 1)
    earlier = add_months(first, -months)
    current = _count_by_village(first, next_month - dt.timedelta(1))
    previous = _count_by_village(earlier, first - dt.timedelta(1))
    villages = Village.objects.in_bulk(list(current))
    warnings = []
    for village_id, cases in current.items():
        average = previous.get(village_id, 0) / months
        if cases >= settings["warning_minimum"] and cases > factor * average:
            warnings.append(Spike(villages[village_id], first, cases, average, months))
    return sorted(warnings, key=lambda w: w.village.code)


def _count_by_village(start: dt.date, end: dt.date) -> dict[int, int]:
    rows = (
        Case.objects.filter(received_between(start, end))
        .values_list("village_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def add_months(first: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``first``'s (before, when negative)."""
    index = first.year * 12 + first.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def cases_in(village_codes: Iterable[str] | None) -> QuerySet[Case]:
    """Cases of ``village_codes`` (None: every village), oldest received first."""
    found = Case.objects.select_related("village", "household")
    if village_codes is not None:
        found = found.filter(village__code__in=sorted(village_codes))
    return found.order_by("received_at", "pk")


# --- deadlines and overdue cases (docs/plugins/petition.md, "Deadlines") -------------


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Cases overdue at ``now`` (default: now): not closed or merged, and past their
    acknowledge deadline unacknowledged or past their handling deadline unanswered
    (received, assigned, handling, transferred or reopened). ``Case.is_overdue`` is
    the same rule for one case."""
    now = now or timezone.now()
    late_ack = Q(acknowledge_due__lt=now, acknowledged_at__isnull=True) & ~Q(status__in=FINISHED)
    late_answer = Q(handling_due__lt=now, status__in=UNANSWERED)
    return late_ack | late_answer


def overdue_cases(viewer, now: dt.datetime | None = None) -> QuerySet[Case]:
    """Overdue cases of the villages where ``viewer`` handles cases (a township-wide role:
    every village), the longest overdue first."""
    township_settings()
    return (
        cases_in(viewer.villages(STAFF_ROLES))
        .filter(overdue_q(now))
        .order_by("handling_due", "acknowledge_due", "received_at", "pk")
    )


def to_escalate(now: dt.datetime | None = None) -> QuerySet[Case]:
    """Overdue cases not escalated yet (the escalation task's work)."""
    return Case.objects.filter(overdue_q(now), escalated_at__isnull=True).order_by("pk")


def overdue_by_village(now: dt.datetime | None = None) -> dict[int, int]:
    """Village id -> how many of its cases are overdue at ``now``."""
    rows = Case.objects.filter(overdue_q(now)).values_list("village_id").annotate(n=Count("pk"))
    return dict(rows.order_by())


# --- early warnings kept for acknowledgement ("Early warnings") --------------------------


def open_warnings(viewer) -> QuerySet[WarningRecord]:
    """Early warnings not acknowledged yet, of the villages where ``viewer`` handles
    cases (a township-wide role: every village), oldest month first."""
    township_settings()
    found = WarningRecord.objects.filter(acknowledged_at__isnull=True).select_related("village")
    villages = viewer.villages(STAFF_ROLES)
    if villages is not None:
        found = found.filter(village__code__in=sorted(villages))
    return found.order_by("month", "village__code")


def warnings_of(viewer) -> QuerySet[WarningRecord]:
    """Every kept early warning the viewer may see (acknowledged or not), newest first."""
    township_settings()
    found = WarningRecord.objects.select_related("village")
    villages = viewer.villages(STAFF_ROLES)
    if villages is not None:
        found = found.filter(village__code__in=sorted(villages))
    return found.order_by("-month", "village__code")
