"""The village covenant, the score ledger, objections and the points wallet.

All of it lives in each township's own schema. The ledger is append-only: the
database itself refuses to change or delete an approved entry (see migration
0002 and docs/scoring.md); corrections are new, compensating entries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from platform_core.households.models import Household

# Links to users (public schema) carry no database constraint: a township's schema
# must restore on its own, and users are deactivated, never deleted. Every such
# link has a *_label column that names the person in words as well.
CORE_PLUGIN = ""  # Rule.plugin for rules that belong to the core covenant


class Rule(models.Model):
    """One line of the village covenant."""

    class Category(models.TextChoices):
        GARBAGE_SORTING = "garbage_sorting", _("Garbage sorting")
        CUSTOMS_REFORM = "customs_reform", _("Customs reform")
        PUBLIC_SAFETY = "public_safety", _("Public safety")
        VOLUNTEERING = "volunteering", _("Volunteering")
        MUTUAL_AID = "mutual_aid", _("Mutual aid")
        PROHIBITION = "prohibition", _("Seven prohibitions")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=40, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    points = models.IntegerField(_("points"))
    needs_review = models.BooleanField(_("needs review"), default=True)
    plugin = models.CharField(
        _("supplied by plugin"), max_length=64, blank=True, default=CORE_PLUGIN
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("covenant rule")
        verbose_name_plural = _("covenant rules")
        ordering = ["category", "code"]
        constraints = [
            models.CheckConstraint(condition=~Q(points=0), name="rule_points_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh} ({self.points:+d})"


class EntryStatus(models.TextChoices):
    """Where a ledger entry stands: proposed ones wait for the joint review."""

    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REVERSED = "reversed", _("Reversed")


#: Entries that count towards a score: an approved entry, and a reversed one
#: together with its approved compensating entry (the pair sums to zero).
COUNTED_STATUSES = (EntryStatus.APPROVED, EntryStatus.REVERSED)


class ScoreEvent(models.Model):
    """One ledger entry: points for a household under a rule, with who and why."""

    class Kind(models.TextChoices):
        NORMAL = "normal", _("Normal")
        COMPENSATION = "compensation", _("Compensating entry")

    # A million-row import must stay fast, so the ledger's references are checked by
    # the database once per statement rather than once per row (migration 0002:
    # set-based checks on insert, refusal to delete what the ledger refers to), and
    # indexes are few: household is covered by (household, occurred_on).
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="score_events",
        db_index=False,
        db_constraint=False,
        verbose_name=_("household"),
    )
    rule = models.ForeignKey(
        Rule,
        on_delete=models.PROTECT,
        related_name="score_events",
        db_index=False,
        db_constraint=False,
        verbose_name=_("rule"),
    )
    # Copied from the rule when recorded: editing a rule never changes entries.
    points = models.IntegerField(_("points"))
    occurred_on = models.DateField(_("occurred on"))
    source = models.CharField(_("source"), max_length=64)
    external_id = models.CharField(_("external id"), max_length=128, null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    note = models.TextField(_("note"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NORMAL)
    status = models.CharField(
        _("status"), max_length=16, choices=EntryStatus.choices, default=EntryStatus.PROPOSED
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        db_index=False,
        db_constraint=False,
        verbose_name=_("corrected entry"),
    )
    evaluation_round = models.ForeignKey(
        "evaluation.EvaluationRound",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        db_index=False,
        db_constraint=False,
        verbose_name=_("evaluation round"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("recorded by (account)"),
    )
    # Always set: the recorder's e-mail, or "plugin:<key>" / "cli:<os user>".
    recorded_by_label = models.CharField(_("recorded by"), max_length=150)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("reviewed by (account)"),
    )
    reviewed_by_label = models.CharField(_("reviewed by"), max_length=150, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["household", "occurred_on"], name="scoreevent_household_date"),
            # Entries awaiting review: few, whatever the size of the ledger.
            models.Index(
                fields=["occurred_on"],
                condition=Q(status="proposed"),
                name="scoreevent_awaiting_review",
            ),
            models.Index(
                fields=["evaluation_round"],
                condition=Q(evaluation_round__isnull=False),
                name="scoreevent_round",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=Q(external_id__isnull=False),
                name="scoreevent_external_id_unique_per_source",
            ),
            # Only compensating entries point at another entry, and only once.
            models.UniqueConstraint(
                fields=["corrects"],
                condition=Q(corrects__isnull=False),
                name="scoreevent_one_compensation_per_entry",
            ),
            models.CheckConstraint(
                condition=Q(kind="compensation", corrects__isnull=False)
                | Q(kind="normal", corrects__isnull=True),
                name="scoreevent_compensation_names_its_entry",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="scoreevent_points_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.points:+d} {self.occurred_on} [{self.status}]"


class Objection(models.Model):
    """A household contests a deduction; the council decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    entry = models.ForeignKey(
        ScoreEvent,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("ledger entry"),
    )
    reason = models.TextField(_("reason"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("filed by (account)"),
    )
    filed_by_label = models.CharField(_("filed by"), max_length=150)
    on_behalf = models.BooleanField(_("filed by staff on the household's behalf"), default=False)
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("decided by (account)"),
    )
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    compensating_entry = models.OneToOneField(
        ScoreEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compensating entry"),
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status="pending"),
                name="objection_one_pending_per_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"objection to entry {self.entry_id} ({self.status})"


class Wallet(models.Model):
    """Points a household has spent; earned points are derived from the ledger.

    The row exists so that concurrent spending can lock it (SELECT ... FOR UPDATE).
    """

    household = models.OneToOneField(
        Household,
        on_delete=models.PROTECT,
        related_name="wallet",
        primary_key=True,
        verbose_name=_("household"),
    )
    spent = models.PositiveIntegerField(_("points spent"), default=0)

    class Meta:
        verbose_name = _("points wallet")
        verbose_name_plural = _("points wallets")

    def __str__(self) -> str:
        return f"wallet of {self.household_id}"


class WalletSpend(models.Model):
    """One spending of wallet points (e.g. a points-shop order)."""

    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="spends", verbose_name=_("points wallet")
    )
    amount = models.PositiveIntegerField(_("points"))
    reference = models.CharField(_("reference"), max_length=128, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    spent_by_label = models.CharField(_("spent by"), max_length=150)
    spent_at = models.DateTimeField(_("spent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("wallet spending")
        verbose_name_plural = _("wallet spendings")
        ordering = ["-spent_at"]

    def __str__(self) -> str:
        return f"{self.amount} points ({self.reference})"


def evidence_path(instance, filename: str) -> str:
    """Photos are filed per township schema and month; the stored name is random."""
    import secrets
    from pathlib import PurePath

    from django.db import connection
    from django.utils import timezone

    suffix = PurePath(filename).suffix.lower()[:8]
    return (
        f"evidence/{connection.schema_name}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"
    )


class EvidencePhoto(models.Model):
    """A photo backing a ledger entry or a household's declaration (never shown publicly).

    Kept through Django's storage API (local files by default, S3-compatible storage
    when configured) and served only through a view that checks who is asking.
    Exactly one of ``entry`` and ``declaration`` is set.
    """

    entry = models.ForeignKey(
        "ScoreEvent",
        on_delete=models.PROTECT,
        related_name="photos",
        null=True,
        blank=True,
        verbose_name=_("ledger entry"),
    )
    declaration = models.ForeignKey(
        "Declaration",
        on_delete=models.PROTECT,
        related_name="photos",
        null=True,
        blank=True,
        verbose_name=_("declaration"),
    )
    image = models.ImageField(_("photo"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_by_label = models.CharField(_("uploaded by"), max_length=150)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=True, declaration__isnull=False)
                | Q(entry__isnull=False, declaration__isnull=True),
                name="photo_of_entry_or_declaration",
            ),
        ]

    def __str__(self) -> str:
        owner = f"entry {self.entry_id}" if self.entry_id else f"declaration {self.declaration_id}"
        return f"photo {self.pk} of {owner}"


class Declaration(models.Model):
    """A household reports its own good deed (村民申报); its grid worker confirms or declines.

    Confirming records a proposed ledger entry in the confirming person's name (so the
    joint review still sees two people); declining needs a reason the household reads.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="declarations",
        verbose_name=_("household"),
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="+", verbose_name=_("covenant rule")
    )
    occurred_on = models.DateField(_("occurred on"))
    note = models.TextField(_("what happened"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    declared_by_label = models.CharField(_("declared by"), max_length=150)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    entry = models.OneToOneField(
        "ScoreEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declaration",
        verbose_name=_("ledger entry"),
    )

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-declared_at"]
        indexes = [models.Index(fields=["status", "household"], name="declaration_queue")]

    def __str__(self) -> str:
        return f"declaration {self.pk} of {self.household_id} ({self.status})"
