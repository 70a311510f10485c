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

    A membership without a village scope covers every village; county
    administrators and superusers hold every role everywhere. With ``institution``
    (an alliance member's code) the alliance member role counts only for the
    clerk of that institution.
    """
    if user is None or not user.is_authenticated or township is None:
        return False
    if user.is_superuser:
        return True
    here = _membership_q(township, roles, village_code, institution)
    return Membership.objects.filter(Q(role=Role.COUNTY_ADMIN) | here, user=user).exists()


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
