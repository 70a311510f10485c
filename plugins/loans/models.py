"""Integrity loans (鸿信贷): bank products, applications, credit lines and drawdowns.

Township schema. Users live in the public schema, so every user reference is a
plain id without a database constraint plus a ``*_label`` naming the person.
Amounts are in yuan.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from township_integrity.models import AllianceMember, EligibilityCheck, Household, person_field

MONEY = {"max_digits": 14, "decimal_places": 2}


class LoanProduct(models.Model):
    """A loan a bank of the alliance offers, with its credit limit per tier."""

    bank = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": AllianceMember.Kind.BANK},
        verbose_name=_("bank"),
    )
    name = models.CharField(_("name"), max_length=100)
    limit_green = models.DecimalField(_("credit limit, green"), **MONEY)
    limit_blue = models.DecimalField(_("credit limit, blue"), **MONEY)
    limit_red = models.DecimalField(_("credit limit, red"), default=0, **MONEY)
    annual_rate = models.DecimalField(_("annual rate (%)"), max_digits=6, decimal_places=3)
    collateral_free = models.BooleanField(_("collateral-free"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_by_label = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        ordering = ["bank__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "name"], name="loans_product_name_per_bank"),
            models.CheckConstraint(
                condition=Q(limit_green__gte=0, limit_blue__gte=0, limit_red__gte=0),
                name="loans_product_limits_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(annual_rate__gte=0), name="loans_product_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.name}"

    def limit_for(self, tier: str):
        """The credit limit this product gives a household of ``tier`` (0 when none)."""
        return {"green": self.limit_green, "blue": self.limit_blue, "red": self.limit_red}.get(
            tier, 0
        )


class LoanApplication(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    product = models.ForeignKey(
        LoanProduct,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("loan product"),
    )
    amount_requested = models.DecimalField(_("amount requested"), **MONEY)
    tier_at_application = models.CharField(_("tier when applying"), max_length=8)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.APPLIED
    )
    applied_by = person_field(verbose_name=_("applied by (account)"))
    applied_by_label = models.CharField(_("applied by"), max_length=150)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    decided_by = person_field(verbose_name=_("decided by (account)"))
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The logged eligibility check the bank's decision was taken on.
    eligibility_check = models.OneToOneField(
        EligibilityCheck,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eligibility check"),
    )

    class Meta:
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        ordering = ["-applied_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__gt=0), name="loans_application_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="applied", decided_at__isnull=True)
                | (~Q(status="applied") & Q(decided_at__isnull=False)),
                name="loans_application_decided_when_not_applied",
            ),
            models.UniqueConstraint(
                fields=["household", "product"],
                condition=Q(status="applied"),
                name="loans_one_pending_application_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.product} {self.amount_requested} ({self.status})"


class CreditLine(models.Model):
    """The credit an approved application opened: its limit, what is drawn, and any freeze."""

    class FrozenReason(models.TextChoices):
        RED_TIER = "red_tier", _("Household turned red")

    application = models.OneToOneField(
        LoanApplication,
        on_delete=models.PROTECT,
        related_name="credit_line",
        verbose_name=_("loan application"),
    )
    limit = models.DecimalField(_("limit granted"), **MONEY)
    drawn = models.DecimalField(_("drawn"), default=0, **MONEY)
    frozen = models.BooleanField(_("frozen"), default=False)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    frozen_reason = models.CharField(
        _("frozen because"), max_length=16, choices=FrozenReason.choices, blank=True
    )
    frozen_note = models.CharField(_("freeze note"), max_length=200, blank=True)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(limit__gt=0, drawn__gte=0, drawn__lte=F("limit")),
                name="loans_line_drawn_within_limit",
            ),
            models.CheckConstraint(
                condition=Q(frozen=False, frozen_at__isnull=True, frozen_reason="")
                | Q(frozen=True, frozen_at__isnull=False, frozen_reason__gt=""),
                name="loans_line_freeze_has_time_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.product} {self.drawn}/{self.limit}"

    @property
    def undrawn(self):
        return self.limit - self.drawn


class Drawdown(models.Model):
    """Money drawn on a credit line: how much, when, and who paid it out."""

    line = models.ForeignKey(
        CreditLine,
        on_delete=models.PROTECT,
        related_name="drawdowns",
        verbose_name=_("credit line"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = person_field(verbose_name=_("by (account)"))
    by_label = models.CharField(_("by"), max_length=150)

    class Meta:
        verbose_name = _("drawdown")
        verbose_name_plural = _("drawdowns")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loans_drawdown_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.amount} {self.at:%Y-%m-%d}"
