"""A police alert: one reported public-order offence of a household's member.

Every alert the feed brings is kept; only a confirmed one becomes a (proposed)
ledger entry, which the village's reviewers then approve or reject as any other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from township_integrity.models import Household, LedgerEntry


class Alert(models.Model):
    external_id = models.CharField(_("alert number"), max_length=64, unique=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    offence = models.CharField(_("offence"), max_length=200)
    statute = models.CharField(_("statute"), max_length=200)
    article = models.CharField(_("article"), max_length=100)
    occurred_on = models.DateField(_("occurred on"))
    confirmed = models.BooleanField(_("confirmed by the police"), default=False)
    entry = models.ForeignKey(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    source_file = models.CharField(_("feed file"), max_length=255, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ("-occurred_on", "-pk")
        verbose_name = _("police alert")
        verbose_name_plural = _("police alerts")

    def __str__(self) -> str:
        return f"{self.external_id} {self.household.code}"

    @property
    def legal_basis(self) -> str:
        """The statute and its article, as the entry's evidence cites them."""
        return f"{self.statute}{self.article}"
