"""Monthly joint evaluation: rounds, assignments, and the snapshots a finalised month keeps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_core.households.models import Grid, Household, Village


class Tier(models.TextChoices):
    GREEN = "green", _("Green (model household)")
    BLUE = "blue", _("Blue")
    RED = "red", _("Red (household to improve)")


class EvaluationRound(models.Model):
    """One village's evaluation of one month (``period`` is the month's first day)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FINALISED = "finalised", _("Finalised")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("village")
    )
    period = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by_label = models.CharField(_("finalised by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("evaluation round")
        verbose_name_plural = _("evaluation rounds")
        ordering = ["-period", "village"]
        constraints = [
            models.UniqueConstraint(fields=["village", "period"], name="round_unique_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.period:%Y-%m}"


class Assignment(models.Model):
    """Who rates which household this month (party member: linked household; leader: area)."""

    class Role(models.TextChoices):
        PARTY_MEMBER = "party_member", _("Party member (linked households)")
        GROUP_LEADER = "group_leader", _("Group leader (area)")

    round = models.ForeignKey(
        EvaluationRound,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("evaluation round"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("evaluator"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grid"),
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation assignment")
        verbose_name_plural = _("evaluation assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household", "role"], name="assignment_one_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator_id} → {self.household_id} ({self.role})"


class HouseholdSnapshot(models.Model):
    """A household's standing at the end of a finalised month."""

    period = models.DateField(_("month"))
    # Its own index would only repeat the first column of ``snapshot_household``; each
    # index more is written for every household of a finalised month.
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="snapshots",
        verbose_name=_("household"),
        db_index=False,
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    score = models.IntegerField(_("score"))
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    change = models.IntegerField(_("change since last month"), null=True)
    deductions = models.IntegerField(_("deductions in the last 12 months"))
    index = models.DecimalField(_("integrity index"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("household snapshot")
        verbose_name_plural = _("household snapshots")
        constraints = [
            models.UniqueConstraint(fields=["period", "household"], name="snapshot_per_month"),
        ]
        indexes = [models.Index(fields=["household", "period"], name="snapshot_household")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period:%Y-%m} {self.score} {self.tier}"


class EnterpriseSnapshot(models.Model):
    """A merchant's or firm's standing at the end of a finalised month (docs/subjects.md).

    A table of its own, not rows of ``HouseholdSnapshot``: every household figure
    (village snapshots, tier counts, boards, open data, the API) reads the household
    snapshots, so none of them can ever count a merchant (docs/architecture.md).
    Written with the village's households, in the same transaction, by
    ``evaluation.services.finalise_month``.
    """

    period = models.DateField(_("month"))
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="enterprise_snapshots",
        verbose_name=_("merchant or firm"),
        db_index=False,
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    score = models.IntegerField(_("score"))
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    change = models.IntegerField(_("change since last month"), null=True)
    deductions = models.IntegerField(_("deductions in the last 12 months"))

    class Meta:
        verbose_name = _("merchant or firm snapshot")
        verbose_name_plural = _("merchant and firm snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "period"], name="enterprise_snapshot_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period:%Y-%m} {self.score} {self.tier}"


class VillageSnapshot(models.Model):
    """A village's totals at the end of a finalised month."""

    period = models.DateField(_("month"))
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="snapshots", verbose_name=_("village")
    )
    households = models.IntegerField(_("households"))
    green = models.IntegerField(_("green"))
    blue = models.IntegerField(_("blue"))
    red = models.IntegerField(_("red"))
    average_score = models.DecimalField(_("average score"), max_digits=7, decimal_places=2)
    index = models.DecimalField(_("integrity index"), max_digits=4, decimal_places=1)

    class Meta:
        verbose_name = _("village snapshot")
        verbose_name_plural = _("village snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "village"], name="village_snapshot_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.period:%Y-%m}"


class TierChange(models.Model):
    """A household's tier moved between two finalised months (the first month counts too)."""

    period = models.DateField(_("month"))
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="tier_changes",
        verbose_name=_("household"),
    )
    old_tier = models.CharField(_("previous tier"), max_length=8, choices=Tier.choices, blank=True)
    new_tier = models.CharField(_("new tier"), max_length=8, choices=Tier.choices)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        constraints = [
            models.UniqueConstraint(fields=["period", "household"], name="tier_change_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period:%Y-%m} {self.old_tier or '-'} → {self.new_tier}"


class Posting(models.Model):
    """A village's month results posted in public (公示) before the month is finalised.

    ``rows`` is a frozen copy of what was posted, one ``[household id, masked name,
    score, tier]`` per household; the public sees masked names, scores and tiers only
    (households to improve only where ``includes_red``). Posting again after the
    figures changed starts a new period: the earlier posting is kept, with
    ``superseded_at`` set.
    """

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="postings", verbose_name=_("village")
    )
    period = models.DateField(_("month"))
    posted_on = models.DateField(_("posted on"))
    ends_on = models.DateField(_("posting ends on"))
    working_days = models.PositiveSmallIntegerField(_("posting period (working days)"))
    posted_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    posted_by_label = models.CharField(_("posted by"), max_length=150)
    backdated = models.BooleanField(
        _("posted on a past date"),
        default=False,
        help_text=_("Recorded afterwards for a posting that took place on posted_on."),
    )
    includes_red = models.BooleanField(_("names households to improve"), default=False)
    households = models.IntegerField(_("households"))
    green = models.IntegerField(_("green"))
    blue = models.IntegerField(_("blue"))
    red = models.IntegerField(_("red"))
    rows = models.JSONField(_("posted figures"), default=list)
    # ``[subject id, registered name, score, tier]`` per merchant or firm, by code: a
    # section of its own, so ``rows`` and the counts stay households only. None: posted
    # before merchants and firms were (their finalisation then compares nothing).
    enterprise_rows = models.JSONField(
        _("posted figures of merchants and firms"), null=True, blank=True
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public posting")
        verbose_name_plural = _("public postings")
        ordering = ["-period", "village", "-posted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period"],
                condition=models.Q(superseded_at__isnull=True),
                name="posting_one_current_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.period:%Y-%m} ({self.posted_on} – {self.ends_on})"


class PostingOverride(models.Model):
    """A township administrator finalised a village's month without its full posting period."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    period = models.DateField(_("month"))
    posting = models.ForeignKey(
        Posting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="overrides",
        verbose_name=_("public posting"),
    )
    refusal = models.TextField(_("what was overridden"))
    reason = models.TextField(_("reason"))
    overridden_by_label = models.CharField(_("overridden by"), max_length=150)
    overridden_at = models.DateTimeField(_("overridden at"), auto_now_add=True)

    class Meta:
        verbose_name = _("posting override")
        verbose_name_plural = _("posting overrides")
        ordering = ["-overridden_at"]

    def __str__(self) -> str:
        return f"{self.village} {self.period:%Y-%m}: {self.reason}"


class StandingCorrection(models.Model):
    """A household's standing recomputed after its latest finalised month was corrected.

    An upheld objection or a granted credit repair takes effect at once (docs/scoring.md,
    "Objections on a deadline"): the finalised month's figures are recomputed on the
    corrected ledger, as of that month's last day, and recorded here with the reason.
    The household's official tier (``alliance.selectors.current_tier``) is the latest
    correction of its latest finalised month; the next finalised month compares with
    it. The month's snapshot itself is never changed.
    """

    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        related_name="standing_corrections",
        verbose_name=_("household"),
    )
    period = models.DateField(_("month corrected"))
    score = models.IntegerField(_("score"))
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    old_tier = models.CharField(_("previous tier"), max_length=8, choices=Tier.choices)
    deductions = models.IntegerField(_("deductions in the last 12 months"))
    index = models.DecimalField(_("integrity index"), max_digits=4, decimal_places=1)
    reason = models.TextField(_("reason"))
    made_by_label = models.CharField(_("made by"), max_length=150)
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("standing correction")
        verbose_name_plural = _("standing corrections")
        ordering = ["-made_at", "-id"]
        indexes = [
            models.Index(fields=["household", "period"], name="standing_correction_household"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.period:%Y-%m} {self.old_tier} → {self.tier}"
