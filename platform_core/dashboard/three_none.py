"""The "three-none" villages (三无村): no petition, no lawsuit, no criminal case in a period.

The core holds no case of its own: every enabled plugin that keeps cases answers the
``township_village_case_counts`` hook with its counts per village, and this reading
sums them. A plugin that fails or answers anything but a list of well-formed
``VillageCaseCounts`` is logged and its answer left out, as for the other hooks.

"No data" is not "three-none": when no enabled plugin gave a well-formed answer for
a period (none implements the hook, or every one failed), each village's status is
``None`` and the dashboards say so, rather than claim a clean record nobody reported.
A plugin answering an empty list does report: none of its cases in the period.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from platform_core.households.models import Village
from platform_core.plugins.manager import hooks_for
from platform_core.plugins.types import VillageCaseCounts
from platform_core.publication.selectors import add_months
from platform_core.scoring.policy import month_end

logger = logging.getLogger(__name__)

HOOK = "township_village_case_counts"
COUNTS = ("petitions", "lawsuits", "criminal_cases", "settled_in_village")


@dataclass(frozen=True)
class VillageCases:
    """One village's cases in a period, summed over the plugins that reported."""

    code: str
    name: str
    petitions: int = 0
    lawsuits: int = 0
    criminal_cases: int = 0
    settled_in_village: int = 0
    reported: bool = True  # False: no plugin reported for the period ("no data")

    @property
    def three_none(self) -> bool | None:
        """True: no petition, lawsuit or criminal case; None: no data."""
        if not self.reported:
            return None
        return not (self.petitions or self.lawsuits or self.criminal_cases)


@dataclass(frozen=True)
class PeriodStatus:
    """Every village in view in one period (a month or a year to date)."""

    start: dt.date
    end: dt.date
    label: str  # "2026-03" for a month, "2026" for a year
    villages: list[VillageCases]
    reported: bool  # some plugin reported: otherwise "no data"

    @property
    def three_none(self) -> int | None:
        """How many villages were three-none (None: no data)."""
        if not self.reported:
            return None
        return sum(1 for v in self.villages if v.three_none)


def _well_formed(item) -> bool:
    return (
        isinstance(item, VillageCaseCounts)
        and isinstance(item.village_code, str)
        and bool(item.village_code.strip())
        and all(type(getattr(item, name)) is int and getattr(item, name) >= 0 for name in COUNTS)
    )


def plugin_counts(township, start: dt.date, end: dt.date) -> dict[str, dict[str, int]] | None:
    """{village code: {count: sum}} over the township's enabled plugins for ``start``..``end``
    (inclusive days); None when no plugin gave a well-formed answer. Inside its schema."""
    hooks = hooks_for(township)
    reported = False
    sums: dict[str, dict[str, int]] = {}
    for key in hooks.implementers(HOOK):
        try:
            answer = hooks.call_plugin(HOOK, key, period_start=start, period_end=end)
        except Exception:
            logger.exception("plugin %s failed in %s", key, HOOK)
            continue
        if answer is None:
            continue
        if not isinstance(answer, list | tuple) or not all(_well_formed(i) for i in answer):
            logger.warning("plugin %s: %s answer left out: %r", key, HOOK, answer)
            continue
        reported = True
        for item in answer:
            found = sums.setdefault(item.village_code.strip(), dict.fromkeys(COUNTS, 0))
            for name in COUNTS:
                found[name] += getattr(item, name)
    return sums if reported else None


def period_status(
    township,
    start: dt.date,
    end: dt.date,
    label: str,
    villages: list[Village] | None = None,
) -> PeriodStatus:
    """The villages in view (default: every village) in ``start``..``end``."""
    if villages is None:
        villages = list(Village.objects.order_by("code").only("code", "name"))
    sums = plugin_counts(township, start, end)
    reported = sums is not None
    sums = sums or {}
    return PeriodStatus(
        start,
        end,
        label,
        [VillageCases(v.code, v.name, **sums.get(v.code, {}), reported=reported) for v in villages],
        reported,
    )


def month_status(township, month: dt.date, villages: list[Village] | None = None) -> PeriodStatus:
    """The villages' status in the calendar month of ``month``."""
    first = month.replace(day=1)
    return period_status(township, first, month_end(first), f"{first:%Y-%m}", villages)


def by_month(
    township, today: dt.date, months: int = 12, villages: list[Village] | None = None
) -> list[PeriodStatus]:
    """The last ``months`` calendar months up to ``today``'s (the current one so far),
    oldest first: one hook call per plugin and month."""
    this_month = today.replace(day=1)
    firsts = [add_months(this_month, n - months + 1) for n in range(months)]
    return [
        period_status(township, first, min(month_end(first), today), f"{first:%Y-%m}", villages)
        for first in firsts
    ]


def by_year(
    township, today: dt.date, years: int = 3, villages: list[Village] | None = None
) -> list[PeriodStatus]:
    """The last ``years`` calendar years, oldest first; the current one up to ``today``."""
    return [
        period_status(
            township,
            dt.date(year, 1, 1),
            min(dt.date(year, 12, 31), today),
            str(year),
            villages,
        )
        for year in range(today.year - years + 1, today.year + 1)
    ]
