"""Reads for the alliance: a household's current tier, members, checks and grants."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from platform_core.alliance.models import AllianceMember, EligibilityCheck, Grant
from platform_core.evaluation.models import HouseholdSnapshot
from platform_core.households.models import Household


def current_tier(household: Household) -> str:
    """The tier of the household's latest finalised month (its official tier).

    A household that was never evaluated answers with its live tier from the ledger.
    """
    latest = (
        HouseholdSnapshot.objects.filter(household=household)
        .order_by("-period")
        .values_list("tier", flat=True)
        .first()
    )
    if latest:
        return latest
    from platform_core.scoring.policy import ScoringPolicy
    from platform_core.scoring.selectors import score_card

    return score_card(household, policy=ScoringPolicy.of(connection.tenant)).tier


def members(kind: str | None = None) -> QuerySet[AllianceMember]:
    found = AllianceMember.objects.filter(active=True)
    return found.filter(kind=kind) if kind else found


def checks_of(household: Household) -> QuerySet[EligibilityCheck]:
    return EligibilityCheck.objects.filter(household=household)


def grants_of(member: AllianceMember) -> QuerySet[Grant]:
    return member.grants.select_related("household")
