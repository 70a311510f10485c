"""Villages, grids and households, stored in each township's own schema."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    """What a scored subject is: a household (户), or a merchant or firm (诚信商户, 诚信企业)."""

    HOUSEHOLD = "household", _("household")
    MERCHANT = "merchant", _("merchant")
    FIRM = "firm", _("firm")


class Village(models.Model):
    """A village of the township; staff roles are held for a village, by its code."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A grid (网格) of a village: the households one grid worker looks after."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="grids", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="grid_unique_in_village"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} / {self.name}"


class Household(models.Model):
    """A household (户): what earns and loses points and holds a tier; ``code`` is its 户码."""

    code = models.CharField(_("household code"), max_length=32, unique=True)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("grid"),
    )
    head_name = models.CharField(_("head of household"), max_length=50)
    members = models.PositiveSmallIntegerField(_("members"), default=1)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Where notices go besides SMS (docs/scoring.md, "Notice before a deduction counts").
    email = models.EmailField(_("e-mail"), blank=True)
    # HMAC-SHA256 of the head's national ID number, keyed by settings.ID_HASH_KEY.
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code
