"""The integrity alliance (鸿信+ 诚信联盟): members, grants and the log of eligibility checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_core.households.models import Household


class AllianceMember(models.Model):
    """A bank, shop, firm or clinic that grants benefits to households by tier."""

    class Kind(models.TextChoices):
        BANK = "bank", _("Bank")
        SHOP = "shop", _("Shop")
        FIRM = "firm", _("Firm")
        CLINIC = "clinic", _("Clinic")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("alliance member")
        verbose_name_plural = _("alliance members")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class EligibilityCheck(models.Model):
    """Every eligibility question asked, by whom, about whom, and the answer given."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    benefit_code = models.CharField(_("benefit"), max_length=64)
    tier = models.CharField(_("tier"), max_length=8)
    eligible = models.BooleanField(_("eligible"))
    reason = models.TextField(_("reason"))
    legal_basis = models.TextField(_("legal basis"), blank=True)
    answered_by = models.CharField(_("answered by plugin"), max_length=64, blank=True)
    member = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("alliance member"),
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("checked by (account)"),
    )
    checked_by_label = models.CharField(_("checked by"), max_length=150)
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("eligibility check")
        verbose_name_plural = _("eligibility checks")
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.benefit_code}: {self.eligible}"


class Grant(models.Model):
    """A benefit an alliance member granted to a household (after an eligibility check)."""

    member = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        related_name="grants",
        verbose_name=_("alliance member"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    benefit_code = models.CharField(_("benefit"), max_length=64)
    eligibility_check = models.OneToOneField(
        EligibilityCheck,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("eligibility check"),
    )
    note = models.TextField(_("note"), blank=True)
    granted_by_label = models.CharField(_("granted by"), max_length=150)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.household_id} {self.benefit_code}"
