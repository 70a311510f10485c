"""Reads for the alliance: a household's current tier, members, checks and grants."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from platform_core.alliance.models import (
    AllianceMember,
    Consent,
    Dividend,
    DividendCatalogue,
    EligibilityCheck,
    Grant,
)
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


# --- the ten integrity dividends (《诚信红利十条》) -----------------------------------------


def published_catalogue() -> DividendCatalogue | None:
    """The latest published version of the dividends: what the public sees."""
    return (
        DividendCatalogue.objects.filter(state=DividendCatalogue.State.PUBLISHED)
        .order_by("-version")
        .first()
    )


def draft_catalogue() -> DividendCatalogue | None:
    """The draft the township administrator is editing, if any (at most one)."""
    return DividendCatalogue.objects.filter(state=DividendCatalogue.State.DRAFT).first()


@dataclass(frozen=True)
class DividendRow:
    """A dividend as shown: with the enabled plugin that offers its benefit type and answers
    its eligibility check (``plugin`` "": none does now, or it has no benefit type)."""

    dividend: Dividend
    plugin: str
    benefit_title_zh: str
    benefit_title_en: str


def dividend_rows(catalogue: DividendCatalogue | None, township=None) -> list[DividendRow]:
    """The catalogue's dividends in order, their members read in the same statement, and
    the plugins asked once (not per dividend)."""
    if catalogue is None:
        return []
    from platform_core.plugins.selectors import benefit_types

    offered = {
        b.code: (key, b)
        for key, b in reversed(benefit_types(township or connection.tenant))  # first wins
    }
    rows = []
    for dividend in catalogue.dividends.select_related("member").order_by("number"):
        key, benefit = offered.get(dividend.benefit_code, ("", None))
        rows.append(
            DividendRow(
                dividend,
                key,
                benefit.title_zh if benefit else "",
                benefit.title_en if benefit else "",
            )
        )
    return rows


@dataclass(frozen=True)
class HouseholdDividends:
    """The published dividends for a household: those its current tier qualifies for, and
    those it does not qualify for yet (with the tiers that would)."""

    tier: str
    catalogue: DividendCatalogue | None
    qualifies: list[Dividend]
    not_yet: list[Dividend]

    @property
    def tier_label(self) -> str:
        from platform_core.evaluation.models import Tier

        return str(Tier(self.tier).label) if self.tier in Tier.values else self.tier


def household_dividends(household: Household) -> HouseholdDividends:
    """A household's "your dividends": the published dividends offered to its kind of
    subject (a merchant or firm sees those of its kind), split by its current (official)
    tier. Two reads for the catalogue, whatever its size."""
    catalogue = published_catalogue()
    tier = current_tier(household)
    kind = household.kind  # a merchant or firm sees the dividends offered to its kind
    qualifies, not_yet = [], []
    if catalogue is not None:
        for dividend in catalogue.dividends.select_related("member").order_by("number"):
            if kind not in dividend.subject_kinds:
                continue
            (qualifies if tier in dividend.tiers else not_yet).append(dividend)
    return HouseholdDividends(tier, catalogue, qualifies, not_yet)
