"""Reads of memberships: who holds which role where."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from platform_core.accounts.models import Membership, Role

# Roles that work in a township's admin pages.
ADMIN_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE, Role.COUNCIL_MEMBER)
# The joint review (联评联审): the harmony council and the village committees.
REVIEWER_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE, Role.COUNCIL_MEMBER)
# Staff who may file an objection on a household's behalf.
STAFF_ROLES = (
    Role.TOWNSHIP_ADMIN,
    Role.VILLAGE_COMMITTEE,
    Role.COUNCIL_MEMBER,
    Role.GRID_WORKER,
    Role.PARTY_MEMBER,
    Role.GROUP_LEADER,
)


def has_role(
    user,
    township,
    roles: Iterable[str],
    village_code: str | None = None,
    institution: str | None = None,
) -> bool:
    """Whether ``user`` holds one of ``roles`` in ``township`` (for ``village_code``, if given).

    A membership without a village scope covers every village; superusers hold
    every role everywhere, county administrators in their county's townships. With ``institution``
    (an alliance member's code) the alliance member role counts only for the
    clerk of that institution.
    """
    if user is None or not user.is_authenticated or township is None:
        return False
    if user.is_superuser:
        return True
    from platform_core.accounts.viewer import county_roles

    here = _membership_q(township, roles, village_code, institution)
    return Membership.objects.filter(county_roles(township) | here, user=user).exists()


def holds_membership(
    user,
    township,
    roles: Iterable[str],
    village_code: str | None = None,
    institution: str | None = None,
) -> bool:
    """Like ``has_role``, but only a membership of ``township`` itself counts.

    What an API token may carry: being a superuser or a county administrator is no
    role in a township, so it never stands in for one (separation of duties).
    """
    if user is None or not user.is_authenticated or township is None:
        return False
    here = _membership_q(township, roles, village_code, institution)
    return Membership.objects.filter(here, user=user).exists()


def _membership_q(township, roles: Iterable[str], village_code: str | None, institution) -> Q:
    """Memberships of ``township`` giving one of ``roles`` (for the village, the institution)."""
    roles = set(roles)
    scoped = Q(village_code="")
    if village_code:
        scoped |= Q(village_code=village_code)
    held = Q(role__in=sorted(roles - {Role.ALLIANCE_MEMBER}))
    if Role.ALLIANCE_MEMBER in roles:
        clerk = Q(role=Role.ALLIANCE_MEMBER)
        if institution is not None:
            clerk &= Q(alliance_member_code=institution)
        held |= clerk
    return Q(township=township) & held & scoped


def speaks_for(user, township, household_code: str) -> bool:
    """Whether ``user`` holds the household role for that very household."""
    if user is None or not user.is_authenticated or township is None:
        return False
    return Membership.objects.filter(
        user=user, township=township, role=Role.HOUSEHOLD, household_code=household_code
    ).exists()


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
