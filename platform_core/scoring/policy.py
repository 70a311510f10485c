"""Score arithmetic: windows, tiers and the integrity index (docs/scoring.md).

Pure functions over a township's ``ScoringPolicy``; the SQL in
``platform_core.evaluation.services`` computes the same figures in bulk, and the
tests check that both agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CALENDAR_YEAR = "calendar_year"
ROLLING_12_MONTHS = "rolling_12_months"
LIFETIME = "lifetime"

GREEN, BLUE, RED = "green", "blue", "red"

# Integrity index parameters (docs/scoring.md, "Integrity index").
STANDING_WEIGHT = Decimal("0.7")
RECORD_WEIGHT = Decimal("0.3")
POINTS_PER_STANDING_STEP = Decimal("2.5")  # each point above/below base moves standing by 2.5
DEDUCTIONS_TO_ZERO_RECORD = 4  # four deductions in twelve months bring the record to 0


@dataclass(frozen=True)
class ScoringPolicy:
    base: int = 100
    green_above: int = 100
    red_below: int = 100
    window: str = CALENDAR_YEAR
    objection_days: int = 15
    response_days: int = 5
    posting_days: int = 5
    objection_answer_days: int = 20
    red_publication_months: int = 12

    @classmethod
    def of(cls, township) -> ScoringPolicy:
        """The policy stored on a ``tenants.Township``."""
        return cls(
            base=township.score_base,
            green_above=township.green_above,
            red_below=township.red_below,
            window=township.score_window,
            objection_days=township.objection_days,
            response_days=township.response_days,
            posting_days=township.posting_days,
            objection_answer_days=township.objection_answer_days,
            red_publication_months=township.red_publication_months,
        )

    def tier(self, score: int) -> str:
        if score > self.green_above:
            return GREEN
        if score < self.red_below:
            return RED
        return BLUE

    def window_start(self, as_of: dt.date) -> dt.date | None:
        """First day whose entries count on ``as_of`` (None: no lower bound)."""
        return window_start(self.window, as_of)


def window_start(window: str, as_of: dt.date) -> dt.date | None:
    if window == CALENDAR_YEAR:
        return dt.date(as_of.year, 1, 1)
    if window == ROLLING_12_MONTHS:
        return rolling_start(as_of)
    if window == LIFETIME:
        return None
    raise ValueError(f"unknown score window {window!r}")


def one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def rolling_start(as_of: dt.date) -> dt.date:
    """First day of the 12 months ending on ``as_of`` (the day after the same date a year ago)."""
    return one_year_before(as_of) + dt.timedelta(days=1)


def expires_on(window: str, occurred_on: dt.date) -> dt.date | None:
    """The first day an entry no longer counts (None: it never expires)."""
    if window == CALENDAR_YEAR:
        return dt.date(occurred_on.year + 1, 1, 1)
    if window == ROLLING_12_MONTHS:
        try:
            return occurred_on.replace(year=occurred_on.year + 1)
        except ValueError:
            return dt.date(occurred_on.year + 1, 3, 1)
    return None


def integrity_index(score: int, base: int, deductions: int) -> Decimal:
    """0–100: 70 % standing (score against base) + 30 % record (recent deductions)."""
    standing = min(Decimal(100), max(Decimal(0), 50 + POINTS_PER_STANDING_STEP * (score - base)))
    record = (
        Decimal(100) * max(0, DEDUCTIONS_TO_ZERO_RECORD - deductions) / DEDUCTIONS_TO_ZERO_RECORD
    )
    value = STANDING_WEIGHT * standing + RECORD_WEIGHT * record
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_end(period: dt.date) -> dt.date:
    """Last day of the month that starts on ``period``."""
    following = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def parse_period(text: str) -> dt.date:
    """'2026-10' -> date(2026, 10, 1); a clear ValueError otherwise."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        raise ValueError(f"period {text!r} is not a month written as YYYY-MM") from None
