"""Reads of cards, benefits and card checks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from plugins.integrity_card.conf import DEFAULTS, KEY
from plugins.integrity_card.models import Card, CardBenefit, CardCheck
from township_integrity import enabled_settings
from township_integrity.models import AllianceMember, Household


def township_settings() -> dict:
    """The township's settings with defaults filled in; PluginError when not enabled."""
    return enabled_settings(KEY, DEFAULTS, refusal=_("the integrity card is not enabled"))


def normalise_number(number: str) -> str:
    """Card numbers as clerks type them: spaces around and lower case are forgiven."""
    return (number or "").strip().upper()


def find_card(number: str) -> Card | None:
    return Card.objects.select_related("household").filter(number=normalise_number(number)).first()


def cards_of(household: Household) -> QuerySet[Card]:
    """Every card the household was issued, newest first."""
    township_settings()
    return Card.objects.filter(household=household)


def benefits_of(member: AllianceMember, *, active_only: bool = True) -> QuerySet[CardBenefit]:
    township_settings()
    found = CardBenefit.objects.filter(member=member)
    return found.filter(active=True) if active_only else found


def checks_of(card: Card) -> QuerySet[CardCheck]:
    township_settings()
    return card.checks.select_related("member")


def checks_by(member: AllianceMember) -> QuerySet[CardCheck]:
    """The member's clerks' checks, newest first (unknown numbers included)."""
    township_settings()
    return CardCheck.objects.filter(member=member)


def card_totals() -> dict[str, int]:
    """Cards per status (every status present, 0 when none)."""
    township_settings()
    counts = dict(Card.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in Card.Status.values}


def checks_of_members(member_codes: Iterable[str]) -> QuerySet[CardCheck]:
    """Checks by the clerks of ``member_codes``, newest first."""
    township_settings()
    return (
        CardCheck.objects.filter(member__code__in=sorted(member_codes))
        .select_related("member")
        .order_by("-at", "-pk")
    )
