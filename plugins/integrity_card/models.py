"""Integrity cards (鸿信卡), the benefits alliance members attach to them, and every card check.

Users live in the public schema, so user references are plain ids without a
database constraint plus a ``*_label`` that keeps the name readable for ever.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from township_integrity.models import AllianceMember, Household, person_field


class Card(models.Model):
    """A card issued to a model (green) household; suspended when it stops being green."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    number = models.CharField(_("card number"), max_length=32, unique=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # Why and when the card last stopped (or started again) being usable.
    status_reason = models.TextField(_("status reason"), blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    issued_by = person_field(verbose_name=_("issued by (account)"))
    issued_by_label = models.CharField(_("issued by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("integrity card")
        verbose_name_plural = _("integrity cards")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="active"),
                name="integrity_card_one_active_per_household",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")),
                name="integrity_card_valid_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status="suspended") | Q(suspended_at__isnull=False),
                name="integrity_card_suspension_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CardBenefit(models.Model):
    """What an alliance member gives a card holder (a discount, a free check-up, ...)."""

    class Kind(models.TextChoices):
        DISCOUNT = "discount", _("Discount")
        FREE_CHECKUP = "free_checkup", _("Free check-up")
        HIRING_FAST_LANE = "hiring_fast_lane", _("Hiring fast lane")
        OTHER = "other", _("Other")

    member = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        related_name="card_benefits",
        verbose_name=_("alliance member"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    registered_by = person_field(verbose_name=_("registered by (account)"))
    registered_by_label = models.CharField(_("registered by"), max_length=150)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("card benefit")
        verbose_name_plural = _("card benefits")
        ordering = ["member__code", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}: {self.description}"


class CardCheck(models.Model):
    """One card check by an alliance clerk, whatever the answer (unknown numbers too)."""

    class Answer(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")

    number = models.CharField(_("number presented"), max_length=64)
    card = models.ForeignKey(
        Card,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("integrity card"),
    )
    member = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("alliance member"),
    )
    clerk = person_field(verbose_name=_("clerk (account)"))
    clerk_label = models.CharField(_("clerk"), max_length=150)
    at = models.DateTimeField(_("checked at"), auto_now_add=True)
    answer = models.CharField(_("answer"), max_length=8, choices=Answer.choices)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("card check")
        verbose_name_plural = _("card checks")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.answer}"
