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


class HouseholdManager(models.Manager):
    """Households only: every household figure, list and count reads through this."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=SubjectKind.HOUSEHOLD)


class EnterpriseManager(models.Manager):
    """Merchants and firms only."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().exclude(kind=SubjectKind.HOUSEHOLD)


class Household(models.Model):
    """A scored subject: a household (户), or a merchant or firm (docs/subjects.md).

    ``code`` is its 户码 (one code namespace for every kind). Merchants and firms share the
    table so that the ledger, objections, notices and due process hold for them exactly as
    for households; ``objects`` sees households only, so that no household figure changes
    with them, and ``subjects`` sees every kind. For a merchant or firm ``head_name`` holds
    its registered name (public, never masked) and ``credit_code`` its unified social
    credit code.
    """

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
    kind = models.CharField(
        _("kind"), max_length=16, choices=SubjectKind.choices, default=SubjectKind.HOUSEHOLD
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)

    objects = HouseholdManager()
    subjects = models.Manager()  # noqa: DJ012 (a manager, declared after the default one)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]
        base_manager_name = "subjects"
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="subject_credit_code_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=SubjectKind.HOUSEHOLD, credit_code="")
                    | (~models.Q(kind=SubjectKind.HOUSEHOLD) & ~models.Q(credit_code=""))
                ),
                name="subject_credit_code_by_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind"],
                condition=~models.Q(kind=SubjectKind.HOUSEHOLD),
                name="subject_enterprise_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_household(self) -> bool:
        return self.kind == SubjectKind.HOUSEHOLD


class Enterprise(Household):
    """A merchant or firm (诚信商户, 诚信企业): a scored subject registered by its credit code."""

    objects = EnterpriseManager()

    class Meta:
        proxy = True
        verbose_name = _("merchant or firm")
        verbose_name_plural = _("merchants and firms")
        ordering = ["code"]

    @property
    def name(self) -> str:
        return self.head_name
