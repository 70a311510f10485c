"""Veterans of the township's households and the service station's activities.

Users live in the public schema, so a user reference is a plain id without a
database constraint plus a ``*_label`` that keeps the name readable for ever.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from township_integrity.models import Household, LedgerEntry, person_field


class Veteran(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    name = models.CharField(_("name"), max_length=50)
    service_branch = models.CharField(_("service branch"), max_length=50, blank=True)
    discharged_year = models.PositiveSmallIntegerField(_("discharged in"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("veteran")
        verbose_name_plural = _("veterans")
        ordering = ["household__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["household", "name"], name="vet_name_per_household"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.household_id})"


class ActivityKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service")
    OTHER = "other", _("Other")


KIND_ZH = {"visit": "走访慰问", "volunteer_service": "志愿服务", "other": "其他活动"}


class ServiceActivity(models.Model):
    """Something the service station did with or for a veteran on a day."""

    veteran = models.ForeignKey(
        Veteran, on_delete=models.PROTECT, related_name="activities", verbose_name=_("veteran")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    on = models.DateField(_("on"))
    by = person_field(verbose_name=_("recorded by (account)"))
    by_label = models.CharField(_("recorded by"), max_length=150)
    note = models.TextField(_("note"), blank=True)
    entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service-station activity")
        verbose_name_plural = _("service-station activities")
        ordering = ["-on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["veteran", "kind", "on"], name="vet_one_activity_of_a_kind_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.veteran} {self.kind} {self.on}"
