"""Reads of honour boards and the year's model households."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet

from platform_core.evaluation.models import HouseholdSnapshot
from platform_core.households.models import Village
from platform_core.households.selectors import mask_name
from platform_core.publication.models import BoardEntry, HonourBoard


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
    for entry in board_entries(found):
        (models if entry.kind == BoardEntry.Kind.MODEL else to_improve).append(entry.masked_name)
    return Listing(found, models, to_improve if found.includes_red else None)
