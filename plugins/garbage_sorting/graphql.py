"""GraphQL fields of garbage sorting: the inspections and recording one.

Staff see the inspections of their villages' households, a household its own and
an alliance clerk none (``visible_households``). The service does not check
roles, so recording is limited here to staff of the household's village.
"""

from __future__ import annotations

import graphene
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from plugins.garbage_sorting.models import Inspection
from plugins.garbage_sorting.services import record_inspection
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    BAD_INPUT,
    CountedConnection,
    InputError,
    PageField,
    PlatformMutation,
    TownshipNode,
    household_by_code,
    prefixed,
    require,
    require_somewhere,
    viewer,
    visible_households,
)
from township_integrity.roles import STAFF_ROLES


class GarbageInspectionType(DjangoObjectType):
    class Meta:
        model = Inspection
        name = "GarbageInspection"
        fields = ("inspected_on", "result", "inspector_label", "photo_ref", "entry", "created_at")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    household_code = graphene.String(required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry  # the same household's entry: visible with the row

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = prefixed(visible_households(viewer(info)), "household")
        return queryset.filter(seen).select_related("household", "entry__household", "entry__rule")


def resolve_inspections(root, info, village=None, household_code=None, result=None, **_):
    queryset = Inspection.objects.order_by("-inspected_on", "-pk")
    if village:
        queryset = queryset.filter(household__village__code=village)
    if household_code:
        queryset = queryset.filter(household__code=household_code)
    return queryset.filter(result=result) if result else queryset


class RecordGarbageInspection(PlatformMutation):
    """Record an inspection (staff of the household's village); its entry follows the rules."""

    class Arguments:
        household_code = graphene.String(required=True)
        inspected_on = graphene.Date(required=True)
        result = graphene.String(required=True, description="correct, wrong or not_sorted")
        photo_ref = graphene.String(default_value="")

    inspection = graphene.Field(GarbageInspectionType)

    @classmethod
    def perform(cls, info, household_code, inspected_on, result, photo_ref=""):
        require_somewhere(info, STAFF_ROLES)
        household = household_by_code(info, household_code)
        who = require(info, STAFF_ROLES, household.village.code)
        if inspected_on > timezone.localdate():
            message = _("%(date)s is in the future.") % {"date": inspected_on}
            raise InputError("inspectedOn", BAD_INPUT, message)
        inspection = record_inspection(
            household,
            inspected_on=inspected_on,
            result=result,
            inspector=who.actor,
            photo_ref=photo_ref,
        )
        return {"inspection": inspection}


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "garbage_inspections": PageField(
                GarbageInspectionType,
                resolver=resolve_inspections,
                village=graphene.String(description="Village code"),
                household_code=graphene.String(),
                result=graphene.String(description="correct, wrong or not_sorted"),
                description="Garbage-sorting inspections the viewer may see, newest first",
            ),
        },
        mutation_fields={"record_garbage_inspection": RecordGarbageInspection.Field()},
    )
