"""Cap arithmetic: how much of an entry counts under the caps in force (docs/scoring.md, "Caps").

A cap allows at most ``limit`` points per household per calendar month or year
from a rule or from a category: a positive limit caps gains, a negative one caps
losses. When an entry becomes approved its effect is

    sign * min(|points|, min over the matching caps of max(0, |limit| - used))

where a cap matches when it names the entry's rule or the rule's category and its
limit has the entry's sign, and ``used`` is ``sign * sum(effect)`` of the
household's approved normal entries of that sign under the cap's rule or category
that occurred in the same month or year, approved before it (order: reviewed_at,
id). An entry over the cap is kept with zero effect, never dropped.

This module is the one statement of that arithmetic: the services (one entry at a
time, under a lock on the household), the ledger import (in bulk) and the covenant
what-if all call it or are tested against it. It knows nothing of the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

MONTH, YEAR = "month", "year"


@dataclass(frozen=True)
class CapSpec:
    """One cap: ``rule_code`` or ``category`` (exactly one), ``period`` month|year, ``limit``."""

    period: str
    limit: int
    rule_code: str = ""
    category: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """What the cap counts (rule or category) and over which period; a village variant's
        cap replaces the township's cap of the same key."""
        if self.rule_code:
            return ("rule", self.rule_code, self.period)
        return ("category", self.category, self.period)

    @property
    def sign(self) -> int:
        return 1 if self.limit > 0 else -1

    def matches(self, rule_code: str, category: str, points: int) -> bool:
        """Whether the cap applies to an entry of that rule, category and points."""
        if (points > 0) != (self.limit > 0):
            return False
        return rule_code == self.rule_code if self.rule_code else category == self.category

    def describe(self) -> str:
        """E.g. "+10 per month on category volunteering" (for a clerk)."""
        if self.rule_code:
            what = _("rule %(rule)s") % {"rule": self.rule_code}
        else:
            what = _("category %(category)s") % {"category": self.category}
        figures = {"limit": f"{self.limit:+d}", "what": what}
        if self.period == MONTH:
            return _("%(limit)s per month on %(what)s") % figures
        return _("%(limit)s per year on %(what)s") % figures


def period_of(period: str, day: dt.date) -> tuple[int, int]:
    """The calendar month or year ``day`` falls in, as a key (year, month or 0)."""
    return (day.year, day.month if period == MONTH else 0)


@dataclass(frozen=True)
class CapOutcome:
    """An entry's effect after caps; ``cap`` and ``used``: the cap that cut it, if one did."""

    points: int
    effect: int
    cap: CapSpec | None = None
    used: int = 0

    @property
    def cut(self) -> bool:
        return self.cap is not None

    def note(self) -> str:
        """Why the entry counts less than its points (empty when it counts in full)."""
        if self.cap is None:
            return ""
        return _(
            "cap %(cap)s reached: %(used)s of %(limit)s used; counts %(effect)s of %(points)s"
        ) % {
            "cap": self.cap.describe(),
            "used": f"{self.cap.sign * self.used:+d}",
            "limit": f"{self.cap.limit:+d}",
            "effect": f"{self.effect:+d}",
            "points": f"{self.points:+d}",
        }


def cap_effect(points: int, caps_used: Iterable[tuple[CapSpec, int]]) -> CapOutcome:
    """The effect of an entry of ``points`` given the matching caps and what each has used.

    ``caps_used``: (cap, used) for every cap in force that matches the entry (same
    sign); ``used`` is ``sign * sum(effect)`` of the earlier entries it counts (>= 0).
    The cap leaving the least room is named; ties go to the first given.
    """
    sign = 1 if points > 0 else -1
    effect = abs(points)
    binding: tuple[CapSpec, int] | None = None
    for cap, used in caps_used:
        room = max(0, abs(cap.limit) - used)
        if room < effect:
            effect, binding = room, (cap, used)
    if binding is None:
        return CapOutcome(points, points)
    return CapOutcome(points, sign * effect, binding[0], binding[1])


@dataclass(frozen=True)
class Entry:
    """An entry as the arithmetic needs it (in canonical order: reviewed_at, id)."""

    household: int | str
    rule_code: str
    category: str
    occurred_on: dt.date
    points: int
    version: int | None = None  # the covenant version it is scored under (for caps_for)


UsedKey = tuple[object, tuple[str, str, str], int, tuple[int, int]]


def used_key(household, cap: CapSpec, day: dt.date) -> UsedKey:
    """The running total a cap reads for a household: cap key, sign and calendar period."""
    return (household, cap.key, cap.sign, period_of(cap.period, day))


def add_used(
    used: dict[UsedKey, int],
    household,
    rule_code: str,
    category: str,
    day: dt.date,
    sign: int,
    effect: int,
) -> None:
    """Add an approved entry's ``effect`` to the four running totals it belongs to: its
    rule and its category, by month and by year (capped in force or not: a cap adopted
    mid-year counts what the household already had that year)."""
    for kind, name in (("rule", rule_code), ("category", category)):
        for period in (MONTH, YEAR):
            key = (household, (kind, name, period), sign, period_of(period, day))
            used[key] = used.get(key, 0) + sign * effect


def replay(
    entries: Iterable[Entry],
    caps_for: Callable[[Entry], Sequence[CapSpec]],
    used: dict[UsedKey, int] | None = None,
) -> list[CapOutcome]:
    """Effects of approved normal ``entries`` taken in order, each after the ones before.

    ``caps_for(entry)``: the caps in force for it (its household's covenant on its
    day); ``used``: running totals from entries approved before these (updated in
    place). The bulk import and the what-if use this; ``cap_effect`` is the step.
    """
    used = {} if used is None else used
    outcomes = []
    for entry in entries:
        matching = [
            cap
            for cap in caps_for(entry)
            if cap.matches(entry.rule_code, entry.category, entry.points)
        ]
        keys = [used_key(entry.household, cap, entry.occurred_on) for cap in matching]
        totals = [used.get(key, 0) for key in keys]
        outcome = cap_effect(entry.points, zip(matching, totals, strict=True))
        sign = 1 if entry.points > 0 else -1
        add_used(
            used, entry.household, entry.rule_code, entry.category, entry.occurred_on, sign,
            outcome.effect,
        )  # fmt: skip
        outcomes.append(outcome)
    return outcomes
