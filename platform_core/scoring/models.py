"""The village covenant, the score ledger, objections and the points wallet.

All of it lives in each township's own schema. The ledger is append-only: the
database itself refuses to change or delete an approved entry (see migration
0002 and docs/scoring.md); corrections are new, compensating entries.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from platform_core.households.models import Household, Village

# Links to users (public schema) carry no database constraint: a township's schema
# must restore on its own, and users are deactivated, never deleted. Every such
# link has a *_label column that names the person in words as well.
CORE_PLUGIN = ""  # Rule.plugin for rules that belong to the core covenant


class RuleSubjects(models.TextChoices):
    """Whom a covenant rule scores: households, or merchants and firms (docs/subjects.md).

    The two covenants share the rule table, its versions and terms; a rule is recorded
    only on a subject of its own kind (``scoring.services.rule_subject_problem``).
    """

    HOUSEHOLDS = "households", _("households")
    ENTERPRISES = "enterprises", _("merchants and firms")


class Rule(models.Model):
    """One line of the village covenant (households'), or of the merchants' and firms'."""

    class Category(models.TextChoices):
        GARBAGE_SORTING = "garbage_sorting", _("Garbage sorting")
        CUSTOMS_REFORM = "customs_reform", _("Customs reform")
        PUBLIC_SAFETY = "public_safety", _("Public safety")
        VOLUNTEERING = "volunteering", _("Volunteering")
        MUTUAL_AID = "mutual_aid", _("Mutual aid")
        PROHIBITION = "prohibition", _("Seven prohibitions")
        BUSINESS = "business", _("Business integrity")
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
    # Due process (docs/scoring.md): every deduction names its basis; an immediate rule
    # counts without the response window, and says why; a rule that needs a formal
    # finding (unreasonable petitions) is recorded only with one.
    basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        help_text=_("Covenant clause, law or document number; required for deductions."),
    )
    immediate = models.BooleanField(
        _("counts at once (no response window)"),
        default=False,
        help_text=_("Only with a basis that allows it, written in the legal basis."),
    )
    requires_finding = models.BooleanField(
        _("needs a formal finding"),
        default=False,
        help_text=_("Recorded only with the finding's authority, document number and date."),
    )
    # A village's own extra line (village variant of the covenant); empty: every village.
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_rules",
        verbose_name=_("only in village"),
    )
    applies_to = models.CharField(
        _("applies to"),
        max_length=16,
        choices=RuleSubjects.choices,
        default=RuleSubjects.HOUSEHOLDS,
        db_default=RuleSubjects.HOUSEHOLDS,
    )
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


def minutes_path(instance, filename: str) -> str:
    """Minutes of village meetings are filed per township schema; the stored name is random."""
    import secrets
    from pathlib import PurePath

    from django.db import connection

    suffix = PurePath(filename).suffix.lower()[:8]
    return f"minutes/{connection.schema_name}/{secrets.token_hex(16)}{suffix}"


class CovenantVersion(models.Model):
    """An adopted version of the covenant: the township's, or a village's own variant.

    It records the village meeting that adopted it and applies to entries that occur
    on or after ``effective_from``; it never rescores what happened before. A
    village variant (村规民约) lists only what it changes or adds in its terms and
    caps; everything else follows the township version in force.
    """

    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="covenant_versions",
        verbose_name=_("village (empty: the township covenant)"),
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    effective_from = models.DateField(_("effective from"))
    # The adoption (村民会议). Empty only for the covenant in force before versions
    # were recorded (migration scoring.0006 names it so).
    meeting_date = models.DateField(_("village meeting date"), null=True, blank=True)
    attendance = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("votes against"), null=True, blank=True)
    votes_abstaining = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    minutes = models.FileField(_("minutes"), upload_to=minutes_path, max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by (account)"),
    )
    recorded_by_label = models.CharField(_("recorded by"), max_length=150)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("covenant version")
        verbose_name_plural = _("covenant versions")
        ordering = ["village_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "number"],
                nulls_distinct=False,
                name="covenantversion_number_unique",
            ),
            models.UniqueConstraint(
                fields=["village", "effective_from"],
                nulls_distinct=False,
                name="covenantversion_one_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number}, {self.effective_from})"


class CovenantTerm(models.Model):
    """A rule as a covenant version words it: its points, and whether it applies.

    The township version holds a term for every rule of its time; a village variant
    only for the rules it changes or adds.
    """

    version = models.ForeignKey(
        CovenantVersion,
        on_delete=models.PROTECT,
        related_name="terms",
        verbose_name=_("covenant version"),
    )
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="terms", verbose_name=_("covenant rule")
    )
    points = models.IntegerField(_("points"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("covenant term")
        verbose_name_plural = _("covenant terms")
        constraints = [
            models.UniqueConstraint(fields=["version", "rule"], name="covenantterm_unique"),
            models.CheckConstraint(condition=~Q(points=0), name="covenantterm_points_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.points:+d} in {self.version_id}"


class Cap(models.Model):
    """At most ``limit`` points per household per month or year, from a rule or a category.

    A positive limit caps gains, a negative one caps losses. An entry over the cap
    is recorded with zero (or reduced) effect and the reason, never dropped.
    """

    class Period(models.TextChoices):
        MONTH = "month", _("per month")
        YEAR = "year", _("per year")

    version = models.ForeignKey(
        CovenantVersion,
        on_delete=models.PROTECT,
        related_name="caps",
        verbose_name=_("covenant version"),
    )
    rule = models.ForeignKey(
        Rule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caps",
        verbose_name=_("covenant rule"),
    )
    category = models.CharField(
        _("category"), max_length=32, choices=Rule.Category.choices, blank=True
    )
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    limit = models.IntegerField(_("limit (points)"))

    class Meta:
        verbose_name = _("cap")
        verbose_name_plural = _("caps")
        constraints = [
            models.CheckConstraint(condition=~Q(limit=0), name="cap_limit_not_zero"),
            models.CheckConstraint(
                condition=Q(rule__isnull=False, category="")
                | Q(rule__isnull=True) & ~Q(category=""),
                name="cap_of_rule_or_category",
            ),
        ]

    def __str__(self) -> str:
        what = self.rule_id or self.category
        return f"cap {self.limit:+d} {self.period} on {what}"


class EntryStatus(models.TextChoices):
    """Where a ledger entry stands: proposed ones wait for the joint review."""

    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REVERSED = "reversed", _("Reversed")
    REPAIRED = "repaired", _("Repaired")


#: Entries that count towards a score: an approved entry, and a reversed or
#: repaired one together with its approved compensating or repair entry (the pair
#: sums to zero from the day the compensation counts).
COUNTED_STATUSES = (EntryStatus.APPROVED, EntryStatus.REVERSED, EntryStatus.REPAIRED)


class ScoreEvent(models.Model):
    """One ledger entry: points for a household under a rule, with who and why."""

    class Kind(models.TextChoices):
        NORMAL = "normal", _("Normal")
        COMPENSATION = "compensation", _("Compensating entry")
        REPAIR = "repair", _("Credit repair")

    # A million-row import must stay fast, so the ledger's references are checked by
    # the database once per statement rather than once per row (migration 0002:
    # set-based checks on insert, refusal to delete what the ledger refers to), and
    # indexes are few: household is covered by (household, occurred_on, ...).
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
    # Copied from the covenant version in force when recorded: editing a rule or
    # adopting a new version never changes entries.
    points = models.IntegerField(_("points"))
    covenant_version = models.ForeignKey(
        CovenantVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("covenant version"),
    )
    # What counts after caps; empty: the points in full. Set when the entry is
    # approved (recorded approved, or in review), with the reason when a cap cut it.
    effect = models.IntegerField(_("effect after caps"), null=True, blank=True)
    cap_note = models.CharField(_("cap applied"), max_length=300, blank=True, db_default="")
    # The first day the entry counts; empty: as soon as it is approved. A deduction
    # counts after the household's response window (due process), a repair entry
    # from the council's decision.
    counts_from = models.DateField(_("counts from"), null=True, blank=True)
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
            # A household's entries by date, carrying what scores them: the month's
            # evaluation and the covenant what-if read this index alone (an index-only
            # scan in household order, a third of the rows' size) instead of the ledger.
            models.Index(
                fields=["household", "occurred_on"],
                include=[
                    "status",
                    "kind",
                    "counts_from",
                    "points",
                    "effect",
                    "rule",
                ],
                name="scoreevent_household_covering",
            ),
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
            # Entries a cap cut (their effect is not their points): few; the covenant
            # what-if looks up their rules.
            models.Index(
                fields=["rule"],
                condition=Q(effect__lt=F("points")) | Q(effect__gt=F("points")),
                name="scoreevent_cut",
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
                condition=Q(kind__in=["compensation", "repair"], corrects__isnull=False)
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
    # Due process: answered within the township's working days; overdue ones are
    # escalated to the township administrator once.
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Filed as the household's answer to the notice of a deduction.
    answers_notice = models.BooleanField(_("answer to a notice"), default=False)

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


class RepairApplication(models.Model):
    """A household asks for credit repair (信用修复) of a deduction after corrective action.

    The council decides with a reason. A granted repair keeps the deduction and adds
    a repair entry that cancels it from the decision on: it stops counting towards
    the tier, restrictions and boards.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")

    class Action(models.TextChoices):
        RECTIFICATION = "rectification", _("Rectification")
        VOLUNTEERING = "volunteering", _("Volunteering hours")
        OTHER = "other", _("Other corrective action")

    entry = models.ForeignKey(
        ScoreEvent,
        on_delete=models.PROTECT,
        related_name="repair_applications",
        verbose_name=_("ledger entry"),
    )
    action = models.CharField(_("corrective action"), max_length=20, choices=Action.choices)
    hours = models.PositiveSmallIntegerField(_("volunteering hours"), null=True, blank=True)
    evidence = models.TextField(_("evidence"))
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
        verbose_name=_("applied by (account)"),
    )
    applied_by_label = models.CharField(_("applied by"), max_length=150)
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
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
    repair_entry = models.OneToOneField(
        ScoreEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repair entry"),
    )

    class Meta:
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        ordering = ["-applied_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status="pending"),
                name="repair_one_pending_per_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"repair of entry {self.entry_id} ({self.status})"


class FormalFinding(models.Model):
    """The formal finding a deduction under a rule that needs one rests on.

    An unreasonable-petition deduction (P7-01/P7-02) is lawful only on a finding by
    the competent authority, after the petitioner was warned in advance (the seed's
    先提醒、后扣分).
    """

    entry = models.OneToOneField(
        ScoreEvent,
        on_delete=models.PROTECT,
        related_name="finding",
        verbose_name=_("ledger entry"),
    )
    authority = models.CharField(_("authority"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=100)
    found_on = models.DateField(_("date of the finding"))
    warned_on = models.DateField(_("petitioner warned on"))
    warning = models.TextField(_("how the petitioner was warned"))

    class Meta:
        verbose_name = _("formal finding")
        verbose_name_plural = _("formal findings")

    def __str__(self) -> str:
        return f"{self.authority} {self.document_number}"


# --- The action log (django-pghistory) ----------------------------------------
# The township's part of the action log: event tables filled by PostgreSQL triggers.
#
# django-pghistory installs one trigger per tracked change (migrations of this app), so
# a change is recorded whichever path made it (admin, workbench, API, command, task,
# even SQL) in the same transaction, with the context of ``platform_core.action_context``
# (who, which path) on the row. The tables are append-only (a trigger refuses UPDATE and
# DELETE) and live in each township's own schema, like what they track.
#
# Ledger entries record only status changes (an UPDATE that changes ``status``): an
# entry's insert is the entry itself (who recorded it and when are on it), and a
# million-row import must not write a million log rows.


def _changes():
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


def _meta(name):
    return {"verbose_name": name, "verbose_name_plural": name, "ordering": ["-pgh_id"]}


RuleEvent = pghistory.create_event_model(
    Rule,
    *_changes(),
    exclude=["updated_at"],
    model_name="RuleEvent",
    abstract=False,
    meta=_meta(_("action log: covenant rules")),
)
CovenantVersionEvent = pghistory.create_event_model(
    CovenantVersion,
    *_changes(),
    model_name="CovenantVersionEvent",
    abstract=False,
    meta=_meta(_("action log: covenant versions")),
)
CovenantTermEvent = pghistory.create_event_model(
    CovenantTerm,
    *_changes(),
    model_name="CovenantTermEvent",
    abstract=False,
    meta=_meta(_("action log: covenant terms")),
)
CapEvent = pghistory.create_event_model(
    Cap,
    *_changes(),
    model_name="CapEvent",
    abstract=False,
    meta=_meta(_("action log: caps")),
)
EntryStatusEvent = pghistory.create_event_model(
    ScoreEvent,
    pghistory.UpdateEvent("status", condition=pghistory.AnyChange("status")),
    fields=["household", "rule", "points", "status", "reviewed_by_label", "review_note"],
    model_name="EntryStatusEvent",
    abstract=False,
    meta=_meta(_("action log: ledger entry status")),
)
ObjectionEvent = pghistory.create_event_model(
    Objection,
    *_changes(),
    model_name="ObjectionEvent",
    abstract=False,
    meta=_meta(_("action log: objections")),
)
RepairApplicationEvent = pghistory.create_event_model(
    RepairApplication,
    *_changes(),
    model_name="RepairApplicationEvent",
    abstract=False,
    meta=_meta(_("action log: credit repair applications")),
)
