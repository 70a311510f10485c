"""Reads: the township's settings, inspections, and yield and profit per mu.

Units: area in mu (亩), yield in jin (斤), money in yuan; per-mu figures are
rounded to 0.01. A cooperative's figures are its members' totals divided by their
total pond area (so larger ponds weigh more), over members with a harvest that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from plugins.river_crab.conf import DEFAULTS, KEY
from plugins.river_crab.models import ComplianceInspection, Cooperative, Harvest, Member
from township_integrity import enabled_settings

CENT = Decimal("0.01")


def township_settings() -> dict:
    """The township's settings with defaults filled in; PluginError when not enabled."""
    return enabled_settings(KEY, DEFAULTS, refusal=_("the river-crab cooperative is not enabled"))


def inspections_of(member: Member) -> QuerySet[ComplianceInspection]:
    """A member's inspections, newest day first."""
    township_settings()
    return member.inspections.order_by("-inspected_on", "aspect")


@dataclass(frozen=True)
class Yield:
    """Totals of one year's harvests over some pond area, with figures per mu."""

    year: int
    pond_mu: Decimal
    yield_jin: Decimal
    revenue: Decimal
    cost: Decimal
    target_per_mu: Decimal  # the township's profit_target_per_mu (yuan)

    @property
    def profit(self) -> Decimal:
        """Net profit in yuan (revenue minus cost)."""
        return self.revenue - self.cost

    @property
    def yield_per_mu(self) -> Decimal:
        """Jin per mu."""
        return _per(self.yield_jin, self.pond_mu)

    @property
    def profit_per_mu(self) -> Decimal:
        """Yuan of net profit per mu (亩均纯利)."""
        return _per(self.profit, self.pond_mu)

    @property
    def reaches_target(self) -> bool:
        """Whether the profit per mu reaches the township's target (default 10,000 yuan)."""
        return self.profit_per_mu >= self.target_per_mu


@dataclass(frozen=True)
class MemberYield(Yield):
    member: Member | None = None


@dataclass(frozen=True)
class CooperativeYield(Yield):
    cooperative: Cooperative | None = None
    members: int = 0  # members with a harvest that year


def member_yields(year: int, cooperative: Cooperative | None = None) -> list[MemberYield]:
    """Every member's harvest of ``year`` (optionally one cooperative's), by household code."""
    target = _target()
    harvests = Harvest.objects.filter(year=year).select_related(
        "member__household", "member__cooperative"
    )
    if cooperative is not None:
        harvests = harvests.filter(member__cooperative=cooperative)
    rows = [
        MemberYield(
            year, h.pond_mu, h.yield_jin, h.revenue, h.cost, target_per_mu=target, member=h.member
        )
        for h in harvests
    ]
    return sorted(rows, key=lambda r: (r.member.cooperative.name, r.member.household.code))


def cooperative_yields(year: int) -> list[CooperativeYield]:
    """Each cooperative's totals and figures per mu for ``year`` (those with harvests), by name."""
    target = _target()
    totals: dict[int, list] = {}
    harvests = Harvest.objects.filter(year=year).select_related("member__cooperative")
    for h in harvests:
        row = totals.setdefault(
            h.member.cooperative_id, [h.member.cooperative, 0, *[Decimal(0)] * 4]
        )
        row[1] += 1
        row[2] += h.pond_mu
        row[3] += h.yield_jin
        row[4] += h.revenue
        row[5] += h.cost
    found = [
        CooperativeYield(
            year, mu, jin, revenue, cost, target_per_mu=target, cooperative=coop, members=n
        )
        for coop, n, mu, jin, revenue, cost in totals.values()
    ]
    return sorted(found, key=lambda r: r.cooperative.name)


def _target() -> Decimal:
    return Decimal(str(township_settings()["profit_target_per_mu"]))


def _per(amount: Decimal, mu: Decimal) -> Decimal:
    return (amount / mu).quantize(CENT, rounding=ROUND_HALF_UP) if mu else Decimal(0)
