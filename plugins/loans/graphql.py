"""GraphQL fields of integrity loans: products, applications, credit lines and totals.

A bank clerk (alliance member) sees only their own bank's products, applications,
lines and totals; staff see the applications and lines of their villages'
households, a household its own. The services check who may apply, decide and
pay out; lookups go through the same visibility, so another bank's rows are not found.
"""

from __future__ import annotations

import graphene
from django.db.models import Q, QuerySet
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from plugins.loans.models import CreditLine, LoanApplication, LoanProduct
from plugins.loans.selectors import products, totals_per_bank, township_totals
from plugins.loans.services import APPLY_ROLES, TOTALS_ROLES, apply, decide, draw
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    CountedConnection,
    PageField,
    PlatformMutation,
    TownshipNode,
    household_by_code,
    prefixed,
    require_somewhere,
    row_by_id,
    viewer,
    visible_households,
)
from township_integrity.services import Viewer
from township_integrity.workbench import mask_name


def _clerk_only(who: Viewer) -> bool:
    return bool(who.institution_codes) and not who.is_staff


def visible_applications(who: Viewer, prefix: str = "") -> Q:
    """Applications of visible households, or of the clerk's own bank."""
    seen = prefixed(visible_households(who), f"{prefix}household")
    if not seen.children:  # every household: nothing to add
        return seen
    banks = Q(**{f"{prefix}product__bank__code__in": sorted(who.institution_codes)})
    return seen | banks


class LoanProductType(DjangoObjectType):
    class Meta:
        model = LoanProduct
        name = "LoanProduct"
        fields = (
            "name",
            "limit_green",
            "limit_blue",
            "limit_red",
            "annual_rate",
            "collateral_free",
            "active",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection

    bank_code = graphene.String(required=True)
    bank_name = graphene.String(required=True)

    def resolve_bank_code(root, info) -> str:
        return root.bank.code

    def resolve_bank_name(root, info) -> str:
        return root.bank.name

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        who = viewer(info)
        queryset = queryset.select_related("bank")
        if _clerk_only(who):
            return queryset.filter(bank__code__in=sorted(who.institution_codes))
        return queryset


class LoanApplicationType(DjangoObjectType):
    class Meta:
        model = LoanApplication
        name = "LoanApplication"
        fields = (
            "product",
            "amount_requested",
            "tier_at_application",
            "status",
            "applied_by_label",
            "applied_at",
            "decided_by_label",
            "decision_reason",
            "decided_at",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    household_code = graphene.String(required=True)
    masked_name = graphene.String(required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_masked_name(root, info) -> str:
        return mask_name(root.household.head_name)

    @bypass_get_queryset
    def resolve_product(root, info):
        return root.product  # a clerk sees only their bank's applications, hence products

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = visible_applications(viewer(info))
        return queryset.filter(seen).select_related("household", "product__bank")


class CreditLineType(DjangoObjectType):
    """An approved application's credit: limit, drawn, undrawn and any freeze."""

    class Meta:
        model = CreditLine
        name = "CreditLine"
        fields = (
            "application",
            "limit",
            "drawn",
            "frozen",
            "frozen_at",
            "frozen_reason",
            "frozen_note",
            "granted_at",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    undrawn = graphene.Decimal(required=True)
    household_code = graphene.String(required=True)
    bank_code = graphene.String(required=True)

    def resolve_household_code(root, info) -> str:
        return root.application.household.code

    def resolve_bank_code(root, info) -> str:
        return root.application.product.bank.code

    @bypass_get_queryset
    def resolve_application(root, info):
        return root.application  # seen exactly when its line is

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = visible_applications(viewer(info), prefix="application__")
        return queryset.filter(seen).select_related(
            "application__household", "application__product__bank"
        )


class LoanTotalsType(graphene.ObjectType):
    class Meta:
        name = "LoanTotals"

    lines = graphene.Int(required=True)
    granted = graphene.Decimal(required=True, description="Sum of the lines' limits (yuan)")
    drawn = graphene.Decimal(required=True)
    undrawn = graphene.Decimal(required=True)
    frozen_undrawn = graphene.Decimal(required=True)


class LoanBankTotalsType(graphene.ObjectType):
    class Meta:
        name = "LoanBankTotals"

    bank_code = graphene.String(required=True)
    bank_name = graphene.String(required=True)
    totals = graphene.Field(LoanTotalsType, required=True)


class LoanTotalsReportType(graphene.ObjectType):
    class Meta:
        name = "LoanTotalsReport"

    township = graphene.Field(LoanTotalsType, description="Null for a bank clerk")
    banks = graphene.List(graphene.NonNull(LoanBankTotalsType), required=True)


# --- reads ---------------------------------------------------------------------------


def resolve_products(root, info, bank_code=None):
    found = LoanProductType.get_queryset(products(), info).order_by("bank__code", "name")
    return found.filter(bank__code=bank_code) if bank_code else found


def resolve_applications(root, info, status=None, bank_code=None, **_):
    queryset = LoanApplication.objects.order_by("-applied_at", "-pk")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.filter(product__bank__code=bank_code) if bank_code else queryset


def resolve_lines(root, info, household_code=None, bank_code=None, **_):
    queryset = CreditLine.objects.order_by("-granted_at", "-pk")
    if household_code:
        queryset = queryset.filter(application__household__code=household_code)
    if bank_code:
        queryset = queryset.filter(application__product__bank__code=bank_code)
    return queryset


def resolve_totals(root, info):
    who = require_somewhere(info, TOTALS_ROLES)
    clerk = _clerk_only(who)
    banks = [
        LoanBankTotalsType(bank_code=row.bank.code, bank_name=row.bank.name, totals=row.totals)
        for row in totals_per_bank()
        if not clerk or row.bank.code in who.institution_codes
    ]
    return LoanTotalsReportType(township=None if clerk else township_totals(), banks=banks)


# --- writes --------------------------------------------------------------------------


class ApplyForLoan(PlatformMutation):
    """Apply for a product within its limit for the household's tier (staff or the bank)."""

    class Arguments:
        household_code = graphene.String(required=True)
        product_id = graphene.ID(required=True)
        amount = graphene.Decimal(required=True, description="Yuan")

    application = graphene.Field(LoanApplicationType)

    @classmethod
    def perform(cls, info, household_code, product_id, amount):
        who = require_somewhere(info, APPLY_ROLES)
        product = row_by_id(info, LoanProductType, product_id, "productId")
        # A clerk files for a household at the counter: no list of households needed.
        household = household_by_code(info, household_code, everyone=True)
        return {"application": apply(household, product, amount, by=who.actor)}


class DecideLoanApplication(PlatformMutation):
    """The bank approves (opening a credit line) or rejects, on a logged eligibility check."""

    atomic = False  # the eligibility check stays logged even when the decision is refused

    class Arguments:
        application_id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String(default_value="")
        limit = graphene.Decimal(description="Default: the amount requested")

    application = graphene.Field(LoanApplicationType)
    credit_line = graphene.Field(CreditLineType)

    @classmethod
    def perform(cls, info, application_id, approve, reason="", limit=None):
        application = row_by_id(info, LoanApplicationType, application_id, "applicationId")
        decided = decide(
            application, approve=approve, by=viewer(info).actor, reason=reason, limit=limit
        )
        line = CreditLine.objects.filter(application=decided).first()
        return {"application": decided, "credit_line": line}


class DrawCredit(PlatformMutation):
    """Pay out money on a credit line (refused while frozen or above the undrawn credit)."""

    atomic = False  # a freeze the tier hook missed is committed before the refusal

    class Arguments:
        line_id = graphene.ID(required=True)
        amount = graphene.Decimal(required=True, description="Yuan")

    credit_line = graphene.Field(CreditLineType)

    @classmethod
    def perform(cls, info, line_id, amount):
        line = row_by_id(info, CreditLineType, line_id, "lineId")
        draw(line, amount, by=viewer(info).actor)
        return {
            "credit_line": CreditLineType.get_queryset(CreditLine.objects, info).get(pk=line.pk)
        }


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "loan_products": graphene.List(
                graphene.NonNull(LoanProductType),
                required=True,
                bank_code=graphene.String(),
                resolver=resolve_products,
                description="Active products of active banks (a clerk: their bank's)",
            ),
            "loan_applications": PageField(
                LoanApplicationType,
                resolver=resolve_applications,
                status=graphene.String(description="applied, approved or rejected"),
                bank_code=graphene.String(),
                description="Applications the viewer may see, newest first",
            ),
            "credit_lines": PageField(
                CreditLineType,
                resolver=resolve_lines,
                household_code=graphene.String(),
                bank_code=graphene.String(),
                description="Credit lines with drawn and undrawn credit",
            ),
            "loan_totals": graphene.Field(
                LoanTotalsReportType,
                required=True,
                resolver=resolve_totals,
                description="Credit granted, drawn, undrawn and frozen, per bank and in total",
            ),
        },
        mutation_fields={
            "apply_for_loan": ApplyForLoan.Field(),
            "decide_loan_application": DecideLoanApplication.Field(),
            "draw_credit": DrawCredit.Field(),
        },
    )
