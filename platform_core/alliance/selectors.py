"""Reads for the alliance: a household's current tier, members, checks and grants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from platform_core.alliance.models import AllianceMember, Consent, EligibilityCheck, Grant
from platform_core.evaluation.selectors import official_standing
from platform_core.households.models import Household


def current_tier(household: Household) -> str:
    """The tier of the household's latest finalised month (its official tier), as an
    upheld objection or a granted credit repair corrected it since (at once, not at the
    next finalised month).

    A household that was never evaluated answers with its live tier from the ledger.
    """
    standing = official_standing(household)
    if standing is not None:
        return standing.tier
    from platform_core.scoring.policy import ScoringPolicy
    from platform_core.scoring.selectors import score_card

    return score_card(household, policy=ScoringPolicy.of(connection.tenant)).tier


def members(kind: str | None = None) -> QuerySet[AllianceMember]:
    found = AllianceMember.objects.filter(active=True)
    return found.filter(kind=kind) if kind else found


def checks_of(household: Household) -> QuerySet[EligibilityCheck]:
    """Every eligibility check made about the household, newest first (PIPL: the household
    sees each one, who asked, for which institution, and under which consent)."""
    return (
        EligibilityCheck.objects.filter(household=household)
        .select_related("member", "consent")
        .order_by("-checked_at", "-pk")
    )


def consent_in_force(household: Household, member: AllianceMember | None) -> Consent | None:
    """The household's consent for ``member`` that is not withdrawn, if any."""
    if member is None:
        return None
    return Consent.objects.filter(
        household=household, member=member, withdrawn_at__isnull=True
    ).first()


def consents_of(household: Household) -> QuerySet[Consent]:
    """Every consent the household granted (in force and withdrawn), newest first."""
    return Consent.objects.filter(household=household).select_related("member")


@dataclass(frozen=True)
class AskerAnswer:
    """What the one who asked learns of a check: everything, or only yes or no (narrowed:
    asked for an institution without the household's consent; PIPL Art. 23)."""

    eligible: bool
    narrowed: bool
    tier: str
    reason: str
    legal_basis: str


def answer_for_asker(check: EligibilityCheck) -> AskerAnswer:
    """The check as its asker sees it: without consent, no tier, reason or basis."""
    if check.narrowed:
        return AskerAnswer(check.eligible, True, "", "", "")
    return AskerAnswer(check.eligible, False, check.tier, check.reason, check.legal_basis)


def grants_of(member: AllianceMember) -> QuerySet[Grant]:
    return member.grants.select_related("household")


def institutions_of(viewer, *, every_for: Iterable[str] = ()) -> QuerySet[AllianceMember]:
    """Active institutions ``viewer`` acts for: those of their alliance memberships, or
    every one when they hold one of ``every_for`` for the whole township (the roles a
    service lets act for any institution, e.g. township administrators)."""
    found = AllianceMember.objects.filter(active=True).order_by("code")
    every_for = tuple(every_for)
    if every_for and viewer.villages(every_for) is None:
        return found
    return found.filter(code__in=sorted(viewer.institution_codes))


def checks_by(user) -> QuerySet[EligibilityCheck]:
    """The eligibility checks ``user`` asked, newest first."""
    if user is None:
        return EligibilityCheck.objects.none()
    return (
        EligibilityCheck.objects.filter(checked_by_id=user.pk)
        .select_related("household", "member")
        .order_by("-checked_at", "-pk")
    )
