"""Loan products, applications, the bank's decision, drawdowns and the freeze on red.

A household applies for a product up to the limit the product gives its current
(official) tier. The bank decides on a fresh eligibility check that the alliance
logs; approving opens a credit line. Money is drawn while the line is not frozen
and only up to its undrawn credit. When a finalised month turns the household
red its undrawn lines are frozen (the township's ``freeze_on_red``); when it
leaves red the lines frozen for that reason are unfrozen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from plugins.loans.conf import BENEFIT
from plugins.loans.models import CreditLine, Drawdown, LoanApplication, LoanProduct
from plugins.loans.selectors import township_settings
from township_integrity.errors import NotAllowed, PluginError
from township_integrity.models import AllianceMember, Household
from township_integrity.roles import ADMIN_ROLES, STAFF_ROLES, Role
from township_integrity.services import (
    Actor,
    check_eligibility,
    current_tier,
    require_role,
    value_word,
)

# Who may do what: bank clerks are alliance members; township admins may act for them.
PRODUCT_ROLES = (*ADMIN_ROLES, Role.ALLIANCE_MEMBER)
APPLY_ROLES = (*STAFF_ROLES, Role.ALLIANCE_MEMBER)
BANK_ROLES = (Role.TOWNSHIP_ADMIN, Role.ALLIANCE_MEMBER)
# Roles that act for every bank (a clerk acts for their own bank only).
EVERY_BANK_ROLES = (Role.TOWNSHIP_ADMIN,)
# Who may read the credit totals (a bank clerk: their own bank's).
TOTALS_ROLES = (*ADMIN_ROLES, Role.ALLIANCE_MEMBER)
# An application's status in a message (English: the value itself).
STATUS_WORDS = {
    "applied": pgettext_lazy("loan application status in a message", "applied"),
    "approved": pgettext_lazy("loan application status in a message", "approved"),
    "rejected": pgettext_lazy("loan application status in a message", "rejected"),
}


def add_product(
    bank: AllianceMember,
    *,
    name: str,
    limit_green,
    limit_blue,
    annual_rate,
    by: Actor,
    limit_red=0,
    collateral_free: bool = True,
) -> LoanProduct:
    """Offer a loan product of an alliance bank; a bank's product names are unique."""
    township_settings()
    require_role(
        by, PRODUCT_ROLES, village_code=None, what=_("manage loan products"), institution=bank.code
    )
    if bank.kind != AllianceMember.Kind.BANK or not bank.active:
        raise PluginError(_("%(bank)s is not an active bank of the alliance") % {"bank": bank.name})
    name = name.strip()
    if not name:
        raise PluginError(_("a loan product needs a name"))
    limits = {
        "green": _money(limit_green, _("the green limit"), zero_ok=True),
        "blue": _money(limit_blue, _("the blue limit"), zero_ok=True),
        "red": _money(limit_red, _("the red limit"), zero_ok=True),
    }
    rate = _money(annual_rate, _("the annual rate"), zero_ok=True)
    if LoanProduct.objects.filter(bank=bank, name=name).exists():
        raise PluginError(
            _("%(bank)s already offers a product named %(name)s")
            % {"bank": bank.name, "name": repr(name)}
        )
    return LoanProduct.objects.create(
        bank=bank,
        name=name,
        limit_green=limits["green"],
        limit_blue=limits["blue"],
        limit_red=limits["red"],
        annual_rate=rate,
        collateral_free=collateral_free,
        created_by_label=by.label,
    )


def apply(household: Household, product: LoanProduct, amount, *, by: Actor) -> LoanApplication:
    """Apply for ``amount`` of ``product``, within the limit it gives the household's tier."""
    township_settings()
    require_role(
        by,
        APPLY_ROLES,
        village_code=household.village.code,
        what=_("file loan applications"),
        institution=product.bank.code,  # a bank's clerk files only for their own bank
    )
    amount = _money(amount, _("the amount requested"))
    if not (product.active and product.bank.active):
        raise PluginError(_("%(product)s is no longer offered") % {"product": product})
    tier = current_tier(household)
    if tier == "red":
        raise PluginError(
            _(
                "household %(household)s is a household to improve (red): integrity loans "
                "are not offered until it recovers"
            )
            % {"household": household.code}
        )
    limit = product.limit_for(tier)
    if not limit:
        raise PluginError(
            _("%(product)s gives no credit to a %(tier)s household (%(household)s)")
            % {"product": product, "tier": value_word(tier), "household": household.code}
        )
    if amount > limit:
        raise PluginError(
            _("%(amount)s yuan is above the %(limit)s yuan %(product)s gives a %(tier)s household")
            % {"amount": amount, "limit": limit, "product": product, "tier": value_word(tier)}
        )
    if CreditLine.objects.filter(
        application__household=household, application__product=product
    ).exists():
        raise PluginError(
            _("household %(household)s already has a credit line of %(product)s")
            % {"household": household.code, "product": product}
        )
    try:
        with transaction.atomic():
            return LoanApplication.objects.create(
                household=household,
                product=product,
                amount_requested=amount,
                tier_at_application=tier,
                applied_by=by.user,
                applied_by_label=by.label,
            )
    except IntegrityError:
        raise PluginError(
            _(
                "household %(household)s already has an application for %(product)s "
                "awaiting the bank's decision"
            )
            % {"household": household.code, "product": product}
        ) from None


def decide(
    application: LoanApplication,
    *,
    approve: bool,
    by: Actor,
    reason: str = "",
    limit=None,
) -> LoanApplication:
    """The bank's decision, taken on a fresh eligibility check that stays logged.

    Approving opens a credit line of ``limit`` (default: the amount requested; never
    more than requested nor than the product's limit for the household's tier now).
    A household no longer eligible cannot be approved: the bank rejects it with a
    reason. A rejection always needs a reason. Whoever filed the application (by
    any credential) does not decide it.
    """
    township_settings()
    product = application.product
    require_role(
        by,
        BANK_ROLES,
        village_code=None,
        what=_("decide loan applications"),
        institution=product.bank.code,
    )
    _require_pending(application)
    if by.same_person(application.applied_by_id, application.applied_by_label):
        raise NotAllowed(_("the person who filed a loan application cannot decide it"))
    if not approve and not reason.strip():
        raise PluginError(_("a rejection needs a reason"), field="reason")
    # Outside the decision's transaction: the check is logged whatever happens next.
    check = check_eligibility(application.household, BENEFIT, by=by, member=product.bank)
    granted = None
    if approve:
        if not check.eligible and check.narrowed:  # no consent for the bank: no reason
            raise PluginError(
                _(
                    "household %(household)s may not have an integrity loan (without its "
                    "consent for the bank only yes or no is answered)"
                )
                % {"household": application.household.code}
            )
        if not check.eligible:
            raise PluginError(
                _("household %(household)s may not have an integrity loan: %(reason)s")
                % {"household": application.household.code, "reason": check.reason}
            )
        granted = _granted(application, check.tier, limit)
    with transaction.atomic():
        application = LoanApplication.objects.select_for_update().get(pk=application.pk)
        _require_pending(application)
        product = LoanProduct.objects.select_related("bank").get(pk=application.product_id)
        if approve and not (product.active and product.bank.active):
            raise PluginError(
                _("%(product)s is no longer offered; the application can be rejected")
                % {"product": product}
            )
        application.status = (
            LoanApplication.Status.APPROVED if approve else LoanApplication.Status.REJECTED
        )
        application.decided_by = by.user
        application.decided_by_label = by.label
        application.decision_reason = reason.strip()
        application.decided_at = timezone.now()
        application.eligibility_check = check
        application.save()
        if approve:
            CreditLine.objects.create(application=application, limit=granted)
    return application


def _require_pending(application: LoanApplication) -> None:
    if application.status != LoanApplication.Status.APPLIED:
        status = STATUS_WORDS.get(application.status, application.status)
        raise PluginError(
            _("the application of %(household)s for %(product)s was already %(status)s by %(who)s")
            % {
                "household": application.household.code,
                "product": application.product,
                "status": str(status),
                "who": application.decided_by_label,
            }
        )


def _granted(application: LoanApplication, tier: str, limit) -> Decimal:
    granted = (
        application.amount_requested
        if limit is None
        else _money(limit, _("the limit"), field="limit")
    )
    if granted > application.amount_requested:
        raise PluginError(
            _("the limit granted (%(granted)s) is above the %(requested)s yuan requested")
            % {"granted": granted, "requested": application.amount_requested},
            field="limit",
        )
    tier_limit = application.product.limit_for(tier)
    if granted > tier_limit:
        raise PluginError(
            _(
                "%(amount)s yuan is above the %(limit)s yuan %(product)s gives "
                "a %(tier)s household now"
            )
            % {
                "amount": granted,
                "limit": tier_limit,
                "product": application.product,
                "tier": value_word(tier),
            },
            field="limit",
        )
    return granted


def draw(line: CreditLine, amount, *, by: Actor) -> Drawdown:
    """Pay out ``amount`` on the line: refused while frozen or above the undrawn credit."""
    settings = township_settings()
    require_role(
        by,
        BANK_ROLES,
        village_code=None,
        what=_("pay out loans"),
        institution=line.application.product.bank.code,
    )
    amount = _money(amount, _("the amount drawn"))
    household = line.application.household
    if settings.get("freeze_on_red", True) and current_tier(household) == "red":
        # A freeze the tier-change hook missed (a failure, the plugin disabled that
        # month) is made up here, committed on its own, before the refusal.
        follow_tier(household, timezone.localdate(), "red", settings)
        raise PluginError(
            _("household %(household)s is red: its undrawn credit is frozen")
            % {"household": household.code}
        )
    with transaction.atomic():
        line = CreditLine.objects.select_for_update().get(pk=line.pk)
        if line.frozen:
            raise PluginError(
                _("the credit line is frozen since %(date)s (%(reason)s)")
                % {
                    "date": f"{timezone.localtime(line.frozen_at):%Y-%m-%d}",
                    "reason": line.frozen_note or line.get_frozen_reason_display(),
                }
            )
        if amount > line.undrawn:
            raise PluginError(
                _("%(amount)s yuan is above the %(undrawn)s yuan not yet drawn")
                % {"amount": amount, "undrawn": line.undrawn}
            )
        line.drawn = F("drawn") + amount
        line.save(update_fields=["drawn"])
        return Drawdown.objects.create(line=line, amount=amount, by=by.user, by_label=by.label)


def follow_tiers(period: dt.date, changes, settings: dict) -> int:
    """A finalised month's tier changes in two statements: freeze for red, unfreeze otherwise.

    Set-based so that a first evaluation of 10,000 households stays fast.
    """
    # Few households hold credit lines, so start from them, not from every change.
    holders = set(CreditLine.objects.values_list("application__household_id", flat=True).distinct())
    red = [c.household_id for c in changes if c.new_tier == "red" and c.household_id in holders]
    other = [c.household_id for c in changes if c.new_tier != "red" and c.household_id in holders]
    changed = 0
    if red and settings.get("freeze_on_red", True):
        changed += (
            CreditLine.objects.filter(application__household_id__in=red)
            .filter(frozen=False, drawn__lt=F("limit"))
            .update(
                frozen=True,
                frozen_at=timezone.now(),
                frozen_reason=CreditLine.FrozenReason.RED_TIER,
                frozen_note=f"红码待提升户 / tier red in {period:%Y-%m}",
            )
        )
    if other:
        changed += CreditLine.objects.filter(
            application__household_id__in=other,
            frozen=True,
            frozen_reason=CreditLine.FrozenReason.RED_TIER,
        ).update(frozen=False, frozen_at=None, frozen_reason="", frozen_note="")
    return changed


def follow_tier(household: Household, period: dt.date, new_tier: str, settings: dict) -> int:
    """Freeze the household's undrawn lines when it turns red, unfreeze them when it leaves red.

    Only lines frozen because of the red tier are unfrozen. Returns the lines changed.
    """
    lines = CreditLine.objects.filter(application__household=household)
    if new_tier == "red":
        if not settings.get("freeze_on_red", True):
            return 0
        return lines.filter(frozen=False, drawn__lt=F("limit")).update(
            frozen=True,
            frozen_at=timezone.now(),
            frozen_reason=CreditLine.FrozenReason.RED_TIER,
            frozen_note=f"红码待提升户 / tier red in {period:%Y-%m}",
        )
    return lines.filter(frozen=True, frozen_reason=CreditLine.FrozenReason.RED_TIER).update(
        frozen=False, frozen_at=None, frozen_reason="", frozen_note=""
    )


def _money(value, what: str, *, zero_ok: bool = False, field: str = "") -> Decimal:
    try:
        amount = Decimal(str(value))
        if not amount.is_finite():
            raise InvalidOperation
        amount = amount.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise PluginError(
            _("%(what)s must be an amount in yuan, not %(value)s")
            % {"what": what, "value": repr(value)},
            field=field,
        ) from None
    if amount < 0 or (amount == 0 and not zero_ok):
        if zero_ok:
            message = _("%(what)s must be 0 or more, not %(value)s")
        else:
            message = _("%(what)s must be more than 0, not %(value)s")
        raise PluginError(message % {"what": what, "value": value}, field=field)
    return amount
