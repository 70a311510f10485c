"""Quarterly honour boards. A published board never changes (a database trigger enforces it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_core.households.models import Household, Village


class HonourBoard(models.Model):
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="boards", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    # The finalised month the board was built from (the quarter's last month).
    based_on = models.DateField(_("based on month"))
    includes_red = models.BooleanField(_("lists households to improve"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("published by (account)"),
    )
    published_by_label = models.CharField(_("published by"), max_length=150)
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("honour board")
        verbose_name_plural = _("honour boards")
        ordering = ["-year", "-quarter", "village"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year", "quarter"], name="board_one_per_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.year} Q{self.quarter}"


class BoardEntry(models.Model):
    class Kind(models.TextChoices):
        MODEL = "model", _("Model household")
        IMPROVE = "improve", _("Household to improve")
        # An integrity merchant or firm (green): its registered name, public, unmasked.
        ENTERPRISE = "business", _("Integrity merchant or firm")

    board = models.ForeignKey(
        HonourBoard, on_delete=models.PROTECT, related_name="entries", verbose_name=_("board")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    masked_name = models.CharField(_("name"), max_length=50)
    score = models.IntegerField(_("score"))

    class Meta:
        verbose_name = _("board entry")
        verbose_name_plural = _("board entries")
        ordering = ["kind", "-score", "household__code"]

    def __str__(self) -> str:
        return f"{self.masked_name} ({self.kind})"
