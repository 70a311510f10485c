"""Building blocks every schema uses: the viewer, global IDs, connections, permissions.

Global IDs name their township (``Household:330502901:17``, base64), so an ID
copied from one township's API finds nothing in another's, even where the row
numbers coincide.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable
from contextvars import ContextVar
from functools import partial

import graphene
from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from graphene import relay
from graphene.relay.connection import connection_adapter, page_info_adapter
from graphene.relay.id_type import BaseGlobalIDType
from graphene_django.fields import DjangoConnectionField
from graphene_django.utils import maybe_queryset
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NullValueNode,
    VariableNode,
)
from graphql_relay import connection_from_array_slice, cursor_to_offset, get_offset_with_default

from graphql_api import limits
from graphql_api.errors import (
    BAD_INPUT,
    PAGE_TOO_LARGE,
    ApiError,
    InputError,
    forbidden,
    not_found,
)
from platform_core.accounts.viewer import Viewer


def viewer(info) -> Viewer:
    """The request's viewer (set by the view before anything resolves)."""
    return info.context.viewer


def require(info, roles: Iterable[str], village_code: str | None = None) -> Viewer:
    """The viewer, if they hold one of ``roles`` (for ``village_code``); FORBIDDEN otherwise."""
    found = viewer(info)
    if not found.has(roles, village_code):
        raise forbidden()
    return found


def require_somewhere(info, roles: Iterable[str]) -> Viewer:
    """The viewer, if they hold one of ``roles`` for at least one village; FORBIDDEN otherwise.

    ``require(info, roles)`` without a village asks for a township-wide role; this
    one also admits village-scoped staff (their villages are checked later, per row).
    """
    found = viewer(info)
    if found.has_somewhere(roles):
        return found
    raise forbidden()


def township_code() -> str:
    return getattr(connection.tenant, "code", "county")


# --- lookahead: what the query asks for below the current field -----------------------


def selected_field(info, name: str) -> FieldNode | None:
    """The first field ``name`` anywhere under the current field (fragments included)."""
    fragments = info.fragments

    def search(selection_set):
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    return selection
                found = search(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                found = search(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                found = search(fragment.selection_set) if fragment else None
            else:
                found = None
            if found is not None:
                return found
        return None

    for node in info.field_nodes:
        found = search(node.selection_set)
        if found is not None:
            return found
    return None


def selected_fields(info, fields: Iterable[FieldNode]) -> dict[str, list[FieldNode]]:
    """The fields asked directly under ``fields`` (through fragments), by name."""
    found: dict[str, list[FieldNode]] = {}

    def collect(selection_set):
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                found.setdefault(selection.name.value, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                collect(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = info.fragments.get(selection.name.value)
                collect(fragment.selection_set if fragment else None)

    for field in fields:
        collect(field.selection_set)
    return found


def argument(info, field: FieldNode, name: str, default):
    """An Int argument of ``field`` as asked (a literal or a variable); ``default`` when null."""
    for arg in field.arguments or ():
        if arg.name.value == name:
            if isinstance(arg.value, VariableNode):
                value = info.variable_values.get(arg.value.name.value)
                return default if value is None else value
            if isinstance(arg.value, NullValueNode):
                return default
            return int(arg.value.value)
    return default


class TownshipGlobalID(BaseGlobalIDType):
    """``base64("<Type>:<township code>:<pk>")``; IDs of other townships are not found."""

    graphene_type = graphene.ID

    @classmethod
    def to_global_id(cls, _type, _id) -> str:
        raw = f"{_type}:{township_code()}:{_id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def resolve_global_id(cls, info, global_id: str):
        try:
            padded = global_id + "=" * (-len(global_id) % 4)
            _type, code, _id = base64.urlsafe_b64decode(padded).decode().split(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            message = _("%(id)s is not an ID of this API.") % {"id": global_id}
            raise ApiError("BAD_INPUT", message) from None
        if code != township_code() or not _id.isdigit():
            raise not_found(_("Object %(id)s") % {"id": global_id})
        return _type, _id


class TownshipNode(relay.Node):
    """The Relay ``Node`` interface: global IDs name the township, so another's find nothing."""

    class Meta:
        name = "Node"
        global_id_type = TownshipGlobalID

    @classmethod
    def get_node_from_global_id(cls, info, global_id, only_type=None):
        _type, _id = cls.resolve_global_id(info, global_id)
        known = info.schema.get_type(_type)
        if known is None or cls not in getattr(known.graphene_type._meta, "interfaces", ()):
            # e.g. a type of a plugin this township has disabled since
            raise not_found(_("Object %(id)s") % {"id": global_id})
        node = super().get_node_from_global_id(info, global_id, only_type)
        if node is None:
            raise not_found(_("Object %(id)s") % {"id": global_id})
        return node


def decode_id(info, global_id: str, expected: str) -> int:
    """The primary key inside a global ID of type ``expected`` (BAD_INPUT otherwise)."""
    _type, _id = TownshipGlobalID.resolve_global_id(info, global_id)
    if _type != expected:
        raise ApiError(
            "BAD_INPUT",
            _("%(id)s is not the ID of a %(type)s.") % {"id": global_id, "type": expected},
        )
    return int(_id)


# Months the platform can hold: month arithmetic (the next month, a year back) stays
# inside Python's and PostgreSQL's dates.
FIRST_MONTH = dt.date(1900, 1, 1)
LAST_MONTH = dt.date(2999, 12, 1)


def parse_month(value: str, field: str = "month") -> dt.date:
    """``YYYY-MM`` (1900-01 … 2999-12) → its first day; BAD_INPUT naming the field otherwise."""
    try:
        month = dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        message = _("%(field)s=%(value)r: use YYYY-MM.") % {"field": field, "value": value}
        raise ApiError(BAD_INPUT, message) from None
    if not FIRST_MONTH <= month <= LAST_MONTH:
        message = _("%(field)s=%(value)r: use a month from %(first)s to %(last)s.") % {
            "field": field,
            "value": value,
            "first": FIRST_MONTH.strftime("%Y-%m"),
            "last": LAST_MONTH.strftime("%Y-%m"),
        }
        raise ApiError(BAD_INPUT, message)
    return month


def row_by_id(info, node, global_id: str, field: str, *, missing: str = ""):
    """The row of ``node`` (a DjangoObjectType) the viewer may see, by global ID.

    Raises ``InputError`` naming ``field`` when the row is missing,
    hidden from the viewer or of another township; its message is ``missing``
    (``%(id)s`` the ID given) or "No <type> <id>.".
    """
    pk = decode_id(info, global_id, node._meta.name)
    found = node.get_queryset(node._meta.model.objects, info).filter(pk=pk).first()
    if found is None:
        missing = missing or _("No %(type)s %(id)s.")
        message = missing % {"type": node._meta.name, "id": global_id}
        raise InputError(field, "NOT_FOUND", message)
    return found


class CountedConnection(relay.Connection):
    """A Relay connection that also says how many rows match (``totalCount``)."""

    class Meta:
        abstract = True

    total_count = graphene.Int(required=True)

    def resolve_total_count(root, info) -> int:
        return root.length


# Whether the connection being resolved must count its rows (``totalCount`` asked).
_counted: ContextVar[bool] = ContextVar("page_counted", default=True)


class PageField(DjangoConnectionField):
    """A connection with the platform's page-size limit and a clear error above it.

    graphene-django counts every connection's rows (``SELECT COUNT(*)``) to answer
    ``hasNextPage``; a page asked with ``first`` and without ``totalCount`` instead
    fetches one row more than it shows, which answers the same without the count.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_limit", None)  # checked below, with our own error
        super().__init__(*args, **kwargs)

    @classmethod
    def connection_resolver(cls, resolver, connection_, default_manager, *rest, **args):
        _check_page_arguments(args)
        limit = limits.page_size_limit()
        for key in ("first", "last"):
            value = args.get(key)
            if value is not None and value > limit:
                raise ApiError(
                    PAGE_TOO_LARGE,
                    _("%(key)s=%(value)d: a page holds at most %(limit)d rows.")
                    % {"key": key, "value": value, "limit": limit},
                )
        if args.get("first") is None and args.get("last") is None:
            args["first"] = limits.default_page_size()
        info = rest[-1]
        counted = _counted.set(selected_field(info, "totalCount") is not None)
        try:
            page = super().connection_resolver(
                resolver, connection_, default_manager, *rest, **args
            )
        finally:
            _counted.reset(counted)
        prepare = getattr(connection_._meta.node, "prepare_page", None)
        if prepare is not None:  # e.g. one query for the whole page's latest snapshots
            prepare([edge.node for edge in page.edges], info)
        return page

    @classmethod
    def resolve_connection(cls, connection, args, iterable, max_limit=None):
        first = args.get("first")
        iterable = maybe_queryset(iterable)
        if (
            _counted.get()
            or not isinstance(iterable, QuerySet)
            or not isinstance(first, int)
            or any(args.get(key) is not None for key in ("last", "before", "offset"))
        ):
            return super().resolve_connection(connection, args, iterable, max_limit)
        start = get_offset_with_default(args.get("after"), -1) + 1
        rows = list(iterable[start : start + first + 1])  # one more: is there a next page?
        page = connection_from_array_slice(
            rows,
            args,
            slice_start=start,
            array_length=start + len(rows),
            array_slice_length=len(rows),
            connection_type=partial(connection_adapter, connection),
            edge_type=connection.Edge,
            page_info_type=page_info_adapter,
        )
        page.iterable = iterable
        page.length = None  # not counted: totalCount was not asked
        return page


def _check_page_arguments(args: dict) -> None:
    """BAD_INPUT naming the argument for what graphene-django would crash on.

    Negative ``first``/``last``/``offset``, ``offset`` together with ``before``, and
    cursors that are not this API's (negative positions slice a queryset backwards).
    An empty cursor is no cursor.
    """
    for key in ("after", "before"):
        if args.get(key) == "":
            del args[key]
    for key in ("first", "last", "offset"):
        value = args.get(key)
        if value is not None and value < 0:
            message = _("%(key)s=%(value)d: use 0 or more.") % {"key": key, "value": value}
            raise ApiError(BAD_INPUT, message)
    if args.get("offset") is not None and args.get("before") is not None:
        message = _("offset and before cannot be used together; page with first/after.")
        raise ApiError(BAD_INPUT, message)
    for key in ("after", "before"):
        cursor = args.get(key)
        if cursor is not None:
            position = cursor_to_offset(cursor)
            if position is None or position < 0:
                message = _("%(key)s=%(value)r is not a cursor of this list.")
                raise ApiError(BAD_INPUT, message % {"key": key, "value": cursor})
