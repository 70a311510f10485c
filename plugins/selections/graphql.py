"""GraphQL fields of the selections: rounds and their nominations with vote counts.

For staff only: township administrators, village committees and council members
(``ADMIN_ROLES``) see the rounds with one of their villages and the nominations of
their villages; anyone else is FORBIDDEN. The public sees the posting page instead.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from plugins.selections.models import Nomination, RoundStatus, SelectionRound
from plugins.selections.selectors import rounds_for, visible_nominations, with_visible_nominations
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    BAD_INPUT,
    InputError,
    TownshipNode,
    require_somewhere,
    viewer,
)
from township_integrity.roles import ADMIN_ROLES


class SelectionNominationType(DjangoObjectType):
    class Meta:
        model = Nomination
        name = "SelectionNomination"
        fields = ("reason", "tier_at_nomination", "nominated_by_label", "nominated_at", "selected")
        interfaces = (TownshipNode,)

    household_code = graphene.String(required=True)
    village_code = graphene.String(required=True)
    votes_for = graphene.Int(required=True)
    votes_against = graphene.Int(required=True)
    withdrawn = graphene.Boolean(required=True)
    withdrawn_reason = graphene.String(required=True)
    entry_id = graphene.ID(description="The award's ledger entry (its database id), once awarded")

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_village_code(root, info) -> str:
        return root.village.code

    def resolve_withdrawn(root, info) -> bool:
        return root.withdrawn_at is not None

    def resolve_entry_id(root, info):
        return root.entry_id


class SelectionRoundType(DjangoObjectType):
    class Meta:
        model = SelectionRound
        name = "SelectionRound"
        fields = (
            "category",
            "year",
            "places",
            "green_only",
            "status",
            "posted_on",
            "posting_ends_on",
            "posting_working_days",
            "awarded_on",
        )
        interfaces = (TownshipNode,)
        convert_choices_to_enum = False

    title = graphene.String(required=True)
    rule_code = graphene.String(required=True)
    village_codes = graphene.List(graphene.NonNull(graphene.String), required=True)
    nominations = graphene.List(
        graphene.NonNull(SelectionNominationType),
        required=True,
        description="Nominations of the viewer's villages, with their vote counts",
    )

    def resolve_title(root, info) -> str:
        return root.title

    def resolve_rule_code(root, info) -> str:
        return root.rule.code

    def resolve_village_codes(root, info) -> list[str]:
        return sorted(v.code for v in root.villages.all())

    def resolve_nominations(root, info):
        if hasattr(root, "visible"):  # prefetched for the list (with_visible_nominations)
            return root.visible
        return visible_nominations(viewer(info), root)

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.filter(pk__in=rounds_for(viewer(info)).values("pk"))


def resolve_rounds(root, info, year=None, status=None):
    asking = require_somewhere(info, ADMIN_ROLES)
    found = with_visible_nominations(rounds_for(asking), asking)
    if status and status not in RoundStatus.values:
        raise InputError(
            "status",
            BAD_INPUT,
            _("status %(value)r: use one of %(choices)s")
            % {"value": status, "choices": ", ".join(RoundStatus.values)},
        )
    if year:
        found = found.filter(year=year)
    return found.filter(status=status) if status else found


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "selection_rounds": graphene.List(
                graphene.NonNull(SelectionRoundType),
                required=True,
                year=graphene.Int(),
                status=graphene.String(
                    description="nominating, voting, posted, awarded or cancelled"
                ),
                resolver=resolve_rounds,
                description="'Most beautiful' selection rounds of the viewer's villages "
                "(township administrators, village committees, council members)",
            ),
        },
    )
