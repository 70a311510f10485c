"""One inspection of a household's garbage sorting (township schema)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from township_integrity.models import Household, LedgerEntry, person_field


class Inspection(models.Model):
    class Result(models.TextChoices):
        CORRECT = "correct", _("Sorted correctly")
        WRONG = "wrong", _("Sorted wrongly")
        NOT_SORTED = "not_sorted", _("Not sorted")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    inspected_on = models.DateField(_("inspected on"))
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    inspector = person_field(blank=False, verbose_name=_("inspector (account)"))
    inspector_label = models.CharField(_("inspector"), max_length=150)
    photo_ref = models.CharField(_("photo reference"), max_length=200, blank=True)
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
        verbose_name = _("garbage-sorting inspection")
        verbose_name_plural = _("garbage-sorting inspections")
        ordering = ["-inspected_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "inspected_on"], name="gs_one_inspection_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.inspected_on} {self.result}"
