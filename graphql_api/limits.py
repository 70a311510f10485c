"""Query limits, checked before anything runs: size, depth, complexity, introspection, pages.

``precheck`` runs first and is cheap: the query's size in bytes, the parser's token
budget (``parse(max_tokens=…)``), then one bounded walk of each operation counting
every field selection — aliases, ``__typename`` and introspection fields included,
fragments expanded once per spread — and the aliases, depth and cost. Only a
document within these limits reaches graphql-core's full validation (whose
overlapping-fields rule is quadratic in the fields of one selection set) with
``rules_for``'s rules, and then execution. Callers without a role here (anonymous,
or signed in elsewhere) get much lower size limits: they may only ask ``health``.

Complexity counts every field once, multiplied by the page size of each
connection around it (``first``/``last``, or the default page when omitted),
so one query cannot ask for a hundred households' hundred entries' details.
Variables are known when the rules run (they are built per request). Text
arguments and variables may not hold NUL characters (PostgreSQL refuses them).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from graphql import GraphQLError, GraphQLSyntaxError
from graphql.language import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    StringValueNode,
    VariableDefinitionNode,
    VariableNode,
)
from graphql.validation import ValidationRule, specified_rules

from graphql_api.errors import (
    BAD_INPUT,
    FORBIDDEN,
    INTROSPECTION_DISABLED,
    QUERY_TOO_COMPLEX,
    QUERY_TOO_DEEP,
    QUERY_TOO_LARGE,
    UNAUTHENTICATED,
)
from graphql_api.parsing import parsed


def max_depth() -> int:
    return settings.GRAPHQL_MAX_DEPTH


def max_complexity() -> int:
    return settings.GRAPHQL_MAX_COMPLEXITY


def page_size_limit() -> int:
    return settings.GRAPHQL_MAX_PAGE_SIZE


def default_page_size() -> int:
    return settings.GRAPHQL_DEFAULT_PAGE_SIZE


def introspection_allowed() -> bool:
    return settings.DEBUG or settings.GRAPHQL_INTROSPECTION


@dataclass(frozen=True)
class SizeLimits:
    """How big one request's document may be (bytes, tokens, fields, aliases)."""

    query_bytes: int
    tokens: int
    fields: int
    aliases: int


def size_limits(viewer) -> SizeLimits:
    """The caller's size limits: much lower without a role here."""
    if viewer.is_authenticated:
        return SizeLimits(
            settings.GRAPHQL_MAX_QUERY_BYTES,
            settings.GRAPHQL_MAX_TOKENS,
            settings.GRAPHQL_MAX_FIELDS,
            settings.GRAPHQL_MAX_ALIASES,
        )
    return SizeLimits(
        settings.GRAPHQL_ANONYMOUS_MAX_QUERY_BYTES,
        settings.GRAPHQL_ANONYMOUS_MAX_TOKENS,
        settings.GRAPHQL_ANONYMOUS_MAX_FIELDS,
        settings.GRAPHQL_ANONYMOUS_MAX_ALIASES,
    )


# Root fields anyone may ask without signing in (load balancers, monitoring).
PUBLIC_ROOT_FIELDS = {"health", "__typename"}


def precheck(query, variables: dict | None, viewer) -> tuple[DocumentNode | None, list]:
    """The parsed document and the cheap refusals of one request, before full validation.

    Refusals (each a ``GraphQLError`` with its code) mean the document goes no further;
    a document that does not parse is left to full validation (``INVALID_QUERY``).
    """
    if not isinstance(query, str):
        return None, [_error(_("The query must be a string."), BAD_INPUT)]
    limits = size_limits(viewer)
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > limits.query_bytes:
        message = _("The query is %(size)d bytes long; the limit is %(limit)d.")
        return None, [
            _error(message % {"size": size, "limit": limits.query_bytes}, QUERY_TOO_LARGE)
        ]
    try:
        document = parsed(query, limits.tokens)
    except GraphQLSyntaxError as error:
        if "more than" in error.message and "tokens" in error.message:
            message = _("The query has more than %(limit)d tokens.")
            return None, [_error(message % {"limit": limits.tokens}, QUERY_TOO_LARGE)]
        return None, []
    except RecursionError:  # brackets nested hundreds deep
        message = _("The query is nested too deeply to read; the limit is %(limit)d levels.")
        return None, [_error(message % {"limit": max_depth()}, QUERY_TOO_DEEP)]
    refusals = _nul_in_variables(variables)
    fragments = _fragments(document)
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            refusal = _size_refusal(operation, fragments, variables, limits)
            if refusal is not None:
                refusals.append(refusal)
    return document, refusals


def rules_for(variables: dict | None, viewer) -> list[type[ValidationRule]]:
    """The validation rules of one request: the standard ones, size and cost, NUL text,
    sign-in and introspection (size and cost again, so that tools validating a document
    without ``precheck`` — the API guide's test — see the same limits)."""
    signed_in, has_user = viewer.is_authenticated, viewer.user is not None
    rules = document_rules(signed_in, has_user, introspection_allowed())
    rules.insert(len(specified_rules), _cost_rule(variables or {}, size_limits(viewer)))
    return rules


def document_rules(
    signed_in: bool, has_user: bool, introspection: bool
) -> list[type[ValidationRule]]:
    """``rules_for`` without size and cost: the rules whose verdict depends only on the
    document, the schema and these three facts (``documents`` remembers it by them)."""
    # The standard rules first: graphql-core runs only the rules it is given.
    rules: list[type[ValidationRule]] = [*specified_rules, NoNulText]
    if not signed_in:
        rules.append(_sign_in_rule(has_user=has_user))
    if not introspection:
        rules.append(NoIntrospection)
    return rules


def _error(message: str, code: str, node=None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


def _sign_in_rule(has_user: bool) -> type[ValidationRule]:
    """Without a role here, only the public root fields may be asked."""
    if has_user:
        code, message = FORBIDDEN, _("You hold no role here; ask an administrator for one.")
    else:
        code, message = UNAUTHENTICATED, _("Sign in or send an API token for this endpoint.")

    class SignInRequired(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            for field in _root_fields(node, self.context.document):
                if field.name.value not in PUBLIC_ROOT_FIELDS:
                    error = GraphQLError(message, field, extensions={"code": code})
                    self.report_error(error)
                    return

    return SignInRequired


def _root_fields(operation: OperationDefinitionNode, document) -> list[FieldNode]:
    """The operation's root fields, through fragments (``{ ... on Query { x } }`` too)."""
    fragments = {f.name.value: f for f in document.definitions if f.kind == "fragment_definition"}
    found: list[FieldNode] = []
    pending, seen = [operation.selection_set], set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    seen.add(name)
                    pending.append(fragments[name].selection_set)
    return found


class NoIntrospection(ValidationRule):
    """Refuse ``__schema`` and ``__type`` (``__typename`` stays: clients need it)."""

    def enter_field(self, node: FieldNode, *_args):
        if node.name.value in ("__schema", "__type"):
            self.report_error(
                GraphQLError(
                    _("Introspection is disabled on this server."),
                    node,
                    extensions={"code": INTROSPECTION_DISABLED},
                )
            )


# --- NUL characters: PostgreSQL cannot store them, so they are bad input at the edge ----


def _nul_message(name: str) -> str:
    return _("%(name)s: text may not contain NUL characters.") % {"name": name}


class NoNulText(ValidationRule):
    """A string literal holding a NUL character is BAD_INPUT naming its argument."""

    def enter_string_value(self, node: StringValueNode, _key, parent, _path, ancestors):
        if "\x00" not in node.value:
            return
        name = None
        for ancestor in (parent, *reversed(ancestors)):
            if isinstance(ancestor, ArgumentNode):
                name = ancestor.name.value
                break
            if isinstance(ancestor, VariableDefinitionNode):
                name = "$" + ancestor.variable.name.value
                break
        self.report_error(_error(_nul_message(name or _("a text value")), BAD_INPUT, node))


def _nul_in_variables(variables) -> list[GraphQLError]:
    if not isinstance(variables, dict):
        return []
    return [
        _error(_nul_message(f"${name}"), BAD_INPUT)
        for name, value in variables.items()
        if _holds_nul(name) or _holds_nul(value)
    ]


def _holds_nul(value) -> bool:
    """Whether a variable's JSON value holds a NUL anywhere (iterative: JSON nests deep)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


# --- size and cost -----------------------------------------------------------------


def _cost_rule(variables: dict, limits: SizeLimits) -> type[ValidationRule]:
    class QueryCost(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            fragments = _fragments(self.context.document)
            refusal = _size_refusal(node, fragments, variables, limits)
            if refusal is not None:
                self.report_error(refusal)

    return QueryCost


def _fragments(document: DocumentNode) -> dict:
    return {f.name.value: f for f in document.definitions if isinstance(f, FragmentDefinitionNode)}


def _size_refusal(
    node: OperationDefinitionNode, fragments: dict, variables, limits: SizeLimits
) -> GraphQLError | None:
    """Why one operation is too big (fields, aliases, depth, cost), or None: one walk."""
    walker = _Walker(fragments, variables if isinstance(variables, dict) else {}, limits.fields)
    try:
        cost = walker.cost(node.selection_set, depth=0)
    except _TooManyFields:
        message = _("The query selects more than %(limit)d fields.")
        return _error(message % {"limit": limits.fields}, QUERY_TOO_LARGE, node)
    if walker.aliases > limits.aliases:
        message = _("The query uses %(count)d aliases; the limit is %(limit)d.")
        values = {"count": walker.aliases, "limit": limits.aliases}
        return _error(message % values, QUERY_TOO_LARGE, node)
    if walker.depth > max_depth():
        message = _("The query is nested %(depth)d levels deep; the limit is %(limit)d.")
        values = {"depth": walker.depth, "limit": max_depth()}
        return _error(message % values, QUERY_TOO_DEEP, node)
    if cost > max_complexity():
        message = _(
            "The query would cost %(cost)d points; the limit is %(limit)d. "
            "Ask for smaller pages or fewer nested fields."
        )
        values = {"cost": cost, "limit": max_complexity()}
        return _error(message % values, QUERY_TOO_COMPLEX, node)
    return None


class _TooManyFields(Exception):
    """Raised by the walk as soon as the field limit is passed (fragment bombs stop here)."""


class _Walker:
    """One walk of an operation: fields, aliases, depth and cost, fragments per spread."""

    def __init__(self, fragments: dict, variables: dict, max_fields: int):
        self.fragments = fragments
        self.variables = variables
        self.max_fields = max_fields
        self.fields = 0
        self.aliases = 0
        self.depth = 0
        self._visiting: set[str] = set()

    def cost(self, selection_set, depth: int, introspective: bool = False) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self.fields += 1
                if self.fields > self.max_fields:
                    raise _TooManyFields
                if selection.alias is not None:
                    self.aliases += 1
                inside = introspective or selection.name.value.startswith("__")
                if not inside:  # the schema's own nesting (ofType …) is not the data's
                    self.depth = max(self.depth, depth + 1)
                inner = self.cost(selection.selection_set, depth + 1, inside)
                total += 1 + self._multiplier(selection) * inner
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, depth, introspective)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in self._visiting:  # cycles: validation
                    self._visiting.add(name)
                    total += self.cost(fragment.selection_set, depth, introspective)
                    self._visiting.discard(name)
        return total

    def _multiplier(self, field: FieldNode) -> int:
        """Page size of a connection field; 1 for anything else."""
        if field.selection_set is None:
            return 1
        names = {s.name.value for s in field.selection_set.selections if isinstance(s, FieldNode)}
        arguments = {a.name.value: a.value for a in field.arguments or ()}
        if "edges" not in names and not ({"first", "last"} & set(arguments)):
            return 1
        for key in ("first", "last"):
            value = arguments.get(key)
            if value is None:
                continue
            if isinstance(value, VariableNode):
                value = self.variables.get(value.name.value)
            else:
                value = getattr(value, "value", None)
            try:
                return max(1, min(int(value), page_size_limit()))
            except (TypeError, ValueError, OverflowError):
                return page_size_limit()
        return default_page_size()
