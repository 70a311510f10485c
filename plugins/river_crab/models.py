"""River-crab cooperatives, members, compliance inspections and harvests (township schema).

Users live in the public schema, so a user reference is a plain id without a
database constraint plus a ``*_label`` that keeps the name readable for ever.
Areas are in mu (亩), yields in jin (斤, 0.5 kg), money in yuan.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from township_integrity.models import Household, LedgerEntry, Village, person_field


class Aspect(models.TextChoices):
    WATER_QUALITY = "water_quality", _("Water quality")
    DRUG_RECORDS = "drug_records", _("Drug-use records")
    QUALITY_CERTIFICATION = "quality_certification", _("Quality certification")


ASPECT_ZH = {
    "water_quality": "水质",
    "drug_records": "用药记录",
    "quality_certification": "质量认证",
}


class Cooperative(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("village"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("river-crab cooperative")
        verbose_name_plural = _("river-crab cooperatives")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("river-crab cooperative"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    pond_mu = models.DecimalField(_("pond area (mu)"), max_digits=9, decimal_places=2)
    joined_on = models.DateField(_("joined on"))

    class Meta:
        verbose_name = _("cooperative member")
        verbose_name_plural = _("cooperative members")
        ordering = ["cooperative", "household__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "household"], name="rc_member_once_per_cooperative"
            ),
            models.CheckConstraint(condition=Q(pond_mu__gt=0), name="rc_member_pond_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cooperative} {self.household_id}"


class ComplianceInspection(models.Model):
    """One aspect of a member's farming checked on one day."""

    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("cooperative member"),
    )
    inspected_on = models.DateField(_("inspected on"))
    aspect = models.CharField(_("aspect"), max_length=24, choices=Aspect.choices)
    passed = models.BooleanField(_("passed"))
    inspector = person_field(verbose_name=_("inspector (account)"))
    inspector_label = models.CharField(_("inspector"), max_length=150)
    note = models.TextField(_("note"), blank=True)
    # A failed aspect: its RC-VIOLATION entry; the aspects of a fully compliant day: their
    # shared RC-COMPLIANT entry; otherwise none.
    entry = models.ForeignKey(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("crab-farming compliance inspection")
        verbose_name_plural = _("crab-farming compliance inspections")
        ordering = ["-inspected_on", "aspect"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "inspected_on", "aspect"], name="rc_one_aspect_check_per_day"
            ),
        ]

    def __str__(self) -> str:
        result = "passed" if self.passed else "failed"
        return f"{self.member} {self.inspected_on} {self.aspect} {result}"


class Harvest(models.Model):
    """A member's crab harvest of one year; the pond area is kept as it was that year."""

    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="harvests",
        verbose_name=_("cooperative member"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    pond_mu = models.DecimalField(_("pond area (mu)"), max_digits=9, decimal_places=2)
    yield_jin = models.DecimalField(_("yield (jin)"), max_digits=12, decimal_places=2)
    revenue = models.DecimalField(_("revenue (yuan)"), max_digits=14, decimal_places=2)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=14, decimal_places=2)
    recorded_by = person_field(verbose_name=_("recorded by (account)"))
    recorded_by_label = models.CharField(_("recorded by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("crab harvest")
        verbose_name_plural = _("crab harvests")
        ordering = ["-year", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="rc_one_harvest_per_year"),
            models.CheckConstraint(
                condition=Q(pond_mu__gt=0)
                & Q(yield_jin__gte=0)
                & Q(revenue__gte=0)
                & Q(cost__gte=0),
                name="rc_harvest_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.year}"
