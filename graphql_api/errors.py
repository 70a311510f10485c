"""Structured errors: a code, a message in the request's language, and the field path.

Resolvers raise ``ApiError`` (or a service's ``PlatformError``); anything else is
a bug: it is logged with the request id and answered with a generic message, so
no stack trace or foreign data ever reaches the client. Mutations report bad
input as ``errors`` in their payload (``FieldError``), one per field.
"""

from __future__ import annotations

import logging

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from graphql import GraphQLError

from platform_core.errors import NotAllowed, NotFound, PlatformError

log = logging.getLogger("township.api")

# Codes a client can rely on (documented in docs/api.md).
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
#: Nothing by that ID or code the caller may see (hidden and missing read alike).
NOT_FOUND = "NOT_FOUND"
#: Malformed input (an ID of the wrong type, a bad month or value): the caller fixes it.
BAD_INPUT = "BAD_INPUT"
#: A business rule refused the operation (a ``PlatformError``); the message says why.
REFUSED = "REFUSED"
QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
PAGE_TOO_LARGE = "PAGE_TOO_LARGE"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
INVALID_QUERY = "INVALID_QUERY"
INTERNAL = "INTERNAL_ERROR"
CODES = frozenset(
    {
        UNAUTHENTICATED,
        FORBIDDEN,
        NOT_FOUND,
        BAD_INPUT,
        REFUSED,
        QUERY_TOO_DEEP,
        QUERY_TOO_COMPLEX,
        QUERY_TOO_LARGE,
        PAGE_TOO_LARGE,
        INTROSPECTION_DISABLED,
        INVALID_QUERY,
        INTERNAL,
    }
)

_PLATFORM_CODES = {NotAllowed: FORBIDDEN, NotFound: NOT_FOUND}


class ApiError(Exception):
    """A refusal of the API layer; ``message`` is already in the request's language."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class InputError(ApiError):
    """Bad input naming the field it is about (a mutation reports it in its ``errors``)."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(code, message)
        self.field = field


def forbidden(what: str | None = None) -> ApiError:
    return ApiError(FORBIDDEN, what or _("You may not see or do this."))


def not_found(what: str) -> ApiError:
    return ApiError(NOT_FOUND, _("%(what)s was not found.") % {"what": what})


def unauthenticated() -> ApiError:
    return ApiError(UNAUTHENTICATED, _("Sign in or send an API token for this township."))


class FieldError(graphene.ObjectType):
    """One problem with a mutation's input (``field`` is null for the whole input)."""

    field = graphene.String(description="Input field the problem is about (camelCase).")
    code = graphene.String(required=True)
    message = graphene.String(required=True)


def field_errors(error: Exception, field: str | None = None) -> list[FieldError]:
    """A refused input as payload errors: Django validation errors keep their fields."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return [
            FieldError(field=_camel(name), code=BAD_INPUT, message=" ".join(messages))
            for name, messages in error.message_dict.items()
        ]
    if isinstance(error, ValidationError):
        return [FieldError(field=field, code=BAD_INPUT, message=" ".join(error.messages))]
    code = _PLATFORM_CODES.get(type(error), REFUSED)
    if isinstance(error, ApiError):
        code = error.code
    named = getattr(error, "field", "") or None  # a service naming its argument
    return [FieldError(field=field or (named and _camel(named)), code=code, message=str(error))]


def format_error(error: Exception) -> dict:
    """The JSON of one error: message, locations, path and ``extensions.code``."""
    if not isinstance(error, GraphQLError):
        error = GraphQLError(str(error), original_error=error)
    original = error.original_error
    formatted = error.formatted
    if original is None:
        code = getattr(error, "code", None) or (error.extensions or {}).get("code")
        formatted["extensions"] = {"code": code or INVALID_QUERY}
        return formatted
    if isinstance(original, ApiError):
        code, message = original.code, str(original)
    elif isinstance(original, PlatformError):
        code = _PLATFORM_CODES.get(type(original), REFUSED)
        message = str(original)
    elif error.path is None:  # before execution: a variable that does not fit its type
        code, message = BAD_INPUT, error.message
    else:
        log.error("API resolver failed", exc_info=original)
        code, message = INTERNAL, _("Something went wrong on our side; it has been logged.")
    formatted["message"] = message
    formatted["extensions"] = {"code": code}
    return formatted


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
