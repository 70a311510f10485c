"""GraphQL fields of the river-crab cooperative: cooperatives, members, inspections, yields.

Cooperatives are public to anyone with a role here; members, their inspections
and harvest figures follow the households the viewer may see. A cooperative's
totals are for staff only (a one-member cooperative would reveal its member's).
"""

from __future__ import annotations

import graphene
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from plugins.river_crab.models import ComplianceInspection, Cooperative, Member
from plugins.river_crab.selectors import cooperative_yields, member_yields
from plugins.river_crab.services import record_inspection
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    CountedConnection,
    PageField,
    PlatformMutation,
    TownshipNode,
    prefixed,
    require_somewhere,
    row_by_id,
    viewer,
    visible_households,
)
from township_integrity.roles import STAFF_ROLES


class CrabMemberType(DjangoObjectType):
    class Meta:
        model = Member
        name = "CrabMember"
        fields = ("cooperative", "pond_mu", "joined_on")
        interfaces = (TownshipNode,)

    household_code = graphene.String(required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    @bypass_get_queryset
    def resolve_cooperative(root, info):
        return root.cooperative  # cooperatives are public to every role

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = prefixed(visible_households(viewer(info)), "household")
        return queryset.filter(seen).select_related("household__village", "cooperative__village")


class CrabCooperativeType(DjangoObjectType):
    class Meta:
        model = Cooperative
        name = "CrabCooperative"
        fields = ("name",)
        interfaces = (TownshipNode,)

    village_code = graphene.String()
    members = graphene.List(graphene.NonNull(CrabMemberType))

    def resolve_village_code(root, info) -> str | None:
        return root.village.code if root.village_id else None

    def resolve_members(root, info):
        return CrabMemberType.get_queryset(root.members.order_by("household__code"), info)

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        found = queryset.select_related("village")
        return found if viewer(info).is_authenticated else found.none()


class CrabInspectionType(DjangoObjectType):
    class Meta:
        model = ComplianceInspection
        name = "CrabInspection"
        fields = ("member", "inspected_on", "aspect", "passed", "inspector_label", "note", "entry")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    @bypass_get_queryset
    def resolve_member(root, info):
        return root.member  # the inspected member: visible with the inspection

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry  # the same household's entry: visible with the row

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = prefixed(visible_households(viewer(info)), "member__household")
        return queryset.filter(seen).select_related(
            "member__household", "member__cooperative", "entry__household", "entry__rule"
        )


class CrabYieldFields(graphene.ObjectType):
    """A year's harvest totals (mu, jin, yuan) with the figures per mu."""

    class Meta:
        abstract = True

    year = graphene.Int(required=True)
    pond_mu = graphene.Decimal(required=True)
    yield_jin = graphene.Decimal(required=True)
    revenue = graphene.Decimal(required=True)
    cost = graphene.Decimal(required=True)
    profit = graphene.Decimal(required=True)
    yield_per_mu = graphene.Decimal(required=True)
    profit_per_mu = graphene.Decimal(required=True)
    reaches_target = graphene.Boolean(required=True, description="Profit per mu ≥ the target")


class CrabMemberYieldType(CrabYieldFields):
    class Meta:
        name = "CrabMemberYield"

    household_code = graphene.String(required=True)
    cooperative_name = graphene.String(required=True)

    def resolve_household_code(root, info) -> str:
        return root.member.household.code

    def resolve_cooperative_name(root, info) -> str:
        return root.member.cooperative.name


class CrabCooperativeYieldType(CrabYieldFields):
    class Meta:
        name = "CrabCooperativeYield"

    cooperative_name = graphene.String(required=True)
    members = graphene.Int(required=True, description="Members with a harvest that year")

    def resolve_cooperative_name(root, info) -> str:
        return root.cooperative.name


class CrabYieldsType(graphene.ObjectType):
    class Meta:
        name = "CrabYields"

    members = graphene.List(graphene.NonNull(CrabMemberYieldType), required=True)
    cooperatives = graphene.List(
        graphene.NonNull(CrabCooperativeYieldType), required=True, description="Staff only"
    )


# --- reads ---------------------------------------------------------------------------


def resolve_cooperatives(root, info):
    return CrabCooperativeType.get_queryset(Cooperative.objects.order_by("name"), info)


def resolve_inspections(root, info, household_code=None, cooperative=None, **_):
    queryset = ComplianceInspection.objects.order_by("-inspected_on", "aspect", "-pk")
    if household_code:
        queryset = queryset.filter(member__household__code=household_code)
    if cooperative:
        queryset = queryset.filter(member__cooperative__name=cooperative)
    return queryset.select_related("member__household")


def resolve_yields(root, info, year):
    who = viewer(info)
    seen = set(CrabMemberType.get_queryset(Member.objects.all(), info).values_list("pk", flat=True))
    members = [row for row in member_yields(year) if row.member.pk in seen]
    staff = who.villages(STAFF_ROLES) != set()
    return CrabYieldsType(members=members, cooperatives=cooperative_yields(year) if staff else [])


# --- writes --------------------------------------------------------------------------


class CrabAspectResultInput(graphene.InputObjectType):
    aspect = graphene.String(required=True, description="water_quality, drug_records, ...")
    passed = graphene.Boolean(required=True)


class RecordCrabInspection(PlatformMutation):
    """Record the aspects of a member checked on a day; failures and full passes are entries."""

    class Arguments:
        member_id = graphene.ID(required=True)
        inspected_on = graphene.Date(required=True)
        results = graphene.List(graphene.NonNull(CrabAspectResultInput), required=True)
        note = graphene.String(default_value="")

    inspections = graphene.List(graphene.NonNull(CrabInspectionType))

    @classmethod
    def perform(cls, info, member_id, inspected_on, results, note=""):
        require_somewhere(info, STAFF_ROLES)
        member = row_by_id(
            info, CrabMemberType, member_id, "memberId", missing=_("No member %(id)s.")
        )
        checks = record_inspection(
            member,
            inspected_on=inspected_on,
            results={r.aspect: r.passed for r in results},
            inspector=viewer(info).actor,
            note=note,
        )
        return {"inspections": checks}


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "crab_cooperatives": graphene.List(
                graphene.NonNull(CrabCooperativeType),
                required=True,
                resolver=resolve_cooperatives,
                description="Cooperatives, with the members the viewer may see",
            ),
            "crab_inspections": PageField(
                CrabInspectionType,
                resolver=resolve_inspections,
                household_code=graphene.String(),
                cooperative=graphene.String(description="Cooperative name"),
                description="Compliance inspections the viewer may see, newest first",
            ),
            "crab_yields": graphene.Field(
                CrabYieldsType,
                required=True,
                year=graphene.Int(required=True),
                resolver=resolve_yields,
                description="Harvest figures per mu: members the viewer may see, cooperatives",
            ),
        },
        mutation_fields={"record_crab_inspection": RecordCrabInspection.Field()},
    )
