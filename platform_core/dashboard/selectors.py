"""Reads of the dashboards: who may see which figures, and the figures themselves.

Counts only: tier mixes per month, village and township, evaluation progress,
and the panels of the township's plugins — never a household's personal data.
The township dashboard reads the township's schema (the request's); the county
dashboard reads only the public ``TownshipStatistics`` rows (the months' tier mix
and the running totals are stored on them at each refresh).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.evaluation.models import EvaluationRound, VillageSnapshot
from platform_core.evaluation.selectors import round_progress
from platform_core.households.models import Village
from platform_core.plugins.selectors import dashboard_panels
from platform_core.plugins.types import DashboardPanel
from platform_core.scoring.policy import month_end
from platform_core.scoring.selectors import pending_entries

MONTHS = 12  # finalised months the charts by month show

ALL = "all"


@dataclass(frozen=True)
class TierCounts:
    green: int = 0
    blue: int = 0
    red: int = 0

    @property
    def households(self) -> int:
        return self.green + self.blue + self.red

    def __add__(self, other: TierCounts) -> TierCounts:
        return TierCounts(self.green + other.green, self.blue + other.blue, self.red + other.red)


@dataclass(frozen=True)
class MonthTiers:
    period: dt.date  # the month's first day
    tiers: TierCounts

    @property
    def label(self) -> str:
        return f"{self.period:%Y-%m}"


@dataclass(frozen=True)
class VillageTiers:
    code: str
    name: str
    tiers: TierCounts | None  # None: the village has not finalised the month


@dataclass(frozen=True)
class RoundLine:
    village_code: str
    village_name: str
    status: str  # "open" or "finalised"
    assigned: int
    rated: int


@dataclass(frozen=True)
class Progress:
    """The current month's evaluation in the villages in view."""

    period: dt.date
    villages: int  # villages in view
    rounds: list[RoundLine]
    pending: int  # entries of the month awaiting review

    @property
    def opened(self) -> int:
        return len(self.rounds)

    @property
    def finalised(self) -> int:
        return sum(r.status == EvaluationRound.Status.FINALISED for r in self.rounds)

    @property
    def assigned(self) -> int:
        return sum(r.assigned for r in self.rounds)

    @property
    def rated(self) -> int:
        return sum(r.rated for r in self.rounds)


@dataclass(frozen=True)
class TownshipDashboard:
    village_codes: frozenset[str] | None  # None: the whole township
    village_names: list[str]  # of the villages in view when narrowed
    months: list[MonthTiers]  # oldest first
    latest: dt.date | None  # the newest finalised month in view
    villages: list[VillageTiers]
    progress: Progress
    panels: list[tuple[str, DashboardPanel]] = field(default_factory=list)


# --- who sees what ----------------------------------------------------------------------


def township_scope(viewer) -> frozenset[str] | str | None:
    """What ``viewer`` may see of the township's dashboard.

    ``ALL`` for staff of the whole township (and county administrators), the village
    codes of village-scoped staff, ``None`` for anyone else (households, banks).
    """
    if viewer.has(STAFF_ROLES):
        return ALL
    codes = viewer.villages(STAFF_ROLES)
    return frozenset(codes) if codes else None


def county_allowed(viewer) -> bool:
    """Only county administrators (and superusers) see the county dashboard."""
    return viewer.everywhere


# --- the township -----------------------------------------------------------------------


def township_dashboard(
    township, village_codes: frozenset[str] | None = None, today: dt.date | None = None
) -> TownshipDashboard:
    """Every figure of the township dashboard, for the villages in view (None: all)."""
    villages = Village.objects.order_by("code")
    if village_codes is not None:
        villages = villages.filter(code__in=village_codes)
    villages = list(villages.only("pk", "code", "name"))
    ids = None if village_codes is None else [v.pk for v in villages]
    months = tiers_by_month(ids)
    latest = months[-1].period if months else None
    return TownshipDashboard(
        village_codes=village_codes,
        village_names=[v.name for v in villages] if village_codes is not None else [],
        months=months,
        latest=latest,
        villages=tiers_by_village(villages, latest),
        progress=evaluation_progress(villages, today or timezone.localdate()),
        panels=dashboard_panels(township, None if village_codes is None else sorted(village_codes)),
    )


def _snapshots(village_ids: list[int] | None):
    snapshots = VillageSnapshot.objects.all()
    return snapshots if village_ids is None else snapshots.filter(village_id__in=village_ids)


def tiers_by_month(village_ids: list[int] | None = None, months: int = MONTHS) -> list[MonthTiers]:
    """Households per tier in the newest ``months`` finalised months, oldest first.

    The villages' snapshots summed per month (a month some villages have not
    finalised yet counts the villages that have).
    """
    rows = (
        _snapshots(village_ids)
        .values_list("period")
        .annotate(g=Sum("green"), b=Sum("blue"), r=Sum("red"))
        .order_by("-period")[:months]
    )
    return [MonthTiers(period, TierCounts(g, b, r)) for period, g, b, r in reversed(rows)]


def tiers_by_village(villages: list[Village], period: dt.date | None) -> list[VillageTiers]:
    """Each village's households per tier in ``period`` (None where it is not finalised)."""
    found = {}
    if period is not None:
        found = {
            village_id: TierCounts(g, b, r)
            for village_id, g, b, r in VillageSnapshot.objects.filter(
                period=period, village_id__in=[v.pk for v in villages]
            ).values_list("village_id", "green", "blue", "red")
        }
    return [VillageTiers(v.code, v.name, found.get(v.pk)) for v in villages]


def evaluation_progress(villages: list[Village], today: dt.date) -> Progress:
    """Rounds opened this month, households assigned and rated, entries awaiting review."""
    period = today.replace(day=1)
    ids = [v.pk for v in villages]
    rounds = EvaluationRound.objects.filter(period=period, village_id__in=ids).select_related(
        "village"
    )
    lines = []
    for round_ in rounds.order_by("village__code"):
        counts = round_progress(round_)
        lines.append(
            RoundLine(
                round_.village.code,
                round_.village.name,
                round_.status,
                counts["assigned"],
                counts["rated"],
            )
        )
    pending = pending_entries(period, month_end(period), ids).count()
    return Progress(period, len(villages), lines, pending)


# --- the county -------------------------------------------------------------------------


@dataclass(frozen=True)
class TownshipFigures:
    code: str
    name: str
    month: dt.date | None  # its latest finalised month
    households: int
    tiers: TierCounts
    columns: tuple  # the plugins' figures, one per statistics column (None: no figure)
    refreshed_at: dt.datetime


def county_figures(townships=None, columns=()) -> list[TownshipFigures]:
    """Each township's statistics row (public schema): tiers of its latest month, and
    the figures of ``columns`` (``platform_core.townships.statistics.statistics_columns()``).

    ``townships``: only these (a county administrator's county); None: every township."""
    from platform_core.townships.statistics import column_values
    from tenants.models import TownshipStatistics

    rows = TownshipStatistics.objects.select_related("township").order_by("township__code")
    if townships is not None:
        rows = rows.filter(township__in=townships)
    return [
        TownshipFigures(
            row.township.code,
            row.township.name,
            row.month,
            row.households,
            TierCounts(row.green, row.blue, row.red),
            tuple(column_values(row, list(columns))),
            row.refreshed_at,
        )
        for row in rows
    ]


def stored_tier_months(months: int = MONTHS) -> list[list]:
    """Inside a township's schema, at its statistics refresh: its tier mix of the newest
    ``months`` finalised months as JSON ([["2026-03-01", green, blue, red], …]), which
    ``county_tiers_by_month`` sums from the rows."""
    return [
        [m.period.isoformat(), m.tiers.green, m.tiers.blue, m.tiers.red]
        for m in tiers_by_month(None, months)
    ]


def county_tiers_by_month(townships=None, months: int = MONTHS) -> list[MonthTiers]:
    """Households per tier per month across ``townships`` (default: all), oldest first.

    Read from the statistics rows in one query (``stored_tier_months``, as of each
    township's last refresh, which follows every finalised month; a row refreshed
    before they were stored adds nothing); the newest ``months`` months any township
    finalised.
    """
    from tenants.models import TownshipStatistics

    rows = TownshipStatistics.objects.all()
    if townships is not None:
        rows = rows.filter(township__in=list(townships))
    totals: dict[dt.date, TierCounts] = {}
    for stored in rows.values_list("totals", flat=True):
        for period, green, blue, red in (stored or {}).get("tier_months", ()):
            period = dt.date.fromisoformat(period)
            totals[period] = totals.get(period, TierCounts()) + TierCounts(green, blue, red)
    newest = sorted(totals)[-months:]
    return [MonthTiers(period, totals[period]) for period in newest]
