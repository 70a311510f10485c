"""Notices of approved deductions: to whom, how, when, with what text, and the answer window;
and notices to staff (an overdue case, an early warning: ``StaffNotice``).

One notice per entry and channel (a retry never sends twice); one staff notice per
key, person and channel. The address is kept as it was used; listings show it masked
(``platform_core.notices.selectors.masked``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from platform_core.households.models import Household
from platform_core.scoring.models import ScoreEvent


class Notice(models.Model):
    """The household was told of a deduction (or could not be reached, and why)."""

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Printed letter, handed over")
        NONE = "none", _("No phone or e-mail on file")

    class Status(models.TextChoices):
        PENDING = "pending", _("To be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    entry = models.ForeignKey(
        ScoreEvent, on_delete=models.PROTECT, related_name="notices", verbose_name=_("deduction")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="notices", verbose_name=_("household")
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("sent to"), max_length=254, blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    reference = models.CharField(_("gateway reference"), max_length=128, blank=True)
    error = models.CharField(_("why it failed"), max_length=500, blank=True)
    notified_on = models.DateField(_("notice day"))
    # The last day of the response window (the day before the deduction counts);
    # empty: it counts at once (immediate rule, or no response period).
    response_due = models.DateField(_("answer by"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by_label = models.CharField(_("sent for"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "channel"], name="notice_one_per_channel"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="notice_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"notice {self.pk} of entry {self.entry_id} ({self.channel}, {self.status})"


class StaffNotice(models.Model):
    """A message to a staff member of the township (``notify_staff``), sent once.

    ``key`` names what it is about (``petition-overdue-42``): asking again with the
    same key sends nothing new to the same person on the same channel.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    Status = Notice.Status

    key = models.CharField(_("about"), max_length=200)
    # People live in the public schema: no database constraint, nothing deleted here.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("recipient (account)"),
    )
    person_label = models.CharField(_("recipient"), max_length=150)
    village_code = models.CharField(_("village"), max_length=32, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(_("sent to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=8, choices=Notice.Status.choices, default=Notice.Status.PENDING
    )
    reference = models.CharField(_("gateway reference"), max_length=128, blank=True)
    error = models.CharField(_("why it failed"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by_label = models.CharField(_("sent for"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff notice")
        verbose_name_plural = _("staff notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "person", "channel"], name="staff_notice_once_per_channel"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="staff_notice_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"staff notice {self.pk} {self.key} ({self.channel}, {self.status})"
