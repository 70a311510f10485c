"""Who is asking, in one township: the roles a request may use, loaded once.

Adapters (GraphQL, pages) build a ``Viewer`` per request from the signed-in
user's memberships, or from an API token, which narrows them to the token's one
role (and village). Every visibility decision is then made in memory, so a page
of a hundred households costs no extra permission queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Q

from platform_core.accounts.models import ApiToken, Membership, Role
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.actors import Actor


@dataclass(frozen=True)
class Scope:
    """One usable role: where it applies, and whom it speaks for."""

    role: str
    village_code: str = ""  # "" = every village
    household_code: str = ""
    alliance_member_code: str = ""


@dataclass(frozen=True)
class Viewer:
    user: object | None
    township: object | None
    scopes: tuple[Scope, ...] = ()
    everywhere: bool = False  # county administrators and superusers
    token: ApiToken | None = field(default=None, compare=False)

    @classmethod
    def anonymous(cls, township=None) -> Viewer:
        return cls(user=None, township=township)

    @classmethod
    def of(cls, user, township, token: ApiToken | None = None) -> Viewer:
        """The viewer for ``user`` in ``township`` (None: the county), narrowed by ``token``."""
        if user is None or not user.is_authenticated:
            return cls.anonymous(township)
        here = county_roles(township) | (Q(township=township) if township else Q(pk=None))
        scopes = [
            Scope(m.role, m.village_code, m.household_code, m.alliance_member_code)
            for m in Membership.objects.filter(here, user=user).only(
                "role", "village_code", "household_code", "alliance_member_code"
            )
        ]
        everywhere = user.is_superuser or any(s.role == Role.COUNTY_ADMIN for s in scopes)
        if token is not None:
            everywhere = everywhere and token.role == Role.COUNTY_ADMIN
            scopes = [
                replace(s, village_code=token.village_code or s.village_code)
                for s in scopes
                if _token_allows(token, s)
            ]
            # Nothing else: a superuser's token carries only memberships they hold here.
        return cls(user, township, tuple(scopes), everywhere, token)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and (self.everywhere or bool(self.scopes))

    def has(self, roles: Iterable[str], village_code: str | None = None) -> bool:
        """Holds one of ``roles`` (for ``village_code``, when given)."""
        if self.everywhere:
            return True
        roles = set(roles)
        return any(
            s.role in roles and (not s.village_code or s.village_code == village_code)
            for s in self.scopes
        )

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
        """Households this viewer speaks for (the household role)."""
        return {s.household_code for s in self.scopes if s.role == Role.HOUSEHOLD}

    @property
    def institution_codes(self) -> set[str]:
        """Alliance institutions this viewer works for (the alliance member role)."""
        return {s.alliance_member_code for s in self.scopes if s.role == Role.ALLIANCE_MEMBER}

    @property
    def actor(self) -> Actor:
        """The Actor services see; a token's actor may use only the token's role."""
        if self.user is None:
            return Actor(label="anonymous")
        if self.token is None:
            return Actor.of(self.user)
        token = self.token
        return Actor.through_token(self.user, token.prefix, token.role, token.village_code)


def viewer_of(request) -> Viewer:
    """The request's Viewer in its township, built once per request (and per signed-in user)."""
    user = request.user
    township = getattr(request, "township", None)
    cached = getattr(request, "viewer", None)
    user_pk = user.pk if user.is_authenticated else None
    if (
        cached is None
        or getattr(cached.user, "pk", None) != user_pk
        or cached.township is not township
    ):
        cached = request.viewer = Viewer.of(user, township)
    return cached


def county_roles(township) -> Q:
    """County administrator memberships that count in ``township`` (None: the county site):
    those of its county, and county-wide ones (no county)."""
    county_role = Q(role=Role.COUNTY_ADMIN)
    if township is None:
        return county_role
    return county_role & (Q(county__isnull=True) | Q(county_id=township.county_id))


def _token_allows(token: ApiToken, scope: Scope) -> bool:
    if scope.role != token.role:
        return False
    return not token.village_code or scope.village_code in ("", token.village_code)
