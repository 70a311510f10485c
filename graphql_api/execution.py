"""graphql-core's executor with a shortcut for plain leaf fields (issue 18).

A page of 50 households with their last three entries is about a thousand field
executions; graphql-core spends about 10 µs on each (a ``Path``, a
``GraphQLResolveInfo``, argument coercion, two awaitable checks, the completion
dispatch), which measured as much as all of the request's SQL. Most of those
fields are plain columns: graphene's default resolver reading an attribute, no
arguments, a scalar or enum result. ``PlatformExecutionContext`` (graphql-core's
extension point, ``execution_context_class``) reads and serialises those directly.

Resolvers marked ``root_only`` (pure functions of their object, such as a household's
tier) are called in place the same way. Anything else — a field with its own
resolver (where visibility rules live), with arguments, returning objects or lists,
any middleware, and every value the shortcut does not turn into a result (null in a
non-null field, a serialisation error, an awaitable, an exception) — goes through
graphql-core's own ``execute_field``, which resolves it again and reports errors
exactly as before.
"""

from __future__ import annotations

import datetime as dt
import weakref
from decimal import Decimal
from functools import partial
from types import CoroutineType, GeneratorType
from typing import Any

from graphene.types.resolver import attr_resolver, dict_or_attr_resolver, dict_resolver
from graphene_django import DjangoObjectType
from graphql import (
    ExecutionContext,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path, is_awaitable

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver, dict_resolver)
# Values that are never awaitable: no need to ask graphql-core's is_awaitable.
_PLAIN = frozenset({str, int, float, bool, Decimal, dt.date, dt.datetime, dt.time})

# (attribute name, default, leaf type, nullable) per field name of an object type; for a
# root-only resolver: (the resolver, _ROOT_ONLY, leaf type, nullable).
_Plan = tuple[Any, Any, GraphQLLeafType, bool]
_ROOT_ONLY = object()


def root_only(resolver):
    """Mark a leaf field's resolver as reading its object alone (never ``info`` or
    arguments), cheaply and without side effects: the shortcut calls it in place, as it
    reads a plain column (a household's tier, score and masked name on a page of 50:
    200 field executions). Should it fail, graphql-core's path runs it again, with
    ``info``, and reports the error as before."""
    resolver.root_only = True
    return resolver


_plans: weakref.WeakKeyDictionary[GraphQLObjectType, dict[str, _Plan]] = weakref.WeakKeyDictionary()


def leaf_plans(parent_type: GraphQLObjectType) -> dict[str, _Plan]:
    """The fields of ``parent_type`` the shortcut may answer, by field name (remembered)."""
    plans = _plans.get(parent_type)
    if plans is None:
        plans = {}
        for name, field in parent_type.fields.items():
            resolve = field.resolve
            if not field.args and getattr(resolve, "root_only", False):
                nullable = not isinstance(field.type, GraphQLNonNull)
                leaf = field.type if nullable else field.type.of_type
                if is_leaf_type(leaf):
                    plans[name] = (resolve, _ROOT_ONLY, leaf, nullable)
                continue
            if field.args or not isinstance(resolve, partial) or resolve.keywords:
                continue
            if resolve.func not in _DEFAULT_RESOLVERS or len(resolve.args) != 2:
                continue
            nullable = not isinstance(field.type, GraphQLNonNull)
            leaf = field.type if nullable else field.type.of_type
            if is_leaf_type(leaf):
                attname, default = resolve.args
                plans[name] = (attname, default, leaf, nullable)
        _plans[parent_type] = plans
    return plans


_not_awaitable: set[type] = set()


def quick_is_awaitable(value: Any) -> bool:
    """graphql-core's ``is_awaitable``, remembering the classes that cannot be awaited.

    graphql-core asks it several times per field (about 2,800 times for a page of
    50 households). ``await`` looks ``__await__`` up on the class, so a class
    without it (that is not a coroutine or generator) never yields an awaitable.
    """
    kind = type(value)
    if kind in _not_awaitable:
        return False
    if is_awaitable(value):
        return True
    if not hasattr(kind, "__await__") and kind not in (CoroutineType, GeneratorType):
        _not_awaitable.add(kind)
    return False


class PlatformExecutionContext(ExecutionContext):
    """Plain leaf fields read and serialised in place; everything else as graphql-core does."""

    is_awaitable = staticmethod(quick_is_awaitable)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict,
    ):
        if self.middleware_manager is not None:  # middleware sees every field
            return super().execute_fields(parent_type, source_value, path, fields)
        plans = leaf_plans(parent_type)
        results: dict[str, Any] = {}
        slow: dict = {}
        for response_name, field_nodes in fields.items():
            plan = plans.get(field_nodes[0].name.value)
            if plan is not None:
                value = _leaf(plan, source_value, self.is_awaitable)
                if value is not Undefined:
                    results[response_name] = value
                    continue
            slow[response_name] = field_nodes
        if not slow:
            return results
        rest = super().execute_fields(parent_type, source_value, path, slow)
        if self.is_awaitable(rest):

            async def merged():
                return _in_order(fields, results, await rest)

            return merged()
        return _in_order(fields, results, rest)

    def complete_object_value(self, return_type, field_nodes, info, path, result):
        """graphql-core's, asking graphene-django's ``is_type_of`` once per class.

        ``DjangoObjectType.is_type_of`` answers from the value's class alone (an
        instance of the type or of its model), so its yes holds for the class.
        """
        kinds = _model_checked(return_type)
        if kinds is None:
            return super().complete_object_value(return_type, field_nodes, info, path, result)
        kind = type(result)
        if kind not in kinds:
            if return_type.is_type_of(result, info) is not True:
                return super().complete_object_value(return_type, field_nodes, info, path, result)
            kinds.add(kind)
        fields = self.collect_subfields(return_type, field_nodes)
        return self.execute_fields(return_type, result, path, fields)


_checked: weakref.WeakKeyDictionary[GraphQLObjectType, set | None] = weakref.WeakKeyDictionary()


def _model_checked(return_type: GraphQLObjectType) -> set | None:
    """Classes known to pass ``return_type``'s check, or None: not graphene-django's check."""
    try:
        return _checked[return_type]
    except KeyError:
        pass
    graphene_type = getattr(return_type, "graphene_type", None)
    check = getattr(return_type.is_type_of, "__func__", None)
    ours = (
        isinstance(graphene_type, type)
        and issubclass(graphene_type, DjangoObjectType)
        and check is DjangoObjectType.is_type_of.__func__
    )
    _checked[return_type] = found = set() if ours else None
    return found


def _leaf(plan: _Plan, source: Any, is_awaitable) -> Any:
    """The serialised value of one plain leaf field, or Undefined: take the standard path."""
    attname, default, leaf, nullable = plan
    try:
        if default is _ROOT_ONLY:
            value = attname(source, None)
        elif isinstance(source, dict):
            value = source.get(attname, default)
        else:
            value = getattr(source, attname, default)
        if value is None or value is Undefined:
            return None if nullable else Undefined
        if type(value) not in _PLAIN and (isinstance(value, Exception) or is_awaitable(value)):
            return Undefined
        serialized = leaf.serialize(value)
    except Exception:  # the standard path raises it again, located, with the field's path
        return Undefined
    if serialized is None or serialized is Undefined:
        return Undefined
    return serialized


def _in_order(fields: dict, shortcut: dict, standard: dict) -> dict:
    """Both results in the order the query asked (the JSON keeps it)."""
    if not shortcut:
        return standard
    return {
        name: shortcut[name] if name in shortcut else standard[name]
        for name in fields
        if name in shortcut or name in standard
    }
