"""The county's reads of its townships: the list, and who administers which."""

from __future__ import annotations

from platform_core.accounts.models import Membership, Role
from tenants.models import Township


def list_townships():
    return Township.objects.select_related("county").order_by("code")


def administered_counties(user) -> set[int] | None:
    """Ids of the counties ``user`` administers; None means every county.

    A superuser and a county administrator without a county (the platform operator's
    role) administer every county; anyone else only the counties of their county
    administrator memberships (an empty set: none).
    """
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    counties = set(
        Membership.objects.filter(user=user, role=Role.COUNTY_ADMIN).values_list(
            "county_id", flat=True
        )
    )
    return None if None in counties else counties


def administered_townships(user):
    """The townships ``user`` may act in as a county administrator."""
    counties = administered_counties(user)
    townships = list_townships()
    return townships if counties is None else townships.filter(county_id__in=sorted(counties))
