"""The integrity alliance (鸿信+ 诚信联盟): members, grants and the log of eligibility checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_core.evaluation.models import Tier
from platform_core.households.models import Household, SubjectKind


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


class Consent(models.Model):
    """A household's separate consent (PIPL Art. 23) for one alliance member to learn more
    than yes or no about it: granted on a day, through a channel, and perhaps withdrawn.

    A row is never deleted: withdrawing sets ``withdrawn_at``; granting again adds a row.
    """

    class Scope(models.TextChoices):
        STANDING = "standing", _("Tier, score and the reasons of an answer")
        HISTORY = "history", _("Tier, score, reasons and ledger history")

    class Channel(models.TextChoices):
        PAPER = "paper", _("Signed paper form")
        WORKBENCH = "workbench", _("Household's own workbench page")
        SMS = "sms", _("SMS reply")
        COUNTER = "counter", _("In person at the service counter")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    member = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("alliance member"),
    )
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    granted_at = models.DateTimeField(_("granted at"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("granted by (account)"),
    )
    granted_by_label = models.CharField(_("granted by"), max_length=150)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by (account)"),
    )
    withdrawn_by_label = models.CharField(_("withdrawn by"), max_length=150, blank=True)
    withdrawal_channel = models.CharField(
        _("withdrawal channel"), max_length=16, choices=Channel.choices, blank=True
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "member"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_in_force_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.member_id} ({self.scope})"


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
    # PIPL Art. 23: the consent under which the member learned the whole answer;
    # ``narrowed``: asked for a member without consent, who learned only yes or no.
    # The household and the township's staff always see the whole answer.
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("consent applied"),
    )
    narrowed = models.BooleanField(_("answered only yes or no"), default=False)

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


class DividendCatalogue(models.Model):
    """One version of the township's ten integrity dividends (《诚信红利十条》).

    The township administrator edits a draft, then publishes it; a published version never
    changes (the services refuse to edit it), and editing after publication opens a new
    draft, a copy of the latest published version with the next number. The public sees
    the latest published version; the older ones stay, as they were published.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    version = models.PositiveIntegerField(_("version"), unique=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by_label = models.CharField(_("drafted by"), max_length=150)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by (account)"),
    )
    published_by_label = models.CharField(_("published by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("dividend catalogue")
        verbose_name_plural = _("dividend catalogues")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(state="draft"),
                name="dividend_catalogue_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.state})"


class Dividend(models.Model):
    """One integrity dividend: who offers what to whom (tiers, subject kinds), on what basis,
    and the benefit type of a plugin that implements it (blank: granted outside the
    platform, by the member itself)."""

    catalogue = models.ForeignKey(
        DividendCatalogue,
        on_delete=models.CASCADE,
        related_name="dividends",
        verbose_name=_("catalogue"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    member = models.ForeignKey(
        AllianceMember,
        on_delete=models.PROTECT,
        related_name="dividends",
        verbose_name=_("offered by"),
    )
    # Lists of Tier and SubjectKind values (validated by the services).
    tiers = models.JSONField(_("tiers"), default=list)
    subject_kinds = models.JSONField(_("subject kinds"), default=list)
    gives_zh = models.TextField(_("what it gives (Chinese)"))
    gives_en = models.TextField(_("what it gives (English)"), blank=True)
    basis = models.CharField(_("basis"), max_length=300)
    benefit_code = models.CharField(_("benefit type"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("dividend")
        verbose_name_plural = _("dividends")
        ordering = ["catalogue", "number"]
        constraints = [
            models.UniqueConstraint(fields=["catalogue", "number"], name="dividend_one_per_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title_zh}"

    @property
    def tier_labels(self) -> list[str]:
        return [str(Tier(t).label) for t in self.tiers if t in Tier.values]

    @property
    def subject_kind_labels(self) -> list[str]:
        return [str(SubjectKind(k).label) for k in self.subject_kinds if k in SubjectKind.values]
