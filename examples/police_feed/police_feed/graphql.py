"""The ``policeAlerts`` query: alerts of the villages where the viewer is staff.

Police alerts name offences, so only staff see them (FORBIDDEN to anyone else,
households included), each only for their own villages; the entry of a confirmed
alert comes with it.
"""

from __future__ import annotations

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from police_feed.models import Alert
from police_feed.selectors import alerts_in
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    CountedConnection,
    EntryType,
    PageField,
    TownshipNode,
    require_somewhere,
    viewer,
)
from township_integrity.roles import STAFF_ROLES


class PoliceAlertType(DjangoObjectType):
    class Meta:
        model = Alert
        name = "PoliceAlert"
        fields = ("external_id", "offence", "statute", "article", "occurred_on", "confirmed")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection

    household_code = graphene.String(required=True)
    legal_basis = graphene.String(required=True, description="The statute and its article")
    entry = graphene.Field(EntryType, description="The proposed deduction of a confirmed alert")

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_legal_basis(root, info) -> str:
        return root.legal_basis

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry  # the same household's entry: visible with the alert

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        villages = viewer(info).villages(STAFF_ROLES)
        seen = alerts_in(villages)
        return queryset.filter(pk__in=seen.values("pk")).select_related(
            "household__village", "entry__rule"
        )


def resolve_alerts(root, info, confirmed=None, household_code=None, **_):
    require_somewhere(info, STAFF_ROLES)
    alerts = Alert.objects.order_by("-occurred_on", "-pk")
    if confirmed is not None:
        alerts = alerts.filter(confirmed=confirmed)
    if household_code:
        alerts = alerts.filter(household__code=household_code)
    return alerts


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "police_alerts": PageField(
                PoliceAlertType,
                resolver=resolve_alerts,
                confirmed=graphene.Boolean(),
                household_code=graphene.String(),
                description="Police alerts of the viewer's villages (staff only), newest first",
            )
        }
    )
