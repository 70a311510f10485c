"""What a plugin needs to add GraphQL fields to a township's API.

Return a ``township_integrity.GraphQLContribution`` from ``township_graphql_fields``
with graphene fields built from these pieces, and the platform does the rest:
authentication, limits, structured errors, per-township schemas.

* ``viewer(info)`` — who is asking (``has(roles, village_code)``, ``villages(roles)``,
  ``household_codes``, ``institution_codes``, ``actor`` for services).
* ``require(info, roles, village_code=None)`` — the viewer, or a FORBIDDEN error;
  ``require_somewhere(info, roles)`` admits a role held for any one village.
* ``parse_month(value, field)`` — ``YYYY-MM`` to a date, or BAD_INPUT naming the field.
* ``row_by_id(info, TypeClass, global_id, field, missing="")`` — a row the viewer may
  see, by global ID, or an ``InputError`` (NOT_FOUND) naming the argument (its message
  ``missing``, with ``%(id)s``, when given).
* ``household_by_code(info, code, field="householdCode", everyone=False)`` — the
  household with that code the viewer may see (``everyone=True``: any household of
  the township, for a clerk serving it at a counter), or NOT_FOUND naming ``field``
  (a query-level error when ``field`` is None).
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
from graphql_api.errors import BAD_INPUT, NOT_FOUND, REFUSED, ApiError, FieldError, InputError
from graphql_api.mutations import PlatformMutation
from graphql_api.township.types import EntryType, HouseholdType, TierEnum
from platform_core.households.selectors import prefixed, visible_households


def household_by_code(
    info, code: str, field: str | None = "householdCode", *, everyone: bool = False
):
    """The household ``code`` the viewer may see, or NOT_FOUND naming ``field``.

    Hidden and missing households read alike, so nobody learns which codes exist
    outside their villages. ``everyone=True`` looks in the whole township (a bank or
    shop clerk serving a household at the counter needs no list of households).
    """
    from django.utils.translation import gettext as _

    from platform_core.households.models import Household

    households = Household.objects.select_related("village", "grid")
    if not everyone:
        households = households.filter(visible_households(viewer(info)))
    household = households.filter(code=code).first()
    if household is None:
        message = _("No household %(code)s.") % {"code": code}
        raise InputError(field, NOT_FOUND, message) if field else ApiError(NOT_FOUND, message)
    return household


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
    "household_by_code",
    "parse_month",
    "prefixed",
    "require",
    "require_somewhere",
    "row_by_id",
    "viewer",
    "visible_households",
]
