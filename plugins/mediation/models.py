"""Mediation requests from the dispute code and the steps of their mediation (township schema).

Users live in the public schema, so every person reference is a ``person_field``
without a database constraint plus a ``*_label`` that keeps the name readable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from township_integrity.models import Village, person_field


class Category(models.TextChoices):
    NEIGHBOURS = "neighbours", _("Neighbours")
    LAND = "land", _("Land")
    FAMILY = "family", _("Family")
    DEBTS = "debts", _("Debts")
    LABOUR = "labour", _("Labour")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    SETTLED = "settled", _("Agreement reached")
    REFERRED = "referred", _("Failed, referred elsewhere")
    CLOSED = "closed", _("Closed after follow-up")


class ReferredTo(models.TextChoices):
    COURT = "court", _("Court")
    PETITION_OFFICE = "petition_office", _("Petition office")
    POLICE = "police", _("Police")


class StepKind(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    SESSION = "session", _("Mediation session")
    SETTLED = "settled", _("Agreement reached")
    SCAN = "scan", _("Signed agreement uploaded")
    REFERRED = "referred", _("Referred elsewhere")
    FOLLOW_UP = "follow_up", _("Follow-up")


# A case in these statuses is finished: nothing of it changes any more.
FINISHED = (Status.REFERRED, Status.CLOSED)
# Still waiting for the station (the queue's default).
OPEN = (Status.REQUESTED, Status.ACCEPTED)


def scan_path(instance, filename: str) -> str:
    """Signed agreements are filed per township schema; the stored name is random."""
    import secrets

    from django.db import connection

    return f"mediation/{connection.schema_name}/{secrets.token_hex(16)}.{instance.scan_type}"


class Case(models.Model):
    receipt = models.CharField(_("receipt number"), max_length=16, unique=True)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    applicant_name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=11)
    other_party = models.CharField(_("other party"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    received_at = models.DateTimeField(_("received at"), db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("agreement reached at"), null=True, blank=True)
    agreement_text = models.TextField(_("agreement"), blank=True)
    agreement_scan = models.FileField(
        _("signed agreement"), upload_to=scan_path, max_length=200, blank=True
    )
    scan_type = models.CharField(_("scan type"), max_length=8, blank=True)
    referred_at = models.DateTimeField(_("referred at"), null=True, blank=True)
    referred_to = models.CharField(
        _("referred to"), max_length=16, choices=ReferredTo.choices, blank=True
    )
    follow_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    agreement_held = models.BooleanField(_("agreement held"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        indexes = [models.Index(fields=["village", "status"])]

    def __str__(self) -> str:
        return self.receipt

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class Step(models.Model):
    """One step of a case: who did what and when (append-only)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case")
    )
    kind = models.CharField(_("step"), max_length=16, choices=StepKind.choices)
    at = models.DateTimeField(_("recorded at"))
    on = models.DateField(_("date"), null=True, blank=True)
    by = person_field(verbose_name=_("by (account)"))
    by_label = models.CharField(_("by"), max_length=150)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("mediation step")
        verbose_name_plural = _("mediation steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind}"
