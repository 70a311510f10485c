"""Who is asking, in one township: the roles a request may use, loaded once.

Adapters (GraphQL, pages) build a ``Viewer`` per request from the signed-in
user's memberships, or from an API token, which narrows them to the token's one
role (and village). The rules are ``platform_core.accounts.access``'s, the same
ones services apply to an ``Actor``; every visibility decision is made in memory,
so a page of a hundred households costs no extra permission queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from platform_core.accounts.access import (
    NOBODY,
    Access,
    Scope,
    access_in,
    county_roles,
    narrowed,
)
from platform_core.accounts.models import ApiToken
from platform_core.actors import Actor

__all__ = ["Scope", "Viewer", "county_roles", "viewer_of"]


@dataclass(frozen=True)
class Viewer:
    """Who asks (a page, an API call) in one township, and the roles they may use there.

    Ask ``has``/``villages``; hand ``actor`` to the services.
    """

    user: object | None
    township: object | None
    access: Access = NOBODY
    token: ApiToken | None = field(default=None, compare=False)

    @classmethod
    def anonymous(cls, township=None) -> Viewer:
        """Nobody signed in (in ``township``, or the county): holds no role."""
        return cls(user=None, township=township)

    @classmethod
    def of(
        cls, user, township, token: ApiToken | None = None, access: Access | None = None
    ) -> Viewer:
        """The viewer for ``user`` in ``township`` (None: the county), narrowed by ``token``.

        ``access``: ``user``'s access there when already read (``access_in``'s answer,
        not yet narrowed), e.g. with the token (``access.scopes_subquery``).
        """
        if user is None or not user.is_authenticated:
            return cls.anonymous(township)
        if access is None:
            access = access_in(user, township)
        if token is not None:
            access = narrowed(access, (token.role,), token.village_code)
        return cls(user, township, access, token)

    @property
    def scopes(self) -> tuple[Scope, ...]:
        """The roles usable here, each with its village and whom it speaks for."""
        return self.access.scopes

    @property
    def everywhere(self) -> bool:
        """A county administrator or superuser (not through a township token)."""
        return self.access.everywhere

    @property
    def is_authenticated(self) -> bool:
        """Signed in and holding some role here (or everywhere)."""
        return self.user is not None and (self.everywhere or bool(self.scopes))

    def has(
        self, roles: Iterable[str], village_code: str | None = None, institution: str | None = None
    ) -> bool:
        """Holds one of ``roles`` (for ``village_code``, when given; see ``Access.holds``)."""
        return self.access.holds(roles, village_code, institution)

    def has_somewhere(self, roles: Iterable[str]) -> bool:
        """Holds one of ``roles`` in at least one village (or everywhere)."""
        return self.access.holds_somewhere(roles)

    def villages(self, roles: Iterable[str]) -> set[str] | None:
        """Village codes where one of ``roles`` applies; None means every village."""
        return self.access.villages(roles)

    @property
    def is_staff(self) -> bool:
        """Holds a staff role here, for some village or township-wide (or everywhere)."""
        return self.access.is_staff

    @property
    def household_codes(self) -> set[str]:
        """Households this viewer speaks for (the household role)."""
        return self.access.household_codes

    @property
    def institution_codes(self) -> set[str]:
        """Alliance institutions this viewer works for (the alliance member role)."""
        return self.access.institution_codes

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
