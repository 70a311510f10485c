"""One GraphQL schema per set of enabled plugins, assembled on demand.

The township's Query and Mutation are the core roots plus the fields its enabled
plugins contribute (``township_graphql_fields``). Schemas are cached by what
they are made of — the plugins, their settings, the registry generation — so
enabling a plugin shows its fields on the next request, without a restart, and
townships with the same plugins share one schema object.
"""

from __future__ import annotations

import json
import logging
import threading

import graphene

from graphql_api.township.mutations import TownshipCoreMutation
from graphql_api.township.queries import TownshipCoreQuery
from platform_core.plugins.manager import hooks_for, registry
from platform_core.plugins.selectors import graphql_contributions

log = logging.getLogger("township.api")

_schemas: dict[tuple, graphene.Schema] = {}
_lock = threading.Lock()


def township_schema(township) -> graphene.Schema:
    """The schema ``township`` sees (cached)."""
    hooks = hooks_for(township)
    key = (
        registry().generation,
        tuple(sorted((k, json.dumps(v, sort_keys=True)) for k, v in hooks.enabled.items())),
    )
    schema = _schemas.get(key)
    if schema is None:
        with _lock:
            schema = _schemas.get(key)
            if schema is None:
                schema = _schemas[key] = build_schema(graphql_contributions(township))
    return schema


def build_schema(contributions) -> graphene.Schema:
    """Core roots plus plugin fields; a field clashing with one already there is left out."""
    query_fields: dict = {}
    mutation_fields: dict = {}
    types: list = []
    for key, contribution in contributions:
        _merge(query_fields, contribution.query_fields, TownshipCoreQuery, key, "query")
        _merge(mutation_fields, contribution.mutation_fields, TownshipCoreMutation, key, "mutation")
        types += list(contribution.types)
    query = type("Query", (TownshipCoreQuery,), dict(query_fields))
    mutation = type("Mutation", (TownshipCoreMutation,), dict(mutation_fields))
    return graphene.Schema(query=query, mutation=mutation, types=types or None)


def _merge(into: dict, fields: dict, core, plugin: str, root: str) -> None:
    for name, field in fields.items():
        if name in into or name in core._meta.fields:
            log.error("plugin %s: %s field %r clashes with an existing field", plugin, root, name)
            continue
        into[name] = field


def core_schema() -> graphene.Schema:
    """The township schema without any plugin (the snapshot's baseline)."""
    return build_schema([])


def builtin_contributions() -> list:
    """Every built-in plugin's contribution with its default settings (the snapshot's full set)."""
    from platform_core.plugins.types import GraphQLContribution

    reg = registry()
    found = []
    for key in sorted(reg.plugins):
        plugin = reg.plugins[key]
        module = getattr(plugin.plugin, "__name__", type(plugin.plugin).__module__)
        if not module.startswith("plugins.") or not reg.implements(key, "township_graphql_fields"):
            continue
        for answer in reg.call("township_graphql_fields", key, settings={}):
            if isinstance(answer, GraphQLContribution):
                found.append((key, answer))
    return found


def snapshots() -> dict[str, str]:
    """Printed schemas committed under graphql_api/schema/ (a test compares them)."""
    from graphql_api.county import county_schema

    return {
        "county.graphql": str(county_schema),
        "township.core.graphql": str(core_schema()),
        "township.all-plugins.graphql": str(build_schema(builtin_contributions())),
    }
