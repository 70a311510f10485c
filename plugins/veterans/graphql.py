"""GraphQL fields of the veterans' service station: veterans, activities, recording one.

Veterans and their activities follow the households the viewer may see: staff of
the village, the household itself; an alliance clerk sees none (a clerk asks the
logged ``eligibility`` query about priority services instead).
"""

from __future__ import annotations

import graphene
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from plugins.veterans.models import ServiceActivity, Veteran
from plugins.veterans.services import record_activity
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


class VeteranActivityType(DjangoObjectType):
    class Meta:
        model = ServiceActivity
        name = "VeteranActivity"
        fields = ("veteran", "kind", "on", "by_label", "note", "entry")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    @bypass_get_queryset
    def resolve_veteran(root, info):
        return root.veteran  # the activity's veteran: visible with the activity

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry  # the same household's entry: visible with the row

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = prefixed(visible_households(viewer(info)), "veteran__household")
        return queryset.filter(seen).select_related(
            "veteran__household", "entry__household", "entry__rule"
        )


class VeteranType(DjangoObjectType):
    class Meta:
        model = Veteran
        name = "Veteran"
        fields = ("name", "service_branch", "discharged_year")
        interfaces = (TownshipNode,)

    household_code = graphene.String(required=True)
    activities = graphene.List(graphene.NonNull(VeteranActivityType), required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_activities(root, info):
        return root.activities.order_by("-on", "-pk")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = prefixed(visible_households(viewer(info)), "household")
        return queryset.filter(seen).select_related("household__village")


def resolve_veterans(root, info, household_code=None):
    queryset = VeteranType.get_queryset(Veteran.objects.order_by("household__code", "name"), info)
    return queryset.filter(household__code=household_code) if household_code else queryset


def resolve_activities(root, info, kind=None, start=None, end=None, **_):
    queryset = ServiceActivity.objects.order_by("-on", "-pk")
    if kind:
        queryset = queryset.filter(kind=kind)
    if start:
        queryset = queryset.filter(on__gte=start)
    return queryset.filter(on__lte=end) if end else queryset


class RecordVeteranActivity(PlatformMutation):
    """Record a station activity (staff of the village); volunteering and visits earn points."""

    class Arguments:
        veteran_id = graphene.ID(required=True)
        kind = graphene.String(required=True, description="visit, volunteer_service or other")
        on = graphene.Date(required=True)
        note = graphene.String(default_value="", description="Required for volunteer service")

    activity = graphene.Field(VeteranActivityType)

    @classmethod
    def perform(cls, info, veteran_id, kind, on, note=""):
        require_somewhere(info, STAFF_ROLES)
        veteran = row_by_id(
            info, VeteranType, veteran_id, "veteranId", missing=_("No veteran %(id)s.")
        )
        activity = record_activity(veteran, kind=kind, on=on, by=viewer(info).actor, note=note)
        return {"activity": activity}


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "veterans": graphene.List(
                graphene.NonNull(VeteranType),
                required=True,
                household_code=graphene.String(),
                resolver=resolve_veterans,
                description="Veterans of the households the viewer may see",
            ),
            "veteran_activities": PageField(
                VeteranActivityType,
                resolver=resolve_activities,
                kind=graphene.String(),
                start=graphene.Date(),
                end=graphene.Date(),
                description="Service-station activities the viewer may see, newest first",
            ),
        },
        mutation_fields={"record_veteran_activity": RecordVeteranActivity.Field()},
    )
