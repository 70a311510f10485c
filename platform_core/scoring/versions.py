"""Which covenant version, term and caps an entry is scored under (docs/scoring.md).

An entry is scored under its household's village variant in force on the day it
occurred, else the township version in force that day. Its points are the
variant's term for the rule, else the township version's term, else the rule's
own points (a rule no version names yet, such as a plugin's rule installed since).
The caps in force are the variant's, plus the township version's for every
(rule or category, period) the variant does not cap.

Reads only; the services record what these answer, the arithmetic of caps is
``platform_core.scoring.caps``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from platform_core.households.models import Household, Village
from platform_core.scoring.caps import MONTH, CapOutcome, CapSpec, cap_effect
from platform_core.scoring.models import (
    CORE_PLUGIN,
    Cap,
    CovenantTerm,
    CovenantVersion,
    EntryStatus,
    Rule,
    ScoreEvent,
)


@dataclass(frozen=True)
class Term:
    """A rule as the covenant in force words it for one household and day.

    ``refusal``: why no entry may be recorded under it then (empty: it may).
    """

    version_id: int | None
    points: int
    refusal: str = ""
    active: bool = True


@dataclass
class CovenantBook:
    """Every version with its terms and caps, read once (a township has few)."""

    versions: list[CovenantVersion] = field(default_factory=list)
    terms: dict[tuple[int, int], CovenantTerm] = field(default_factory=dict)
    caps: dict[int, list[CapSpec]] = field(default_factory=dict)
    # The earliest township version naming each core rule (a rule a version adds
    # is not in force before it).
    first_named: dict[int, dt.date] = field(default_factory=dict)
    cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls) -> CovenantBook:
        book = cls(versions=list(CovenantVersion.objects.order_by("effective_from", "id")))
        starts = {v.pk: v for v in book.versions}
        for term in CovenantTerm.objects.all():
            book.terms[(term.version_id, term.rule_id)] = term
            version = starts[term.version_id]
            if version.village_id is None:
                first = book.first_named.get(term.rule_id)
                if first is None or version.effective_from < first:
                    book.first_named[term.rule_id] = version.effective_from
        for cap in Cap.objects.select_related("rule").order_by("id"):
            book.caps.setdefault(cap.version_id, []).append(spec_of(cap))
        return book

    def in_force(self, village_id: int | None, day: dt.date) -> CovenantVersion | None:
        """The version of that scope (None: the township's) in force on ``day``."""
        found = None
        for version in self.versions:
            if version.village_id == village_id and version.effective_from <= day:
                found = version
        return found

    def version_for(self, village_id: int, day: dt.date) -> CovenantVersion | None:
        """The version an entry of that village and day is scored under."""
        return self.in_force(village_id, day) or self.in_force(None, day)

    def term(self, rule: Rule, village_id: int, day: dt.date) -> Term:
        township = self.in_force(None, day)
        variant = self.in_force(village_id, day)
        version = variant or township
        version_id = version.pk if version else None
        found = None
        for scope in (variant, township):
            if scope is not None and (scope.pk, rule.pk) in self.terms:
                found = self.terms[(scope.pk, rule.pk)]
                break
        if rule.village_id is not None and rule.village_id != village_id:
            return Term(version_id, rule.points, _not_this_village(rule))
        if found is not None:
            if not found.active:
                return Term(version_id, found.points, _not_in_force(rule, day, version), False)
            return Term(version_id, found.points)
        first = self.first_named.get(rule.pk)
        if rule.village_id is not None or (
            rule.plugin == CORE_PLUGIN and first is not None and first > day
        ):
            return Term(version_id, rule.points, _not_in_force(rule, day, version))
        return Term(version_id, rule.points)

    def caps_of(self, version_id: int | None, day: dt.date) -> list[CapSpec]:
        """The caps in force under ``version_id`` for an entry of ``day``."""
        key = (version_id, day)
        if key not in self.cache:
            self.cache[key] = self._caps_of(version_id, day)
        return self.cache[key]

    def _caps_of(self, version_id: int | None, day: dt.date) -> list[CapSpec]:
        version = next((v for v in self.versions if v.pk == version_id), None)
        if version is None:
            return []
        own = list(self.caps.get(version.pk, []))
        if version.village_id is None:
            return own
        township = self.in_force(None, day)
        covered = {cap.key for cap in own}
        if township is not None:
            own += [cap for cap in self.caps.get(township.pk, []) if cap.key not in covered]
        return own

    def caps_for(self, village_id: int, day: dt.date) -> list[CapSpec]:
        version = self.version_for(village_id, day)
        return self.caps_of(version.pk if version else None, day)


def spec_of(cap: Cap) -> CapSpec:
    return CapSpec(
        period=cap.period,
        limit=cap.limit,
        rule_code=cap.rule.code if cap.rule_id else "",
        category=cap.category,
    )


def _not_this_village(rule: Rule) -> str:
    return _(
        "rule %(rule)s belongs to the covenant of village %(village)s only; "
        "it cannot be recorded for a household of another village"
    ) % {"rule": rule.code, "village": rule.village.code}


def _not_in_force(rule: Rule, day: dt.date, version: CovenantVersion | None) -> str:
    return _(
        "rule %(rule)s is not in force on %(date)s under the covenant then in force (%(version)s)"
    ) % {"rule": rule.code, "date": day, "version": version or _("none")}


def covenant_for(subject: Household | Village, occurred_on: dt.date) -> CovenantVersion | None:
    """The covenant version an entry of ``subject`` (a household or village) on
    ``occurred_on`` is scored under: the village's variant in force, else the township's."""
    village_id = subject.village_id if isinstance(subject, Household) else subject.pk
    return CovenantBook.load().version_for(village_id, occurred_on)


def term_for(rule: Rule, household: Household, occurred_on: dt.date) -> Term:
    """The rule's points and version for an entry of ``household`` on ``occurred_on``."""
    return CovenantBook.load().term(rule, household.village_id, occurred_on)


def caps_in_force(subject: Household | Village, occurred_on: dt.date) -> list[CapSpec]:
    """The caps that apply to entries of ``subject`` on ``occurred_on``."""
    village_id = subject.village_id if isinstance(subject, Household) else subject.pk
    return CovenantBook.load().caps_for(village_id, occurred_on)


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if period == MONTH:
        start = day.replace(day=1)
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return start, following - dt.timedelta(days=1)
    return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)


def entry_outcome(entry: ScoreEvent, book: CovenantBook | None = None) -> CapOutcome:
    """The effect ``entry`` has if approved now, after the caps of its version.

    Reads what the household's approved entries already used; call it inside the
    transaction that approves ``entry``, with the household row locked (``lock_household``),
    so two approvals cannot both use the last room under a cap.
    """
    book = book or CovenantBook.load()
    rule = entry.rule
    caps = [
        cap
        for cap in book.caps_of(entry.covenant_version_id, entry.occurred_on)
        if cap.matches(rule.code, rule.category, entry.points)
    ]
    if not caps or entry.kind != ScoreEvent.Kind.NORMAL:
        return CapOutcome(entry.points, entry.points)
    counted = ScoreEvent.objects.filter(
        household_id=entry.household_id,
        status=EntryStatus.APPROVED,
        kind=ScoreEvent.Kind.NORMAL,
        **({"points__gt": 0} if entry.points > 0 else {"points__lt": 0}),
    )
    if entry.pk:
        counted = counted.exclude(pk=entry.pk)
    sums = {}
    for n, cap in enumerate(caps):
        start, end = period_bounds(cap.period, entry.occurred_on)
        what = Q(rule__code=cap.rule_code) if cap.rule_code else Q(rule__category=cap.category)
        sums[f"c{n}"] = Coalesce(
            Sum(Coalesce("effect", "points"), filter=what & Q(occurred_on__range=(start, end))), 0
        )
    totals = counted.aggregate(**sums)
    sign = 1 if entry.points > 0 else -1
    return cap_effect(entry.points, [(cap, sign * totals[f"c{n}"]) for n, cap in enumerate(caps)])


def lock_household(household_id: int) -> None:
    """Serialise approvals of one household (the cap's running totals are read then)."""
    # ``subjects``: a merchant's or firm's approvals are serialised too.
    Household.subjects.select_for_update().filter(pk=household_id).values_list("pk").first()
