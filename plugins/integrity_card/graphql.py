"""GraphQL fields of the integrity card: a household's cards, the clerk's check, issuing.

Staff see the cards of their villages' households and a household its own; an
alliance clerk sees no card list, only the answer to a check of a presented
number (a mutation: the service logs it, unknown numbers too).
"""

from __future__ import annotations

import graphene
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from plugins.integrity_card.models import Card, CardBenefit
from plugins.integrity_card.selectors import normalise_number
from plugins.integrity_card.services import ALLIANCE_ROLES, check_card, issue_card
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    BAD_INPUT,
    NOT_FOUND,
    ApiError,
    InputError,
    PlatformMutation,
    TownshipNode,
    household_by_code,
    prefixed,
    require_somewhere,
    viewer,
    visible_households,
)
from township_integrity.models import AllianceMember
from township_integrity.roles import STAFF_ROLES


class IntegrityCardType(DjangoObjectType):
    class Meta:
        model = Card
        name = "IntegrityCard"
        fields = (
            "number",
            "issued_on",
            "valid_until",
            "status",
            "status_reason",
            "suspended_at",
            "issued_by_label",
        )
        interfaces = (TownshipNode,)
        convert_choices_to_enum = False

    household_code = graphene.String(required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        seen = prefixed(visible_households(viewer(info)), "household")
        return queryset.filter(seen).select_related("household")


class IntegrityCardBenefitType(DjangoObjectType):
    class Meta:
        model = CardBenefit
        name = "IntegrityCardBenefit"
        fields = ("kind", "description")
        convert_choices_to_enum = False

    member_code = graphene.String(required=True)

    def resolve_member_code(root, info) -> str:
        return root.member.code


class IntegrityCardCheckType(graphene.ObjectType):
    """A clerk's check of a presented number: valid or not, why, and the member's benefits."""

    class Meta:
        name = "IntegrityCardCheck"

    number = graphene.String(required=True)
    valid = graphene.Boolean(required=True)
    reason = graphene.String(required=True)
    checked_at = graphene.DateTime(required=True)
    benefits = graphene.List(graphene.NonNull(IntegrityCardBenefitType), required=True)


def resolve_cards(root, info, household_code=None):
    queryset = IntegrityCardType.get_queryset(Card.objects.order_by("-issued_on", "-pk"), info)
    return queryset.filter(household__code=household_code) if household_code else queryset


def resolve_card(root, info, number):
    card = resolve_cards(root, info).filter(number=normalise_number(number)).first()
    if card is None:
        raise ApiError(NOT_FOUND, _("No integrity card %(number)s.") % {"number": number})
    return card


class CheckIntegrityCard(PlatformMutation):
    """Whether a presented card is valid now. Every check is logged (unknown numbers too)."""

    # A mutation, not a query: it writes the log, so it is POSTed (and CSRF-checked
    # for browser sessions), never answered over GET (issue 13).

    class Arguments:
        number = graphene.String(required=True)
        member_code = graphene.String(description="Default: the clerk's institution")

    check = graphene.Field(IntegrityCardCheckType)

    @classmethod
    def perform(cls, info, number, member_code=None):
        who = require_somewhere(info, ALLIANCE_ROLES)
        if member_code is None and len(who.institution_codes) == 1:
            member_code = next(iter(who.institution_codes))
        if not member_code:
            message = _("Name the institution checking the card.")
            raise InputError("memberCode", BAD_INPUT, message)
        member = AllianceMember.objects.filter(code=member_code).first()
        if member is None:
            message = _("No alliance member %(code)s.") % {"code": member_code}
            raise InputError("memberCode", NOT_FOUND, message)
        answer = check_card(number, member=member, clerk=who.actor)
        check = IntegrityCardCheckType(
            number=answer.check.number,
            valid=answer.valid,
            reason=answer.reason,
            checked_at=answer.check.at,
            benefits=answer.benefits,
        )
        return {"check": check}


class IssueIntegrityCard(PlatformMutation):
    """Issue a card to a green household (staff of its village)."""

    class Arguments:
        household_code = graphene.String(required=True)
        issued_on = graphene.Date(description="Default: today")

    card = graphene.Field(IntegrityCardType)

    @classmethod
    def perform(cls, info, household_code, issued_on=None):
        require_somewhere(info, STAFF_ROLES)
        household = household_by_code(info, household_code)
        card = issue_card(household, by=viewer(info).actor, issued_on=issued_on)
        return {"card": card}


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "integrity_cards": graphene.List(
                graphene.NonNull(IntegrityCardType),
                required=True,
                household_code=graphene.String(),
                resolver=resolve_cards,
                description="Cards of the households the viewer may see, newest first",
            ),
            "integrity_card": graphene.Field(
                IntegrityCardType,
                required=True,
                number=graphene.String(required=True),
                resolver=resolve_card,
            ),
        },
        mutation_fields={
            "issue_integrity_card": IssueIntegrityCard.Field(),
            "check_integrity_card": CheckIntegrityCard.Field(),
        },
    )
