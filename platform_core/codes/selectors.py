"""Reads behind the scan page and the door plates: a household's official standing.

The tier a QR code shows is the one of the latest *finalised* month (the
household's snapshot), never the ledger as it stands: that is what the joint
review approved, and it stays the same until the next month is finalised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from django.utils import timezone

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.accounts.viewer import Viewer
from platform_core.evaluation.models import HouseholdSnapshot
from platform_core.households.models import Household, Village
from platform_core.households.selectors import mask_name
from platform_core.scoring.models import EntryStatus, ScoreEvent
from platform_core.scoring.policy import ScoringPolicy, month_end
from platform_core.scoring.selectors import ScoreCard, ledger, score_card
from platform_core.scoring.services import objection_deadline

RECENT_ENTRIES = 10

# Who is looking at a scan page, from least to most detail.
PUBLIC, HOUSEHOLD, STAFF = "public", "household", "staff"


@dataclass(frozen=True)
class Standing:
    """The official tier: the latest finalised month, and how long it holds."""

    period: dt.date | None = None  # first day of the finalised month; None: never evaluated
    score: int | None = None
    tier: str = ""  # green, blue, red; "" before the first finalised month
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    @property
    def evaluated(self) -> bool:
        return self.period is not None

    def expired(self, today: dt.date | None = None) -> bool:
        """The next evaluation was due and hasn't been finalised (the tier is stale)."""
        today = today or timezone.localdate()
        return self.valid_until is not None and today > self.valid_until


def evaluation_due(period: dt.date, evaluation_day: int, months_after: int) -> dt.date:
    """The township's evaluation day ``months_after`` months after the month ``period``."""
    day = period.replace(day=1)
    for _ in range(months_after):
        day = month_end(day) + dt.timedelta(days=1)
    return day.replace(day=min(max(evaluation_day, 1), 28))


def next_evaluation_due(period: dt.date, evaluation_day: int) -> dt.date:
    """When the month after ``period`` is due to be evaluated: its successor's evaluation day.

    March is evaluated in April (from the evaluation day on), April in May: March's
    tier holds from April's evaluation day until May's.
    """
    return evaluation_due(period, evaluation_day, 2)


def _standing(snapshot: HouseholdSnapshot | None, township) -> Standing:
    """The validity follows the township's calendar, not the day a round happened to be
    finalised: a late month doesn't stretch its tier, it shows as overdue."""
    if snapshot is None:
        return Standing()
    return Standing(
        period=snapshot.period,
        score=snapshot.score,
        tier=snapshot.tier,
        valid_from=evaluation_due(snapshot.period, township.evaluation_day, 1),
        valid_until=next_evaluation_due(snapshot.period, township.evaluation_day),
    )


def standing(household: Household, township) -> Standing:
    """A household's official tier from its latest finalised month."""
    snapshot = HouseholdSnapshot.objects.filter(household=household).order_by("-period").first()
    return _standing(snapshot, township)


# --- the scan page ---------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    """A recent ledger entry, and until when it can still be contested (approved deductions)."""

    entry: ScoreEvent
    objection_until: dt.date | None = None


@dataclass(frozen=True)
class ScanPage:
    household: Household
    audience: str
    masked_name: str
    village_name: str
    standing: Standing
    full_name: str = ""
    card: ScoreCard | None = None
    entries: list[EntryLine] = field(default_factory=list)
    objection_days: int = 0

    @property
    def detailed(self) -> bool:
        return self.audience in (STAFF, HOUSEHOLD)


def audience(viewer: Viewer, household: Household) -> str:
    """Staff of the household's village see everything; the household sees its own file;
    everyone else (the public, other villages' staff, alliance clerks) sees the tier only."""
    if viewer.has(STAFF_ROLES, household.village.code):
        return STAFF
    if household.code in viewer.household_codes:
        return HOUSEHOLD
    return PUBLIC


def scan_page(household: Household, viewer: Viewer, township) -> ScanPage:
    """What the page behind a household's QR code shows to ``viewer``."""
    official = standing(household, township)
    who = audience(viewer, household)
    page = ScanPage(
        household=household,
        audience=who,
        masked_name=mask_name(household.head_name),
        village_name=household.village.name,
        standing=official,
    )
    if who == PUBLIC:
        return page
    policy = ScoringPolicy.of(township)
    # The explanation of the official tier: the ledger as of the finalised month's end.
    as_of = month_end(official.period) if official.evaluated else None
    return replace(
        page,
        full_name=household.head_name,
        card=score_card(household, as_of, policy),
        entries=recent_entries(household, policy),
        objection_days=policy.objection_days,
    )


def recent_entries(household: Household, policy: ScoringPolicy) -> list[EntryLine]:
    """The newest entries, with the last day to object where a deduction can still be."""
    today = timezone.localdate()
    lines = []
    for entry in ledger(household)[:RECENT_ENTRIES]:
        until = None
        contestable = entry.points < 0 and entry.kind == ScoreEvent.Kind.NORMAL
        if contestable and entry.status == EntryStatus.APPROVED:
            deadline = objection_deadline(entry, policy)
            until = deadline if deadline >= today else None
        lines.append(EntryLine(entry, until))
    return lines


# --- door plates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plate:
    """What one door plate prints."""

    household_code: str
    masked_name: str
    village_name: str
    standing: Standing


def household_by_code(code: str) -> Household | None:
    return Household.objects.select_related("village").filter(code=code).first()


def village_by_code(code: str) -> Village | None:
    return Village.objects.filter(code=code).first()


def plate(household: Household, township) -> Plate:
    return Plate(
        household.code,
        mask_name(household.head_name),
        household.village.name,
        standing(household, township),
    )


def village_plates(village: Village, township) -> Iterator[Plate]:
    """Every household's plate in the village, ordered by code, in two queries in all."""
    households = list(
        Household.objects.filter(village=village)
        .order_by("code")
        .values_list("pk", "code", "head_name")
    )
    latest = {
        s.household_id: s
        for s in HouseholdSnapshot.objects.filter(household__village=village)
        .order_by("household_id", "-period")
        .distinct("household_id")
    }
    for pk, code, head_name in households:
        yield Plate(code, mask_name(head_name), village.name, _standing(latest.get(pk), township))
