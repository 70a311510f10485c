"""Parsed documents, remembered by their text (issue 18; see ``documents``).

A leaf: ``limits`` parses before it validates, and ``documents`` validates with
``limits``' rules, so parsing lives apart from both.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import DocumentNode, parse

#: Distinct documents kept (each of parse and validation).
CACHE_SIZE = 128
#: Longer documents are parsed and validated every time (about 0.5 MB parsed at this size).
CACHED_QUERY_BYTES = 4096


def parsed(query: str, max_tokens: int) -> DocumentNode:
    """``graphql.parse(query, max_tokens=…)``, remembered for short documents.

    Raises what ``parse`` raises (nothing is remembered then).
    """
    if len(query) > CACHED_QUERY_BYTES:
        return parse(query, max_tokens=max_tokens)
    return _parsed(query, max_tokens)


@lru_cache(maxsize=CACHE_SIZE)
def _parsed(query: str, max_tokens: int) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)
