"""Issuing cards, following the household's tier, alliance benefits and logged card checks.

A card is issued only to a household whose official tier (latest finalised month)
is green. It is suspended when a finalised month leaves the household blue or red
(``township_tier_changes``) and, with the township's ``reactivate_on_green``
setting (default on), works again when the household is green in a later month —
validity is never extended. A card past its ``valid_until`` is expired for good;
the household gets a new card instead. Every check by an alliance clerk is logged,
including numbers that match no card.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.integrity_card.conf import GREEN
from plugins.integrity_card.models import Card, CardBenefit, CardCheck
from plugins.integrity_card.selectors import find_card, normalise_number, township_settings
from township_integrity.errors import PluginError
from township_integrity.models import AllianceMember, Household
from township_integrity.roles import ADMIN_ROLES, STAFF_ROLES, Role
from township_integrity.services import Actor, current_tier, require_role, value_word

# Alliance clerks and the township's administrators may register benefits and check cards.
ALLIANCE_ROLES = (Role.ALLIANCE_MEMBER, *ADMIN_ROLES)
# Roles that act for every alliance member (a clerk acts for their own institution only).
EVERY_MEMBER_ROLES = ADMIN_ROLES
# No look-alike characters (0/O, 1/I): numbers are read out and typed by clerks.
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- cards ----------------------------------------------------------------------


def issue_card(household: Household, *, by: Actor, issued_on: dt.date | None = None) -> Card:
    """Issue a card to a green household, valid for the township's ``validity_months``.

    Refused while the household holds an active card that is still valid; a
    suspended card it still holds is expired as replaced by the new one.
    """
    settings = township_settings()
    require_role(
        by, STAFF_ROLES, village_code=household.village.code, what=_("issue integrity cards")
    )
    today = timezone.localdate()
    issued_on = issued_on or today
    if issued_on > today:
        raise PluginError(
            _("a card cannot be issued on %(date)s, which is in the future") % {"date": issued_on}
        )
    expiry = _add_months(issued_on, settings["validity_months"]) - dt.timedelta(1)
    if expiry < today:
        raise PluginError(
            _("a card issued on %(date)s would have expired on %(expiry)s")
            % {"date": issued_on, "expiry": expiry}
        )
    tier = current_tier(household)
    if tier != GREEN:
        raise PluginError(
            _(
                "household %(household)s is %(tier)s: cards are issued to model (green) "
                "households only"
            )
            % {"household": household.code, "tier": value_word(tier)}
        )
    with transaction.atomic():
        Household.objects.select_for_update().get(pk=household.pk)  # one issue at a time
        _expire(Card.objects.filter(household=household, valid_until__lt=today), today)
        held = Card.objects.filter(household=household, status=Card.Status.ACTIVE).first()
        if held is not None:
            raise PluginError(
                _("household %(household)s already holds card %(card)s, valid until %(date)s")
                % {"household": household.code, "card": held.number, "date": held.valid_until}
            )
        number = _new_number()
        Card.objects.filter(household=household, status=Card.Status.SUSPENDED).update(
            status=Card.Status.EXPIRED, status_reason=f"replaced by card {number}"
        )
        return Card.objects.create(
            household=household,
            number=number,
            issued_on=issued_on,
            valid_until=_add_months(issued_on, settings["validity_months"]) - dt.timedelta(1),
            issued_by=by.user,
            issued_by_label=by.label,
        )


def follow_tiers(period: dt.date, changes, settings: dict) -> int:
    """A finalised month's tier changes, set-based: suspend cards of households not green,
    reactivate the (few) suspended cards of households green again. Returns cards changed.
    """
    changed = 0
    # Few households hold cards (155 in Hongqiao), so start from them, not the changes.
    holders = set(
        Card.objects.exclude(status=Card.Status.EXPIRED).values_list("household_id", flat=True)
    )
    changes = [c for c in changes if c.household_id in holders]
    for tier in ("blue", "red"):
        leaving = [c.household_id for c in changes if c.new_tier == tier]
        if leaving:
            changed += Card.objects.filter(
                household_id__in=leaving, status=Card.Status.ACTIVE
            ).update(
                status=Card.Status.SUSPENDED,
                suspended_at=timezone.now(),
                status_reason=f"household {tier} in {period:%Y-%m}: cards are for green households",
            )
    green = [c.household_id for c in changes if c.new_tier == GREEN]
    if green and settings.get("reactivate_on_green", True):
        returning = Household.objects.filter(
            pk__in=Card.objects.filter(household_id__in=green, status=Card.Status.SUSPENDED).values(
                "household_id"
            )
        )
        for household in returning:
            changed += follow_tier(household, GREEN, period, settings)
    return changed


def follow_tier(household: Household, tier: str, period: dt.date, settings: dict) -> int:
    """Suspend the household's active card when ``tier`` is not green; maybe reactivate it.

    One household at a time (``follow_tiers`` handles a month); returns cards changed.
    """
    month = f"{period:%Y-%m}"
    with transaction.atomic():
        if tier != GREEN:
            return Card.objects.filter(household=household, status=Card.Status.ACTIVE).update(
                status=Card.Status.SUSPENDED,
                suspended_at=timezone.now(),
                status_reason=f"household {tier} in {month}: the card is for green households",
            )
        if not settings.get("reactivate_on_green", True):
            return 0
        if Card.objects.filter(household=household, status=Card.Status.ACTIVE).exists():
            return 0
        card = (
            Card.objects.select_for_update()
            .filter(
                household=household,
                status=Card.Status.SUSPENDED,
                valid_until__gte=timezone.localdate(),
            )
            .order_by("-issued_on", "-pk")
            .first()
        )
        if card is None:
            return 0
        card.status = Card.Status.ACTIVE
        card.status_reason = f"household green again in {month}"
        card.save(update_fields=["status", "status_reason"])
        return 1


def expire_due_cards(today: dt.date | None = None) -> int:
    """Expire every active or suspended card whose validity has ended; returns how many."""
    today = today or timezone.localdate()
    return _expire(Card.objects.filter(valid_until__lt=today), today)


def _expire(cards, today: dt.date) -> int:
    return cards.exclude(status=Card.Status.EXPIRED).update(
        status=Card.Status.EXPIRED, status_reason=f"validity ended (expired by {today})"
    )


def _new_number() -> str:
    """HX-<township>-XXXX-XXXX: random, so it cannot be guessed from the household code."""
    suffix = connection.tenant.code[-3:]
    while True:
        body = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
        number = f"HX-{suffix}-{body[:4]}-{body[4:]}"
        if not Card.objects.filter(number=number).exists():
            return number


def _add_months(day: dt.date, n: int) -> dt.date:
    """``day`` n months later; the 31st becomes the month's last day where needed."""
    index = day.year * 12 + day.month - 1 + n
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- benefits ---------------------------------------------------------------------


def register_benefit(
    member: AllianceMember, *, kind: str, description: str, by: Actor
) -> CardBenefit:
    """An alliance member offers card holders a benefit (discount, free check-up, ...)."""
    township_settings()
    require_role(
        by,
        ALLIANCE_ROLES,
        village_code=None,
        what=_("register card benefits"),
        institution=member.code,
    )
    if kind not in CardBenefit.Kind.values:
        raise PluginError(
            _("benefit kind %(kind)s: use one of %(choices)s")
            % {"kind": repr(kind), "choices": ", ".join(CardBenefit.Kind.values)}
        )
    if not member.active:
        raise PluginError(_inactive(member))
    description = description.strip()
    if not description:
        raise PluginError(_("a card benefit needs a description the holder can read"))
    return CardBenefit.objects.create(
        member=member,
        kind=kind,
        description=description,
        registered_by=by.user,
        registered_by_label=by.label,
    )


def withdraw_benefit(benefit: CardBenefit, *, by: Actor) -> CardBenefit:
    """The member stops offering the benefit; it stays on record."""
    township_settings()
    require_role(
        by,
        ALLIANCE_ROLES,
        village_code=None,
        what=_("withdraw card benefits"),
        institution=benefit.member.code,
    )
    benefit.active = False
    benefit.save(update_fields=["active"])
    return benefit


# --- checks -----------------------------------------------------------------------


@dataclass(frozen=True)
class CardAnswer:
    """What the clerk sees: valid or not, why, and the member's benefits when valid."""

    valid: bool
    reason: str
    check: CardCheck
    benefits: tuple[CardBenefit, ...] = ()


def check_card(number: str, *, member: AllianceMember, clerk: Actor) -> CardAnswer:
    """Answer valid/invalid for a presented card number and log the check.

    The household's official tier is looked at too, so a card whose suspension
    was missed (a failed hook) is suspended here instead of answered valid.
    """
    township_settings()
    require_role(
        clerk,
        ALLIANCE_ROLES,
        village_code=None,
        what=_("check integrity cards"),
        institution=member.code,
    )
    if not member.active:
        raise PluginError(_inactive(member))
    with transaction.atomic():
        card = find_card(number)
        if card is not None:
            card = Card.objects.select_for_update().select_related("household").get(pk=card.pk)
        valid, reason = _judge(card)
        check = CardCheck.objects.create(
            number=(normalise_number(number) or "(none)")[:64],
            card=card,
            member=member,
            clerk=clerk.user,
            clerk_label=clerk.label,
            answer=CardCheck.Answer.VALID if valid else CardCheck.Answer.INVALID,
            reason=reason,
        )
    benefits = tuple(CardBenefit.objects.filter(member=member, active=True)) if valid else ()
    return CardAnswer(valid, reason, check, benefits)


def _inactive(member: AllianceMember) -> str:
    return _("%(member)s is no longer an active alliance member") % {"member": member.name}


def _judge(card: Card | None) -> tuple[bool, str]:
    """(valid, reason) for a locked card; brings its status up to date on the way."""
    if card is None:
        return False, "unknown card number"
    today = timezone.localdate()
    if card.status != Card.Status.EXPIRED and card.valid_until < today:
        _expire(Card.objects.filter(pk=card.pk), today)
        card.status = Card.Status.EXPIRED
    if card.status == Card.Status.EXPIRED:
        return False, f"card expired (valid until {card.valid_until})"
    if card.status == Card.Status.SUSPENDED:
        since = timezone.localdate(card.suspended_at)
        return False, f"card suspended since {since}: {card.status_reason}"
    tier = current_tier(card.household)
    if tier != GREEN:
        card.status, card.suspended_at = Card.Status.SUSPENDED, timezone.now()
        card.status_reason = f"household {tier} at a card check: the card is for green households"
        card.save(update_fields=["status", "suspended_at", "status_reason"])
        return False, f"card suspended: {card.status_reason}"
    holder = card.household
    return True, f"valid until {card.valid_until}; holder {holder.head_name} ({holder.code})"
