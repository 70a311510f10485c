"""Selection rounds, their nominations, the council's votes and objections to the posting.

Users live in the public schema, so a person is a ``person_field`` (no database
constraint) plus a ``*_label`` that keeps the name readable for ever. Every write
goes through ``plugins.selections.services``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from township_integrity.models import Household, LedgerEntry, Rule, Village, person_field


class Category(models.TextChoices):
    FAMILY = "family", _("Most beautiful family")
    COURTYARD = "courtyard", _("Most beautiful courtyard")
    DAUGHTER_IN_LAW = "daughter_in_law", _("Most beautiful daughter-in-law")
    MOTHER_IN_LAW = "mother_in_law", _("Good mother-in-law")


CATEGORY_ZH = {
    "family": "最美家庭",
    "courtyard": "最美庭院",
    "daughter_in_law": "最美媳妇",
    "mother_in_law": "好婆婆",
}


class RoundStatus(models.TextChoices):
    NOMINATING = "nominating", _("Taking nominations")
    VOTING = "voting", _("Council voting")
    POSTED = "posted", _("Posted in public")
    AWARDED = "awarded", _("Awarded")
    CANCELLED = "cancelled", _("Cancelled")


class SelectionRound(models.Model):
    """One selection of a category in a year, among some villages of the township."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    villages = models.ManyToManyField(Village, related_name="+", verbose_name=_("villages"))
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="+", verbose_name=_("award rule")
    )
    places = models.PositiveSmallIntegerField(_("places per village"))
    green_only = models.BooleanField(
        _("green households only"),
        default=True,
        help_text=_("Only households in the green tier when nominated may be nominated."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.NOMINATING
    )
    created_by = person_field(verbose_name=_("created by (account)"))
    created_by_label = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    voting_opened_at = models.DateTimeField(_("voting opened at"), null=True, blank=True)
    posted_on = models.DateField(_("posted on"), null=True, blank=True)
    posting_ends_on = models.DateField(_("posting ends on"), null=True, blank=True)
    posting_working_days = models.PositiveSmallIntegerField(
        _("posting period (working days)"), null=True, blank=True
    )
    posted_by_label = models.CharField(_("posted by"), max_length=150, blank=True)
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    awarded_by_label = models.CharField(_("awarded by"), max_length=150, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by_label = models.CharField(_("cancelled by"), max_length=150, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    class Meta:
        verbose_name = _("selection round")
        verbose_name_plural = _("selection rounds")
        ordering = ["-year", "category", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "year"],
                condition=~Q(status="cancelled"),
                name="sel_one_live_round_per_category_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {CATEGORY_ZH.get(self.category, self.category)}"

    @property
    def title(self) -> str:
        """The round's name in the active language ("2026 Most beautiful family")."""
        from django.utils.translation import gettext

        return gettext("%(year)s %(category)s") % {
            "year": self.year,
            "category": self.get_category_display(),
        }

    @property
    def title_zh(self) -> str:
        return f"{self.year}年度{CATEGORY_ZH.get(self.category, self.category)}"


class Nomination(models.Model):
    """A village committee's nomination of a household of its village, with its reason."""

    round = models.ForeignKey(
        SelectionRound,
        on_delete=models.PROTECT,
        related_name="nominations",
        verbose_name=_("round"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("household")
    )
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    reason = models.TextField(_("reason"))
    tier_at_nomination = models.CharField(_("tier when nominated"), max_length=8)
    nominated_by = person_field(verbose_name=_("nominated by (account)"))
    nominated_by_label = models.CharField(_("nominated by"), max_length=150)
    nominated_at = models.DateTimeField(_("nominated at"), auto_now_add=True)
    selected = models.BooleanField(_("selected"), default=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)
    entry = models.OneToOneField(
        LedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("award entry"),
    )

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["village__code", "household__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "household"], name="sel_one_nomination_per_household"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.household_id}"


class Vote(models.Model):
    """One council member's vote on one nomination (who, for or against, when)."""

    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, related_name="votes", verbose_name=_("nomination")
    )
    voter = person_field(verbose_name=_("voter (account)"))
    voter_label = models.CharField(_("voter"), max_length=150)
    in_favour = models.BooleanField(_("in favour"))
    cast_at = models.DateTimeField(_("cast at"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["cast_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "voter"],
                condition=Q(voter__isnull=False),
                name="sel_one_vote_per_person",
            ),
            models.UniqueConstraint(
                fields=["nomination", "voter_label"],
                condition=Q(voter__isnull=True),
                name="sel_one_vote_per_operator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter_label}: {'+' if self.in_favour else '-'} {self.nomination_id}"


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    """An objection to a posted nomination; the council decides it, with a reason."""

    nomination = models.ForeignKey(
        Nomination,
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name=_("nomination"),
    )
    text = models.TextField(_("objection"))
    objector_name = models.CharField(_("objector's name"), max_length=50)
    objector_phone = models.CharField(_("objector's phone"), max_length=20, blank=True)
    filed_by = person_field(verbose_name=_("filed by (account)"))
    filed_by_label = models.CharField(_("filed by"), max_length=150)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.PENDING,
    )
    decided_by = person_field(verbose_name=_("decided by (account)"))
    decided_by_label = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"objection {self.pk} to {self.nomination}"
