"""Reads of honour boards and the year's model households."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from platform_core.evaluation.models import HouseholdSnapshot
from platform_core.households.models import Village
from platform_core.households.selectors import mask_name
from platform_core.publication.models import BoardEntry, HonourBoard
from platform_core.scoring.models import EntryStatus, ScoreEvent
from platform_core.scoring.policy import RED, ScoringPolicy, month_end
from platform_core.scoring.selectors import EFFECT, counting_on


def board(village, year: int, quarter: int) -> HonourBoard | None:
    return HonourBoard.objects.filter(village=village, year=year, quarter=quarter).first()


def board_entries(board: HonourBoard) -> QuerySet[BoardEntry]:
    return board.entries.select_related("household").order_by("kind", "-score", "household__code")


@dataclass(frozen=True)
class ModelHousehold:
    code: str
    village: str
    name: str
    score: int
    green_months: int


def model_households_of_year(year: int, *, full_names: bool = False) -> list[ModelHousehold]:
    """The year's model households for the households' meeting (docs/scoring.md).

    A household qualifies when it is green in the year's last finalised month of
    its village and was never red in a finalised month of that year.
    """
    snapshots = HouseholdSnapshot.objects.filter(period__year=year)
    last_months = dict(snapshots.values_list("village_id").annotate(last=Max("period")))
    ever_red = set(snapshots.filter(tier="red").values_list("household_id", flat=True))
    greens = {
        row["household_id"]: row["n"]
        for row in snapshots.filter(tier="green").values("household_id").annotate(n=Count("id"))
    }
    chosen = []
    finals = snapshots.filter(tier="green", period__in=set(last_months.values()))
    finals = finals.select_related("household", "village")
    for snapshot in finals.order_by("village__code", "-score", "household__code"):
        if snapshot.period != last_months.get(snapshot.village_id):
            continue
        if snapshot.household_id in ever_red:
            continue
        name = snapshot.household.head_name
        chosen.append(
            ModelHousehold(
                code=snapshot.household.code,
                village=snapshot.village.name,
                name=name if full_names else mask_name(name),
                score=snapshot.score,
                green_months=greens.get(snapshot.household_id, 0),
            )
        )
    return chosen


@dataclass(frozen=True)
class Listing:
    """A board as the public sees it: masked names by kind (``to_improve`` None: not shown)."""

    board: HonourBoard
    models: list[str]
    to_improve: list[str] | None
    # Integrity merchants and firms, by registered name (empty: none on this board).
    enterprises: list[str] = field(default_factory=list)


def published_boards() -> QuerySet[HonourBoard]:
    """Every published board of the township, newest quarter first, with its counts."""
    return (
        HonourBoard.objects.select_related("village")
        .annotate(
            model_count=Count("entries", filter=Q(entries__kind=BoardEntry.Kind.MODEL)),
            improve_count=Count("entries", filter=Q(entries__kind=BoardEntry.Kind.IMPROVE)),
        )
        .order_by("-year", "-quarter", "village__code")
    )


def listing(village_code: str, year: int, quarter: int) -> Listing | None:
    """The published board of a village and quarter; None when there is none."""
    village = Village.objects.filter(code=village_code).first()
    found = board(village, year, quarter) if village else None
    if found is None:
        return None
    models, to_improve = [], []
    for entry in shown_entries(found):
        (models if entry.kind == BoardEntry.Kind.MODEL else to_improve).append(entry.masked_name)
    enterprises = [entry.masked_name for entry in enterprise_entries(found)]
    return Listing(found, models, to_improve if found.includes_red else None, enterprises)


def enterprise_entries(board: HonourBoard) -> QuerySet[BoardEntry]:
    """The board's integrity merchants and firms, best score first (their own section;
    ``shown_entries``, the household sections, never includes them)."""
    return board.entries.filter(kind=BoardEntry.Kind.ENTERPRISE).order_by(
        "-score", "household__code"
    )


def shown_entries(board: HonourBoard) -> list[BoardEntry]:
    """The board's entries as shown today: every model household, and households to
    improve only while their red publication lasts (``red_publishable``)."""
    entries = list(board_entries(board))
    improve = {e.household_id: e.score for e in entries if e.kind == BoardEntry.Kind.IMPROVE}
    shown = red_publishable(board.based_on, improve)
    return [e for e in entries if e.kind == BoardEntry.Kind.MODEL or e.household_id in shown]


# --- how long a household is shown as red (docs/scoring.md, "Credit repair") --------


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``month``'s."""
    years, index = divmod(month.month - 1 + months, 12)
    return dt.date(month.year + years, index + 1, 1)


def red_since(household_ids, up_to: dt.date) -> dict[int, dt.date]:
    """The first month of each household's current run of red finalised months up to
    ``up_to`` (a month without a finalised snapshot neither breaks nor extends a run).

    Only the last 37 months are read: a run longer than the longest publication (36
    months) is over whatever its start.
    """
    since: dict[int, dt.date] = {}
    broken: set[int] = set()
    rows = (
        HouseholdSnapshot.objects.filter(
            household_id__in=list(household_ids),
            period__lte=up_to,
            period__gte=add_months(up_to, -36),
        )
        .order_by("household_id", "-period")
        .values_list("household_id", "period", "tier")
    )
    for household_id, period, tier in rows:
        if household_id in broken:
            continue
        if tier == RED:
            since[household_id] = period
        else:
            broken.add(household_id)
    return since


def repaired_since(household_ids, month: dt.date, today: dt.date, policy: ScoringPolicy):
    """Per household, the effect of deductions that counted in ``month``'s score and were
    repaired after it (by ``today``): what the month's score would have been without them
    is the snapshot's score minus this (negative) sum."""
    last_day = month_end(month)
    entries = ScoreEvent.objects.filter(
        counting_on(last_day),
        household_id__in=list(household_ids),
        status=EntryStatus.REPAIRED,
        corrections__kind=ScoreEvent.Kind.REPAIR,
        corrections__counts_from__gt=last_day,
        corrections__counts_from__lte=today,
    )
    start = policy.window_start(last_day)
    if start:
        entries = entries.filter(occurred_on__gte=start)
    rows = entries.values("household_id").annotate(total=Sum(EFFECT))
    return {row["household_id"]: row["total"] for row in rows}


def red_publishable(
    month: dt.date,
    scores: dict[int, int],
    *,
    today: dt.date | None = None,
    policy: ScoringPolicy | None = None,
) -> set[int]:
    """Of households red in the finalised ``month`` (id: the month's score), those a board
    may show as red (to improve) on ``today``.

    A household is shown for at most ``policy.red_publication_months`` months counted
    from the first month of its run of red months (the NDRC rule: negative publication
    3 months to 3 years), and no more once a repair granted after the month means it
    would not have been red without the repaired deductions (repair ends it early).
    """
    if not scores:
        return set()
    policy = policy or ScoringPolicy.of(connection.tenant)
    today = today or timezone.localdate()
    since = red_since(scores, month)
    repaired = repaired_since(scores, month, today, policy)
    shown = set()
    for household_id, score in scores.items():
        ends = add_months(since.get(household_id, month), policy.red_publication_months)
        if not (month < ends and today < ends):
            continue
        if policy.tier(score - repaired.get(household_id, 0)) != RED:
            continue
        shown.add(household_id)
    return shown
