"""Reads of memberships: who holds which role where."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from platform_core.accounts.access import (
    ADMIN_ROLES,
    REVIEWER_ROLES,
    STAFF_ROLES,
    access_in,
    narrowed,
)
from platform_core.accounts.models import Membership

__all__ = [
    "ADMIN_ROLES",
    "REVIEWER_ROLES",
    "STAFF_ROLES",
    "has_role",
    "holds_membership",
    "speaks_for",
    "staff_of",
]


def has_role(
    user,
    township,
    roles: Iterable[str],
    village_code: str | None = None,
    institution: str | None = None,
) -> bool:
    """Whether ``user`` holds one of ``roles`` in ``township`` (for ``village_code``, if given).

    The rule is ``access.Access.holds``: a membership without a village scope covers
    every village; superusers hold every role everywhere, county administrators in
    their county's townships; with ``institution`` the alliance member role counts
    only for that institution's clerk.
    """
    if township is None:
        return False
    return access_in(user, township).holds(roles, village_code, institution)


def holds_membership(
    user,
    township,
    roles: Iterable[str],
    village_code: str | None = None,
    institution: str | None = None,
) -> bool:
    """Like ``has_role``, but only a membership of ``township`` itself counts.

    What an API token of ``roles`` may carry (``access.narrowed``): being a superuser
    or a county administrator is no role in a township, so it never stands in for
    one (separation of duties).
    """
    if township is None:
        return False
    roles = tuple(roles)
    return narrowed(access_in(user, township), roles).holds(roles, village_code, institution)


def speaks_for(user, township, household_code: str) -> bool:
    """Whether ``user`` holds the household role for that very household."""
    if township is None:
        return False
    return access_in(user, township).speaks_for(household_code)


def staff_of(township, query: str = "", *, never_signed_in: bool = False):
    """People holding a role in ``township``, with those roles prefetched, by username.

    ``query`` matches the username, e-mail or name, or a role's code, village,
    household or institution exactly. ``never_signed_in``: active accounts that have
    not signed in yet (the home page's count of invited people uses the same query).
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Prefetch

    here = Membership.objects.filter(township=township).order_by("role", "village_code", "pk")
    people = get_user_model().objects.filter(
        pk__in=Membership.objects.filter(township=township).values("user_id")
    )
    query = (query or "").strip()
    if query:
        matching_roles = Membership.objects.filter(township=township).filter(
            Q(role=query)
            | Q(village_code=query)
            | Q(household_code=query)
            | Q(alliance_member_code=query)
        )
        people = people.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(pk__in=matching_roles.values("user_id"))
        )
    if never_signed_in:
        people = people.filter(last_login__isnull=True, is_active=True)
    return people.prefetch_related(Prefetch("memberships", here, "roles_here")).order_by("username")
