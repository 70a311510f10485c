"""What a plugin needs to add GraphQL fields to a township's API.

Return a ``township_integrity.GraphQLContribution`` from ``township_graphql_fields``
with graphene fields built from these pieces, and the platform does the rest:
authentication, limits, structured errors, per-township schemas.

* ``viewer(info)`` — who is asking (``has(roles, village_code)``, ``villages(roles)``,
  ``household_codes``, ``institution_codes``, ``actor`` for services).
* ``require(info, roles, village_code=None)`` — the viewer, or a FORBIDDEN error;
  ``require_somewhere(info, roles)`` admits a role held for any one village.
* ``parse_month(value, field)`` — ``YYYY-MM`` to a date, or BAD_INPUT naming the field.
* ``row_by_id(info, TypeClass, global_id, field)`` — a row the viewer may see, by global
  ID, or an ``InputError`` (NOT_FOUND) naming the argument.
* ``TownshipNode`` — the Relay node interface (global IDs name the township).
* ``PageField`` / ``CountedConnection`` — Relay connections with the page-size limit.
* ``PlatformMutation`` — subclass it, write ``perform(cls, info, **arguments) -> dict``;
  refusals (``PlatformError``, ``ValidationError``, ``InputError``) become ``errors``.
* ``InputError(field, code, message)`` — bad input naming the argument.
* ``visible_households(viewer)`` — a ``Q`` of the households the viewer may see;
  ``prefixed(q, "household")`` applies it through a foreign key.
"""

from graphql_api.core import (
    CountedConnection,
    PageField,
    TownshipNode,
    decode_id,
    parse_month,
    require,
    require_somewhere,
    row_by_id,
    viewer,
)
from graphql_api.errors import BAD_INPUT, NOT_FOUND, REFUSED, ApiError, FieldError
from graphql_api.township.mutations import InputError, PlatformMutation
from graphql_api.township.types import EntryType, HouseholdType, TierEnum
from platform_core.households.selectors import prefixed, visible_households

__all__ = [
    "BAD_INPUT",
    "NOT_FOUND",
    "REFUSED",
    "ApiError",
    "CountedConnection",
    "EntryType",
    "FieldError",
    "HouseholdType",
    "InputError",
    "PageField",
    "PlatformMutation",
    "TierEnum",
    "TownshipNode",
    "decode_id",
    "parse_month",
    "prefixed",
    "require",
    "require_somewhere",
    "row_by_id",
    "viewer",
    "visible_households",
]
