"""Who may do what in a township: the one permission model.

A person's ``Access`` in a township is loaded in one query: their memberships
there, plus the county administrator memberships that count there (superusers and
county administrators hold every role "everywhere"). An API token narrows it by
one rule, ``narrowed``: only the token's role, only its village, and "everywhere"
survives only a county token (being a superuser or a county administrator is no
role in a township: separation of duties).

Everyone asks this module: ``Viewer`` (the API, the workbench, the admin) holds an
``Access`` built once per request; ``require_role`` and the other service checks
build one from the ``Actor`` they are given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils.translation import gettext as _

from platform_core.accounts.models import Membership, Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed

#: Roles that work in a township's admin pages (and register a plugin's records).
ADMIN_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE, Role.COUNCIL_MEMBER)
#: The joint review (联评联审): the harmony council and the village committees.
REVIEWER_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE, Role.COUNCIL_MEMBER)
#: Staff of a village: they record entries and see its households (and may file an
#: objection on a household's behalf).
STAFF_ROLES = (
    Role.TOWNSHIP_ADMIN,
    Role.VILLAGE_COMMITTEE,
    Role.COUNCIL_MEMBER,
    Role.GRID_WORKER,
    Role.PARTY_MEMBER,
    Role.GROUP_LEADER,
)


@dataclass(frozen=True)
class Scope:
    """One usable role: where it applies, and whom it speaks for."""

    role: str
    village_code: str = ""  # "" = every village
    household_code: str = ""
    alliance_member_code: str = ""


@dataclass(frozen=True)
class Access:
    """The roles a person may use in one township; every check is made in memory."""

    scopes: tuple[Scope, ...] = ()
    everywhere: bool = False  # county administrators and superusers

    def holds(
        self, roles: Iterable[str], village_code: str | None = None, institution: str | None = None
    ) -> bool:
        """Holds one of ``roles`` for ``village_code`` (None: township-wide).

        With ``institution`` (an alliance member's code) the alliance member role
        counts only for the clerk of that institution.
        """
        if self.everywhere:
            return True
        roles = set(roles)
        return any(
            s.role in roles
            and (not s.village_code or s.village_code == village_code)
            and (
                institution is None
                or s.role != Role.ALLIANCE_MEMBER
                or s.alliance_member_code == institution
            )
            for s in self.scopes
        )

    def holds_somewhere(self, roles: Iterable[str]) -> bool:
        """Holds one of ``roles`` in at least one village (or everywhere)."""
        roles = set(roles)
        return self.everywhere or any(s.role in roles for s in self.scopes)

    def villages(self, roles: Iterable[str]) -> set[str] | None:
        """Village codes where one of ``roles`` applies; None means every village."""
        if self.everywhere:
            return None
        roles = set(roles)
        found = set()
        for s in self.scopes:
            if s.role in roles:
                if not s.village_code:
                    return None
                found.add(s.village_code)
        return found

    @property
    def is_staff(self) -> bool:
        return self.everywhere or any(s.role in STAFF_ROLES for s in self.scopes)

    @property
    def household_codes(self) -> set[str]:
        """Households this person speaks for (the household role)."""
        return {s.household_code for s in self.scopes if s.role == Role.HOUSEHOLD}

    @property
    def institution_codes(self) -> set[str]:
        """Alliance institutions this person works for (the alliance member role)."""
        return {s.alliance_member_code for s in self.scopes if s.role == Role.ALLIANCE_MEMBER}

    def speaks_for(self, household_code: str) -> bool:
        """Holds the household role for that very household (never "everywhere")."""
        return household_code in self.household_codes


NOBODY = Access()


_SCOPE_FIELDS = ("role", "village_code", "household_code", "alliance_member_code")


def _memberships_here(township) -> Q:
    """The memberships that count in ``township`` (None: the county site)."""
    return county_roles(township) | (Q(township=township) if township else Q(pk=None))


def access_in(user, township) -> Access:
    """``user``'s access in ``township`` (None: the county site), in one query."""
    if user is None or not user.is_authenticated:
        return NOBODY
    rows = Membership.objects.filter(_memberships_here(township), user=user).values_list(
        *_SCOPE_FIELDS
    )
    return access_from(user, rows)


def scopes_sql(township, user_column: str) -> tuple[str, list]:
    """``access_in``'s memberships as an SQL expression for another statement: an array
    of (role, village, household, institution) rows of the user in ``user_column``;
    read it with ``access_from``. The API token's lookup carries its person's roles this
    way. Written out, as ``_memberships_here`` and ``county_roles`` say (the ORM took
    longer to build the statement than PostgreSQL to run it); tests hold the two equal.
    """
    county_admin = "m.role = %s"
    params: list = [Role.COUNTY_ADMIN]
    if township is None:
        here = county_admin
    else:
        county = f"{county_admin} AND (m.county_id IS NULL OR m.county_id = %s)"
        here = f"({county}) OR m.township_id = %s"
        params += [township.county_id, township.pk]
    columns = ", ".join(f"m.{name}" for name in _SCOPE_FIELDS)
    table = Membership._meta.db_table
    sql = (
        f"ARRAY(SELECT ARRAY[{columns}] FROM {table} m "
        f"WHERE m.user_id = {user_column} AND ({here}) ORDER BY m.id)"
    )
    return sql, params


def access_from(user, rows: Iterable) -> Access:
    """The Access of ``user`` from their memberships that count here: rows in
    ``_SCOPE_FIELDS`` order (``access_in``'s, or ``scopes_sql``'s column)."""
    if user is None or not user.is_authenticated:
        return NOBODY
    scopes = tuple(Scope(*row) for row in rows)
    everywhere = user.is_superuser or any(s.role == Role.COUNTY_ADMIN for s in scopes)
    return Access(scopes, everywhere)


def narrowed(access: Access, roles: Iterable[str], village_code: str = "") -> Access:
    """``access`` as an API token of ``roles`` (and ``village_code``) carries it: the rule.

    Only memberships of the token's role count, only for its village (a membership
    of every village becomes one of the token's village); "everywhere" survives only
    a county token. A superuser's token carries only memberships they hold.
    """
    roles = set(roles)
    scopes = tuple(
        replace(s, village_code=village_code or s.village_code)
        for s in access.scopes
        if s.role in roles and (not village_code or s.village_code in ("", village_code))
    )
    return Access(scopes, access.everywhere and Role.COUNTY_ADMIN in roles)


def actor_access(actor: Actor, township) -> Access:
    """What ``actor`` may do in ``township``: their access, narrowed by their token if any.

    An actor without a user (a plugin, the operator of a command) holds nothing here;
    services that let them through say so themselves.
    """
    if actor.user is None or getattr(township, "pk", None) is None:
        return NOBODY
    found = access_in(actor.user, township)
    if actor.roles is not None:
        found = narrowed(found, actor.roles, actor.village_code)
    return found


def require_held(
    actor: Actor,
    township,
    roles: Iterable[str],
    *,
    what: str,
    village_code: str | None = None,
    institution: str | None = None,
) -> None:
    """Refuse (NotAllowed) a person without one of ``roles`` in ``township`` (and village).

    The check every service makes, by the one rule: through an API token only the
    token's role (and village) counts. An actor without a user is the operator of a
    command (shell access to the platform) and is not checked.
    """
    if actor.user is None:
        return
    if not actor_access(actor, township).holds(roles, village_code, institution):
        where = getattr(township, "name", None) or _("this township")
        raise NotAllowed(
            _("%(who)s may not %(what)s in %(where)s")
            % {"who": actor.label, "what": what, "where": where}
        )


def require_county_administrator(actor: Actor, township, *, what: str) -> None:
    """Refuse a person who does not act for ``township``'s county (NotAllowed).

    A county administrator of its county, a county-wide one or a superuser passes
    (through an API token, only a county token); a county administrator of another
    county, or anyone else, is refused. An actor without a user is the operator of
    a command and is not checked.
    """
    if actor.user is None:
        return
    if not actor_access(actor, township).everywhere:
        raise NotAllowed(
            _("%(who)s may not %(what)s in %(where)s")
            % {"who": actor.label, "what": what, "where": township.name}
        )


def county_roles(township) -> Q:
    """County administrator memberships that count in ``township`` (None: the county site):
    those of its county, and county-wide ones (no county)."""
    county_role = Q(role=Role.COUNTY_ADMIN)
    if township is None:
        return county_role
    return county_role & (Q(county__isnull=True) | Q(county_id=township.county_id))
