"""Petition and hotline cases and the steps of their closed loop (township schema).

Users live in the public schema, so every user reference is a plain id without a
database constraint plus a ``*_label`` that keeps the name readable for ever.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from township_integrity.models import Household, ScoreEvent, Village, person_field


class Kind(models.TextChoices):
    PETITION = "petition", _("Petition")
    HOTLINE = "hotline", _("12345 hotline")
    ONLINE = "online", _("Online complaint")
    LAWSUIT = "lawsuit", _("Lawsuit")
    CRIMINAL = "criminal", _("Criminal case")


KIND_ZH = {
    "petition": "信访",
    "hotline": "12345热线",
    "online": "网信件",
    "lawsuit": "诉讼",
    "criminal": "刑事案件",
}
# Kinds a reviewer may determine (a lawsuit or a criminal case is decided elsewhere).
DETERMINABLE_KINDS = ("petition", "hotline", "online")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    HANDLING = "handling", _("Handling")
    TRANSFERRED = "transferred", _("Transferred")
    RESPONDED = "responded", _("Responded")
    CLOSED = "closed", _("Closed")
    # Issue 17: a case merged into another (not closed: it never carries a
    # satisfaction); "reopened" and "follow_up" are steps only (plugins.petition.loop:
    # a reopened case goes back to handling, the follow-up call (回访) closes the case).
    REOPENED = "reopened", _("Reopened")
    MERGED = "merged", _("Merged")
    FOLLOW_UP = "follow_up", _("Follow-up")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Determination(models.TextChoices):
    REASONABLE = "reasonable", _("Reasonable")
    UNREASONABLE = "unreasonable", _("Unreasonable")
    REPEATED = "repeated", _("Repeated")
    SKIP_LEVEL = "skip_level", _("Skip-level")


# Statuses in which a case still waits for its answer (its handling deadline runs), and
# those of a finished case (no deadline runs any more; a merged case is finished but
# not closed: it carries no satisfaction, its main case does).
UNANSWERED = ("received", "assigned", "handling", "transferred", "reopened")
FINISHED = ("closed", "merged")


# Determinations that cost the petitioner's household points (and need the advance
# warning and a formal finding).
DEDUCTING = ("unreasonable", "repeated", "skip_level")


class Case(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reference = models.CharField(_("case number"), max_length=64)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("household"),
    )
    petitioner_name = models.CharField(_("petitioner"), max_length=50, blank=True)
    summary = models.TextField(_("summary"))
    received_at = models.DateTimeField(_("received at"), db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RECEIVED
    )
    satisfaction = models.CharField(
        _("satisfaction"), max_length=24, choices=Satisfaction.choices, blank=True
    )
    determination = models.CharField(
        _("determination"), max_length=16, choices=Determination.choices, blank=True
    )
    determined_by = person_field(verbose_name=_("determined by (account)"))
    determined_by_label = models.CharField(_("determined by"), max_length=150, blank=True)
    determined_at = models.DateTimeField(_("determined at"), null=True, blank=True)
    determination_reason = models.TextField(_("reason"), blank=True)
    # The advance warning to the petitioner (先提醒), recorded before a deducting
    # determination; the formal finding is kept with the deduction (FormalFinding).
    notice = models.TextField(_("advance warning to the petitioner"), blank=True)
    notified_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    notified_by_label = models.CharField(_("warned by"), max_length=150, blank=True)
    entry = models.OneToOneField(
        ScoreEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ledger entry"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Deadlines (whole working days from received_at, per kind in the settings) and
    # the times the case met them; overdue_since/escalated_at are set by the hourly
    # escalation task.
    acknowledge_due = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    handling_due = models.DateTimeField(_("answer by"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    # Repeats, reopening and the follow-up call (回访).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("merged into"),
    )
    reopened_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    follow_up_due = models.DateTimeField(_("follow up by"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    follow_up_result = models.TextField(_("follow-up result"), blank=True)
    satisfaction_score = models.PositiveSmallIntegerField(
        _("satisfaction score"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("petition or hotline case")
        verbose_name_plural = _("petition and hotline cases")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="petition_reference_unique"),
            models.CheckConstraint(
                condition=Q(status="closed", satisfaction__gt="")
                | (~Q(status="closed") & Q(satisfaction="")),
                name="petition_satisfaction_on_closing",
            ),
            models.CheckConstraint(
                condition=Q(determination="") | Q(kind__in=DETERMINABLE_KINDS),
                name="petition_determinable_kind",
            ),
            models.CheckConstraint(
                condition=~Q(determination__in=DEDUCTING)
                | (Q(household__isnull=False) & Q(notice__gt="") & Q(notified_at__isnull=False)),
                name="petition_deduction_has_household_and_notice",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction_score__isnull=True)
                | Q(satisfaction_score__gte=1, satisfaction_score__lte=5),
                name="petition_satisfaction_score_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="petition_merged_names_its_case",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("pk")),
                name="petition_not_merged_into_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    def is_overdue(self, now=None) -> bool:
        """Past its acknowledge deadline unacknowledged, or past its handling deadline
        unanswered, and not finished (the same rule as ``selectors.overdue_q``)."""
        now = now or timezone.now()
        if self.status in FINISHED:
            return False
        late_ack = self.acknowledge_due is not None and self.acknowledged_at is None
        late_answer = self.handling_due is not None and self.status in UNANSWERED
        return (late_ack and self.acknowledge_due < now) or (
            late_answer and self.handling_due < now
        )

    @property
    def overdue(self) -> bool:
        return self.is_overdue()


class CaseStep(models.Model):
    """One step of a case's closed loop: which status, when and by whom."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    at = models.DateTimeField(_("at"))
    by = person_field(verbose_name=_("by (account)"))
    by_label = models.CharField(_("by"), max_length=150)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case} {self.status} {self.at:%Y-%m-%d %H:%M}"


class EarlyWarning(models.Model):
    """A village's spike of cases in a month (an early warning), kept until someone
    acknowledges it with a note of what is being done; one per village and month."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    month = models.DateField(_("month"))  # the first day of the month
    cases = models.PositiveIntegerField(_("cases in the month"))
    average = models.FloatField(_("average per month before"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = person_field(verbose_name=_("acknowledged by (account)"))
    acknowledged_by_label = models.CharField(_("acknowledged by"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-month", "village__code"]
        constraints = [
            models.UniqueConstraint(fields=["village", "month"], name="petition_warning_unique"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(note__gt=""),
                name="petition_warning_ack_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.month:%Y-%m}"


class FollowUp(models.Model):
    """One follow-up call (回访) of a case: when it was due, when it was made, by whom,
    its result and the citizen's satisfaction. Kept for every follow-up, so a case
    reopened after a dissatisfied call still counts that call in the satisfaction
    rate (the case's own fields hold only its latest round)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("case")
    )
    due = models.DateTimeField(_("follow up by"), null=True, blank=True)
    at = models.DateTimeField(_("followed up at"))
    by = person_field(verbose_name=_("by (account)"))
    by_label = models.CharField(_("by"), max_length=150)
    result = models.TextField(_("follow-up result"))
    score = models.PositiveSmallIntegerField(_("satisfaction score"))
    satisfaction = models.CharField(_("satisfaction"), max_length=24, choices=Satisfaction.choices)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="petition_follow_up_score_1_to_5"
            ),
            models.CheckConstraint(condition=Q(result__gt=""), name="petition_follow_up_result"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.at:%Y-%m-%d}"
