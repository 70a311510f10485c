"""graphql-core's executor with a shortcut for plain leaf fields (issue 18).

A page of 50 households with their last three entries is about a thousand field
executions; graphql-core spends about 10 µs on each (a ``Path``, a
``GraphQLResolveInfo``, argument coercion, two awaitable checks, the completion
dispatch), which measured as much as all of the request's SQL. Most of those
fields are plain columns: graphene's default resolver reading an attribute, no
arguments, a scalar or enum result. ``PlatformExecutionContext`` (graphql-core's
extension point, ``execution_context_class``) reads and serialises those directly.

Resolvers marked ``root_only`` (pure functions of their object, such as a household's
tier) are called in place the same way. Object fields read the same way (the default
resolver or a ``root_only`` one, no arguments, a graphene-django type: an edge's node,
an entry's rule, a household's village) are completed in place when the value's class
already passed the type's ``is_type_of``; their errors are located and handled as
graphql-core's ``execute_field`` does. Fields run in the query's order, so errors keep
graphql-core's order. Anything else — a field with its own resolver (where visibility
rules live), with arguments, returning lists, any middleware, and every value the
shortcut does not turn into a result (null in a non-null field, a serialisation error,
an awaitable, an exception, a class not yet checked) — goes through graphql-core's own
``execute_field``, which resolves it again and reports errors exactly as before.
"""

from __future__ import annotations

import datetime as dt
import weakref
from asyncio import gather
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
from graphql.error import located_error
from graphql.pyutils import Path, is_awaitable

_DEFAULT_RESOLVERS = (dict_or_attr_resolver, attr_resolver, dict_resolver)
# Values that are never awaitable: no need to ask graphql-core's is_awaitable.
_PLAIN = frozenset({str, int, float, bool, Decimal, dt.date, dt.datetime, dt.time})

# (attribute name, default, leaf type, nullable) per field name of an object type; for a
# root-only resolver: (the resolver, _ROOT_ONLY, leaf type, nullable).
_Plan = tuple[Any, Any, GraphQLLeafType, bool]
_ROOT_ONLY = object()


def root_only(resolver):
    """Mark a leaf or object field's resolver as reading its object alone (never ``info`` or
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


# (the resolver, called as ``resolve(source, None)``; object type; the field's type; the
# classes known to pass the object type's check) per field name of an object type.
_ObjectPlan = tuple[Any, GraphQLObjectType, Any, set]
_object_plans: weakref.WeakKeyDictionary[GraphQLObjectType, dict[str, _ObjectPlan]] = (
    weakref.WeakKeyDictionary()
)


def object_plans(parent_type: GraphQLObjectType) -> dict[str, _ObjectPlan]:
    """Fields of ``parent_type`` returning one graphene-django object, read by the default
    resolver or a ``root_only`` one, without arguments (an entry's rule, an edge's node,
    a household's village): the shortcut completes them in place (remembered)."""
    plans = _object_plans.get(parent_type)
    if plans is None:
        plans = {}
        for name, field in parent_type.fields.items():
            if field.args:
                continue
            target = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
            if not isinstance(target, GraphQLObjectType):
                continue
            kinds = _model_checked(target)
            if kinds is None:
                continue
            resolve = field.resolve
            if getattr(resolve, "root_only", False) or (
                isinstance(resolve, partial)
                and not resolve.keywords
                and resolve.func in _DEFAULT_RESOLVERS
                and len(resolve.args) == 2
            ):  # graphene's default resolvers never read ``info``
                plans[name] = (resolve, target, field.type, kinds)
        _object_plans[parent_type] = plans
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
    """Plain leaf and object fields read in place; everything else as graphql-core does."""

    is_awaitable = staticmethod(quick_is_awaitable)

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        fields: dict,
    ):
        """graphql-core's loop over the fields, in the same order (so errors are reported
        in the same order), answering planned fields in place."""
        if self.middleware_manager is not None:  # middleware sees every field
            return super().execute_fields(parent_type, source_value, path, fields)
        plans = leaf_plans(parent_type)
        objects = object_plans(parent_type)
        is_awaitable = self.is_awaitable
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        for response_name, field_nodes in fields.items():
            name = field_nodes[0].name.value
            plan = plans.get(name)
            if plan is not None:
                value = _leaf(plan, source_value, is_awaitable)
                if value is not Undefined:
                    results[response_name] = value
                    continue
            field_path = Path(path, response_name, parent_type.name)
            result = Undefined
            shortcut = objects.get(name)
            if shortcut is not None:
                result = self._object_field(shortcut, source_value, field_nodes, field_path)
            if result is Undefined:
                result = self.execute_field(parent_type, source_value, field_nodes, field_path)
            if result is not Undefined:
                results[response_name] = result
                if is_awaitable(result):
                    awaitable_fields.append(response_name)
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:  # as graphql-core's execute_fields
            done = await gather(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, done, strict=True))
            return results

        return get_results()

    def _object_field(self, plan: _ObjectPlan, source: Any, field_nodes: list, path: Path):
        """An object field's answer as graphql-core's ``execute_field`` gives it, or
        Undefined (nothing done): take the standard path.

        Only a value of a class that already passed the type's ``is_type_of`` is
        completed here; its sub-fields run through ``execute_fields`` with the same path,
        and their errors are located and handled as ``execute_field`` does."""
        resolve, return_type, field_type, kinds = plan
        try:
            value = resolve(source, None)
        except Exception:  # the standard path raises it again, located
            return Undefined
        if value is None or value is Undefined:
            return None if field_type is return_type else Undefined
        if type(value) not in kinds:  # not yet checked, an exception, an awaitable
            return Undefined
        try:
            completed = self.execute_fields(
                return_type, value, path, self.collect_subfields(return_type, field_nodes)
            )
        except Exception as raw_error:
            error = located_error(raw_error, field_nodes, path.as_list())
            self.handle_field_error(error, field_type, path)
            return None
        if self.is_awaitable(completed):

            async def await_completed() -> Any:
                try:
                    return await completed
                except Exception as raw_error:
                    error = located_error(raw_error, field_nodes, path.as_list())
                    self.handle_field_error(error, field_type, path)
                    return None

            return await_completed()
        return completed

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
