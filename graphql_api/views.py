"""The two GraphQL endpoints: who is asking, which schema they see, and the limits.

Authentication: a browser session (with Django's CSRF check on POST), or an
``Authorization: Bearer ti_…`` API token, which must belong to the township
(or, at the county endpoint, be a county token). A refused token counts as a
failed sign-in of the client (django-axes, platform_core.accounts.lockout), so a
client guessing tokens is locked out like one guessing passwords. GraphiQL is
served in DEBUG (the demo) only.
"""

from __future__ import annotations

import json

from csp.constants import SELF, UNSAFE_INLINE
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt
from graphene_django.constants import MUTATION_ERRORS_FLAG
from graphene_django.settings import graphene_settings
from graphene_django.views import GraphQLView, HttpError
from graphql import ExecutionResult, OperationType, execute, get_operation_ast, validate_schema

from graphql_api import documents, limits
from graphql_api.errors import UNAUTHENTICATED, format_error
from graphql_api.execution import PlatformExecutionContext
from platform_core import action_context
from platform_core.accounts import lockout
from platform_core.accounts.access import access_from
from platform_core.accounts.models import Role
from platform_core.accounts.services import TokenError, check_token, look_up_token
from platform_core.accounts.viewer import Viewer

# Where graphene-django's GraphiQL page loads React, GraphiQL and their styles from.
GRAPHIQL_CDN = "https://cdn.jsdelivr.net"


class PlatformGraphQLView(GraphQLView):
    """GraphQLView with our authentication, per-request schema and validation rules."""

    township_endpoint = True
    execution_context_class = PlatformExecutionContext

    def dispatch(self, request, *args, **kwargs):
        township = getattr(request, "township", None) if self.township_endpoint else None
        bearer = _bearer(request)
        if bearer is None:
            if request.method == "POST":
                refused = _csrf_refusal(request)
                if refused is not None:
                    return refused
            request.viewer = Viewer.of(request.user, township)
        else:
            # One statement: the token, its person's roles here and the client's lockout.
            lock = lockout.client_lock(request)
            if lock.locked:  # too many bad passwords or tokens (known without the database)
                return lockout.lockout_response(request)
            found = look_up_token(bearer, township, lock.failures)
            if found.record is None and lock.locked is None:  # the lockout was not read
                locked = lockout.is_client_locked(request)
            else:
                locked = lock.holds(found.extra)
            if locked:  # checked before the token is: a good token does not help
                return lockout.lockout_response(request)
            try:
                token = check_token(found.record)
            except TokenError as error:
                if lockout.record_token_failure(request, sender=type(self)):
                    return lockout.lockout_response(request)
                return _refusal(str(error))
            if (token.township_id or None) != (township.pk if township else None):
                return _refusal(_token_elsewhere())
            if not self.township_endpoint and token.role != Role.COUNTY_ADMIN:
                return _refusal(_token_elsewhere())
            request.user = token.user
            access = access_from(token.user, found.scopes)
            request.viewer = Viewer.of(token.user, township, token=token, access=access)
            action_context.attribute(request.viewer.actor)  # "e-mail (token 1a2b3c4d)"
        self.schema = self.schema_for(request)
        self.graphiql = settings.DEBUG  # the demo; read per request so tests can switch it
        if request.method in ("GET", "HEAD"):  # a link must not make a browser write anything
            return _read_only(super().dispatch, request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_middleware(self, request):
        """Per-field middleware, or None: graphql-core then wraps no resolver at all.

        graphene-django adds its DjangoDebugMiddleware in DEBUG (the demo); it wraps
        every field to feed a ``_debug`` field that none of our schemas has. An empty
        list would still make graphql-core build a (no-op) manager per request.
        """
        from graphene_django.debug import DjangoDebugMiddleware

        kept = [m for m in self.middleware or () if not isinstance(m, DjangoDebugMiddleware)]
        return kept or None

    def schema_for(self, request):
        from graphql_api.assembly import township_schema

        return township_schema(request.township)

    def parse_body(self, request):
        """The request's data; a body that is not UTF-8 JSON or GraphQL is BAD_INPUT (400)."""
        from django.utils.translation import gettext as _

        if self.get_content_type(request) in ("application/graphql", "application/json"):
            try:
                request.body.decode("utf-8")
            except RequestDataTooBig:
                message = _("The request body is larger than %(limit)s bytes.")
                limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
                raise HttpError(HttpResponse(message % {"limit": limit}, status=413)) from None
            except UnicodeDecodeError as error:
                message = _("The request body is not UTF-8 text (byte %(byte)d).")
                raise HttpError(HttpResponseBadRequest(message % {"byte": error.start})) from None
        try:
            return super().parse_body(request)
        except RecursionError:  # JSON nested thousands deep
            message = _("The request body is nested too deeply.")
            raise HttpError(HttpResponseBadRequest(message)) from None

    def execute_graphql_request(self, request, data, query, variables, operation_name, *rest):
        """graphene-django's, with the document parsed and validated once per text
        (``graphql_api.documents``) instead of twice per request, and our limits first."""
        if not query:  # the view answers it (GraphiQL, or "Must provide query string")
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, *rest
            )
        viewer = request.viewer
        document, refused = limits.precheck(query, variables, viewer)
        if refused:
            return ExecutionResult(data=None, errors=refused)
        if document is None:  # does not parse: graphene-django reports the syntax error
            return super().execute_graphql_request(
                request, data, query, variables, operation_name, *rest
            )
        if request.method == "GET" and _writes(document, operation_name):
            from django.utils.translation import gettext as _

            message = _("A mutation is sent with POST; GET requests only read.")
            raise HttpError(HttpResponseNotAllowed(["POST"], message), message)
        schema = self.schema.graphql_schema
        errors = validate_schema(schema)  # remembered by graphql-core on the schema
        if not errors:
            tokens = limits.size_limits(viewer).tokens
            errors = documents.validated(schema, document, query, tokens, viewer)
        if errors:
            return ExecutionResult(data=None, errors=errors)
        operation = get_operation_ast(document, operation_name)
        try:
            options = {
                "root_value": self.get_root_value(request),
                "context_value": self.get_context(request),
                "variable_values": variables,
                "operation_name": operation_name,
                "middleware": self.get_middleware(request),
                "execution_context_class": self.execution_context_class,
            }
            if (
                operation is not None
                and operation.operation == OperationType.MUTATION
                and _atomic_mutations()
            ):
                with transaction.atomic():
                    result = execute(schema, document, **options)
                    if getattr(request, MUTATION_ERRORS_FLAG, False) is True:
                        transaction.set_rollback(True)
                return result
            return execute(schema, document, **options)
        except Exception as error:  # as graphene-django: an error reply, not a 500
            return ExecutionResult(errors=[error])

    @staticmethod
    def format_error(error):
        return format_error(error)

    def render_graphiql(self, request, **data):
        """GraphiQL (DEBUG only) loads its scripts and styles from one CDN: allow exactly that.

        Its inline script carries the CSP nonce (templates/graphene/graphiql.html); its
        styles may be inline, as GraphiQL adds style elements while it runs.
        """
        response = super().render_graphiql(request, **data)
        response._csp_update = {
            "script-src": [GRAPHIQL_CDN],
            "font-src": [SELF, "data:"],
        }
        response._csp_replace = {"style-src": [SELF, GRAPHIQL_CDN, UNSAFE_INLINE]}
        return response


class CountyGraphQLView(PlatformGraphQLView):
    township_endpoint = False

    def schema_for(self, request):
        from graphql_api.county import county_schema

        return county_schema


def township_graphql_view():
    from graphql_api.county import county_schema  # replaced per request by schema_for()

    return csrf_exempt(PlatformGraphQLView.as_view(schema=county_schema))


def county_graphql_view():
    from graphql_api.county import county_schema

    return csrf_exempt(CountyGraphQLView.as_view(schema=county_schema))


def _read_only(call, request, *args, **kwargs):
    """Run ``call`` in a read-only transaction, rolled back: a GET writes nothing, ever.

    Mutations are refused over GET (above); this also holds any resolver that
    would write to its word. Rolling back (a savepoint inside a test's transaction)
    also ends the read-only mode.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
        response = call(request, *args, **kwargs)
        transaction.set_rollback(True)
    return response


def _atomic_mutations() -> bool:
    """graphene-django's switch for running each mutation in a transaction (off here)."""
    return graphene_settings.ATOMIC_MUTATIONS is True or (
        connection.settings_dict.get("ATOMIC_MUTATIONS", False) is True
    )


def _writes(document, operation_name: str | None) -> bool:
    """Whether the operation to run is anything but a query."""
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation != OperationType.QUERY


def _bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _csrf_refusal(request):
    """Session requests are CSRF-checked like any form post; token requests are not."""
    if not request.user.is_authenticated:
        return None  # nothing to forge: an anonymous request has no rights
    check = CsrfViewMiddleware(lambda r: None)
    check.process_request(request)
    refused = check.process_view(request, None, (), {})
    if refused is None:
        return None
    from django.utils.translation import gettext as _

    return _refusal(_("The CSRF check failed: send the csrftoken cookie's value as X-CSRFToken."))


def _token_elsewhere() -> str:
    from django.utils.translation import gettext as _

    return _("This API token belongs to another township or to the county endpoint.")


def _refusal(message: str) -> HttpResponse:
    body = {"errors": [{"message": message, "extensions": {"code": UNAUTHENTICATED}}]}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=401, content_type="application/json"
    )
