"""A person's role in a township (public schema; users are shared across townships)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles a person may hold in a township, for one village or township-wide."""

    COUNTY_ADMIN = "county_admin", _("County administrator")
    TOWNSHIP_ADMIN = "township_admin", _("Township administrator")
    VILLAGE_COMMITTEE = "village_committee", _("Village committee")
    COUNCIL_MEMBER = "council_member", _("Harmony council member")
    PARTY_MEMBER = "party_member", _("Party-member evaluator")
    GROUP_LEADER = "group_leader", _("Group-leader evaluator")
    GRID_WORKER = "grid_worker", _("Grid worker")
    ALLIANCE_MEMBER = "alliance_member", _("Alliance member")
    HOUSEHOLD = "household", _("Household")


class Membership(models.Model):
    """Grants ``user`` a ``role`` in ``township``, optionally limited to one village."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    township = models.ForeignKey(
        "tenants.Township",
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
        help_text=_("Empty for county-wide roles."),
        verbose_name=_("township"),
    )
    # A county administrator's county: they act in its townships only. Empty on a
    # county role means every county (the platform operator's; see docs/operations.md).
    county = models.ForeignKey(
        "tenants.County",
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
        help_text=_("For the county administrator role: the county administered."),
        verbose_name=_("county"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    village_code = models.CharField(_("village scope"), max_length=32, blank=True)
    household_code = models.CharField(
        _("household"),
        max_length=32,
        blank=True,
        help_text=_("For the household role: the code of the household this person speaks for."),
    )
    alliance_member_code = models.CharField(
        _("alliance institution"),
        max_length=32,
        blank=True,
        help_text=_("For the alliance member role: the code of the bank, shop or firm."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "user",
                    "township",
                    "role",
                    "village_code",
                    "household_code",
                    "alliance_member_code",
                ],
                name="membership_unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="household") | ~models.Q(household_code=""),
                name="membership_household_named",
                violation_error_message=_("A household membership names its household."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role="alliance_member") | ~models.Q(alliance_member_code=""),
                name="membership_institution_named",
                violation_error_message=_("An alliance membership names its institution."),
            ),
        ]

    def __str__(self) -> str:
        where = self.township.code if self.township_id else f"county {self.county_id or '*'}"
        return f"{self.user} {self.role} @ {where}"


class ApiToken(models.Model):
    """A machine client's credential: one township, one role (and village), revocable.

    Only a SHA-256 digest of the token is stored; the token itself is shown once,
    when it is issued. A token never holds more than its user's membership: when
    the membership goes, the token stops working.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    township = models.ForeignKey(
        "tenants.Township",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        null=True,
        blank=True,
        help_text=_("Empty for a county token."),
        verbose_name=_("township"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    village_code = models.CharField(_("village scope"), max_length=32, blank=True)
    label = models.CharField(_("label"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by_label = models.CharField(_("created by"), max_length=150)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.label}"


# --- The action log (django-pghistory) ----------------------------------------
# The action log of memberships (public schema): who granted or revoked which role.
#
# Filled by PostgreSQL triggers (django-pghistory; see the end of scoring/models.py).

MembershipEvent = pghistory.create_event_model(
    Membership,
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="MembershipEvent",
    abstract=False,
    meta={
        "verbose_name": _("action log: memberships"),
        "verbose_name_plural": _("action log: memberships"),
        "ordering": ["-pgh_id"],
    },
)
