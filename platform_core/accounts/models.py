"""A person's role in a township (public schema; users are shared across townships)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
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
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    township = models.ForeignKey(
        "tenants.Township",
        on_delete=models.CASCADE,
        related_name="memberships",
        null=True,
        blank=True,
        help_text=_("Empty for county-wide roles."),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    village_code = models.CharField(_("village scope"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "township", "role", "village_code"], name="membership_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.township.code if self.township_id else "county"
        return f"{self.user} {self.role} @ {where}"
