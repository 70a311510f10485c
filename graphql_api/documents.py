"""Parsed and validated documents, remembered by their text (issue 18).

Clients send the same few query documents over and over with different
variables; graphql-core parses and validates each one from scratch (its full
validation is a visitor over the whole document with every standard rule), which
measured 5–7 ms of a household-list request. So:

* ``parsed(query, max_tokens)`` keeps the parsed document per text and token
  budget. graphql-core never changes a document after parsing, so one document
  serves every request and thread.
* ``validated(schema, document, query, max_tokens, viewer)`` remembers only that a document
  passed validation against one schema object with the viewer-dependent rules of
  ``limits.document_rules`` (signed in or not, introspection allowed or not);
  those facts are the key. A document that fails is validated again on every
  request, so its errors are always fresh and whole. The cost rule is not in the
  key: it depends on the variables, and ``limits.precheck`` runs it first, on every
  request, before anything here.

Townships with other plugins have other schema objects (``assembly``), so a
document valid in one is validated again in the other. Roles inside a township
do not change validation: what a role sees is decided while resolving.

Both are ``functools.lru_cache`` (thread-safe, bounded); documents longer than
``CACHED_QUERY_BYTES`` are not kept, which bounds the memory (a parsed document
takes about 120 bytes per byte of query text).
"""

from __future__ import annotations

from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, validate

from graphql_api import limits
from graphql_api.parsing import CACHE_SIZE, CACHED_QUERY_BYTES, _parsed, parsed

__all__ = ["CACHE_SIZE", "CACHED_QUERY_BYTES", "clear", "parsed", "validated"]


def validated(
    schema: GraphQLSchema, document: DocumentNode, query: str, max_tokens: int, viewer
) -> list[GraphQLError]:
    """The validation errors of ``document`` (``query`` parsed with ``max_tokens``) for
    ``viewer``; [] when it is valid.

    A valid document is remembered per schema, text and the viewer's rule set;
    an invalid one is never remembered.
    """
    key = (viewer.is_authenticated, viewer.user is not None, limits.introspection_allowed())
    if len(query) > CACHED_QUERY_BYTES:
        return _errors(schema, document, *key)
    try:
        _valid(schema, query, max_tokens, *key)
    except _Invalid as invalid:
        return invalid.errors
    return []


class _Invalid(Exception):
    def __init__(self, errors: list[GraphQLError]):
        super().__init__(errors)
        self.errors = errors


@lru_cache(maxsize=CACHE_SIZE)
def _valid(
    schema: GraphQLSchema,
    query: str,
    max_tokens: int,
    signed_in: bool,
    has_user: bool,
    introspection: bool,
) -> bool:
    errors = _errors(schema, _parsed(query, max_tokens), signed_in, has_user, introspection)
    if errors:
        raise _Invalid(errors)  # not remembered
    return True


def _errors(schema, document, signed_in: bool, has_user: bool, introspection: bool) -> list:
    return validate(schema, document, limits.document_rules(signed_in, has_user, introspection))


def clear() -> None:
    """Forget every remembered document (tests)."""
    _parsed.cache_clear()
    _valid.cache_clear()
