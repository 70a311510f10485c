"""Cache keys that carry the current schema, so townships never share a cached value.

Set as ``CACHES[...]["KEY_FUNCTION"]``: every key, including those of
``cache_page`` and template fragment caching, is prefixed with the schema
the connection is routed to when the key is made.
"""

from __future__ import annotations

from django.db import connection


def make_key(key: str, key_prefix: str, version: int) -> str:
    schema = getattr(connection, "schema_name", None) or "public"
    return f"{schema}:{key_prefix}:{version}:{key}"
