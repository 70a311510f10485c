"""Query limits, checked before anything runs: depth, complexity, introspection, page size.

Complexity counts every field once, multiplied by the page size of each
connection around it (``first``/``last``, or the default page when omitted),
so one query cannot ask for a hundred households' hundred entries' details.
Variables are known when the rules run (they are built per request).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from graphql import GraphQLError
from graphql.language import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    VariableNode,
)
from graphql.validation import ValidationRule, specified_rules

from graphql_api.errors import (
    FORBIDDEN,
    INTROSPECTION_DISABLED,
    QUERY_TOO_COMPLEX,
    QUERY_TOO_DEEP,
    UNAUTHENTICATED,
)


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


# Root fields anyone may ask without signing in (load balancers, monitoring).
PUBLIC_ROOT_FIELDS = {"health", "__typename", "__schema", "__type"}


def rules_for(variables: dict | None, viewer) -> list[type[ValidationRule]]:
    """The validation rules of one request."""
    # The standard rules first: graphql-core runs only the rules it is given.
    rules: list[type[ValidationRule]] = [*specified_rules, _cost_rule(variables or {})]
    if not viewer.is_authenticated:
        rules.append(_sign_in_rule(has_user=viewer.user is not None))
    if not introspection_allowed():
        rules.append(NoIntrospection)
    return rules


def _sign_in_rule(has_user: bool) -> type[ValidationRule]:
    """Without a role here, only the public root fields may be asked."""
    if has_user:
        code, message = FORBIDDEN, _("You hold no role here; ask an administrator for one.")
    else:
        code, message = UNAUTHENTICATED, _("Sign in or send an API token for this endpoint.")

    class SignInRequired(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            for selection in node.selection_set.selections:
                name = getattr(getattr(selection, "name", None), "value", None)
                if isinstance(selection, FieldNode) and name not in PUBLIC_ROOT_FIELDS:
                    error = GraphQLError(message, selection, extensions={"code": code})
                    self.report_error(error)
                    return

    return SignInRequired


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


def _cost_rule(variables: dict) -> type[ValidationRule]:
    class QueryCost(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
            fragments = {
                f.name.value: f
                for f in self.context.document.definitions
                if f.kind == "fragment_definition"
            }
            walker = _Walker(fragments, variables)
            cost = walker.cost(node.selection_set, depth=0)
            if walker.depth > max_depth():
                self.report_error(
                    GraphQLError(
                        _("The query is nested %(depth)d levels deep; the limit is %(limit)d.")
                        % {"depth": walker.depth, "limit": max_depth()},
                        node,
                        extensions={"code": QUERY_TOO_DEEP},
                    )
                )
            elif cost > max_complexity():
                self.report_error(
                    GraphQLError(
                        _(
                            "The query would cost %(cost)d points; the limit is %(limit)d. "
                            "Ask for smaller pages or fewer nested fields."
                        )
                        % {"cost": cost, "limit": max_complexity()},
                        node,
                        extensions={"code": QUERY_TOO_COMPLEX},
                    )
                )

    return QueryCost


class _Walker:
    def __init__(self, fragments: dict, variables: dict):
        self.fragments = fragments
        self.variables = variables
        self.depth = 0
        self._visiting: set[str] = set()

    def cost(self, selection_set, depth: int) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value.startswith("__"):
                    continue
                self.depth = max(self.depth, depth + 1)
                inner = self.cost(selection.selection_set, depth + 1)
                total += 1 + self._multiplier(selection) * inner
            elif isinstance(selection, InlineFragmentNode):
                total += self.cost(selection.selection_set, depth)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in self._visiting:  # cycles: validation
                    self._visiting.add(name)
                    total += self.cost(fragment.selection_set, depth)
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
            except (TypeError, ValueError):
                return page_size_limit()
        return default_page_size()
