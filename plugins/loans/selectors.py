"""Reads of integrity loans: settings, limits, drawn/undrawn credit and totals granted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from plugins.loans.conf import DEFAULTS, KEY
from plugins.loans.models import CreditLine, LoanApplication, LoanProduct
from township_integrity import enabled_settings
from township_integrity.models import AllianceMember, Household
from township_integrity.services import in_township, plugin_enabled

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=16, decimal_places=2)


def township_settings() -> dict:
    """The township's settings with defaults filled in; PluginError when not enabled."""
    return enabled_settings(KEY, DEFAULTS, refusal=_("integrity loans are not enabled"))


def products(bank: AllianceMember | None = None) -> QuerySet[LoanProduct]:
    """Active products of active banks (of one bank if given)."""
    found = LoanProduct.objects.filter(active=True, bank__active=True).select_related("bank")
    return found.filter(bank=bank) if bank else found


def best_limit(tier: str) -> Decimal:
    """The highest credit limit any active product gives ``tier`` (0 when none)."""
    field = {"green": "limit_green", "blue": "limit_blue", "red": "limit_red"}.get(tier)
    if field is None:
        return ZERO
    return products().aggregate(best=Max(field))["best"] or ZERO


def lines_of(household: Household) -> QuerySet[CreditLine]:
    """The household's credit lines, each with ``undrawn_amount`` (limit - drawn), newest first."""
    return (
        CreditLine.objects.filter(application__household=household)
        .select_related("application__product__bank")
        .annotate(undrawn_amount=F("limit") - F("drawn"))
    )


def _sum(expression, **where) -> Coalesce:
    where = Q(**where) if where else None
    return Coalesce(Sum(expression, filter=where), Value(ZERO), output_field=_MONEY)


# Named apart from the fields they sum (an annotation may not shadow a field).
_LINE_TOTALS = {
    "n_lines": Count("pk"),
    "n_granted": _sum("limit"),
    "n_drawn": _sum("drawn"),
    "n_frozen_undrawn": _sum(F("limit") - F("drawn"), frozen=True),
}


@dataclass(frozen=True)
class Totals:
    """Credit granted (sum of line limits), drawn, undrawn and frozen undrawn, in yuan."""

    lines: int
    granted: Decimal
    drawn: Decimal
    frozen_undrawn: Decimal

    @property
    def undrawn(self) -> Decimal:
        return self.granted - self.drawn


def _totals(row: dict) -> Totals:
    return Totals(row["n_lines"], row["n_granted"], row["n_drawn"], row["n_frozen_undrawn"])


@dataclass(frozen=True)
class BankTotals:
    bank: AllianceMember
    totals: Totals


def totals_per_bank() -> list[BankTotals]:
    """Every bank with a product, and the credit its approved lines grant, by bank code."""
    township_settings()
    return bank_totals()


def bank_totals(village_codes: Iterable[str] | None = None) -> list[BankTotals]:
    """``totals_per_bank`` without the enabled check (the dashboard hook runs only where
    the plugin is enabled), over the households of ``village_codes`` when given."""
    lines = CreditLine.objects.all()
    if village_codes is not None:
        lines = lines.filter(application__household__village__code__in=village_codes)
    rows = {
        row["application__product__bank"]: _totals(row)
        for row in lines.values("application__product__bank").annotate(**_LINE_TOTALS).order_by()
    }
    banks = AllianceMember.objects.filter(pk__in=LoanProduct.objects.values("bank")).order_by(
        "code"
    )
    return [BankTotals(bank, rows.get(bank.pk, Totals(0, ZERO, ZERO, ZERO))) for bank in banks]


def township_totals() -> Totals:
    """The credit granted in the township whose schema is active."""
    township_settings()
    return _totals(CreditLine.objects.aggregate(**_LINE_TOTALS))


def totals_per_township(townships: Iterable) -> list[tuple[object, Totals]]:
    """(township, totals) for each of ``townships`` that enabled the plugin, for the county."""
    found = []
    for township in townships:
        if not plugin_enabled(KEY, township):
            continue
        with in_township(township):
            found.append((township, township_totals()))
    return found


def bank_applications(bank_codes: Iterable[str] | None) -> QuerySet[LoanApplication]:
    """Applications for the products of ``bank_codes`` (None: every bank), newest first."""
    found = LoanApplication.objects.select_related("household__village", "product__bank")
    if bank_codes is not None:
        found = found.filter(product__bank__code__in=sorted(bank_codes))
    return found.order_by("-applied_at", "-pk")


def decision_queue(
    bank_codes: Iterable[str] | None, *, decider_id: int | None = None
) -> QuerySet[LoanApplication]:
    """Applications awaiting the decision of ``bank_codes``' clerks, oldest first; without
    those ``decider_id`` filed (whoever files an application does not decide it)."""
    queue = bank_applications(bank_codes).filter(status=LoanApplication.Status.APPLIED)
    if decider_id is not None:
        queue = queue.exclude(applied_by_id=decider_id)
    return queue.order_by("applied_at", "pk")
