"""Reads of memberships."""

from __future__ import annotations

from django.db.models import Q

from platform_core.accounts.models import Membership, Role


def is_member(user, township) -> bool:
    """Whether ``user`` holds a role in ``township`` (county administrators hold all)."""
    if not user.is_authenticated or township is None:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(
        Q(township=township) | Q(role=Role.COUNTY_ADMIN), user=user
    ).exists()
