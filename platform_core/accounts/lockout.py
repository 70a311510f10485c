"""Sign-in throttling with django-axes: what is counted, and what a locked-out client sees.

Every sign-in form (the township and county sign-in pages, both admin sites) goes
through ``django.contrib.auth.authenticate`` with the request, so ``LockoutBackend``
refuses a locked-out account or client before any password is tried, and each
failure is counted by axes' ``user_login_failed`` receiver. The GraphQL endpoints
count a refused API token as a failure of the client (``record_token_failure``).

Counts live in the public schema (``axes.AccessAttempt``), so a lockout holds in every
township. Settings and the unlock path: docs/operations.md ("Sign-in lockout").
"""

from __future__ import annotations

import ipaddress
import json
import math
from dataclasses import dataclass

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import (
    get_client_parameters,
    get_client_username,
    get_cool_off,
    get_failure_limit,
)
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

PER_ACCOUNT_AND_CLIENT = ["username", "ip_address"]
PER_CLIENT = ["ip_address"]


class LockoutBackend(AxesStandaloneBackend):
    """axes' check before the password backends; no request means no HTTP sign-in.

    ``authenticate()`` without a request (a shell, a management command, the test
    client's ``login()``) cannot come from a client over the network, so it is neither
    refused nor counted (axes' own backend would raise instead).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the scan-page limit sees it (the proxy's X-Forwarded-For
    entry where one is trusted); None when it is no IP address (a request built in code)."""
    from platform_core.ratelimit import client_address

    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


def lockout_parameters(request: HttpRequest, credentials: dict | None) -> list:
    """Count per account *and* per client; an attempt without a username (a bad API
    token) only per client, so that such attempts are not pooled under "no username"."""
    if get_client_username(request, credentials):
        return PER_ACCOUNT_AND_CLIENT
    return PER_CLIENT


def is_client_locked(request: HttpRequest) -> bool:
    """Whether this client address is locked out (checked before an API token is tried)."""
    return not AxesProxyHandler.is_allowed(request, {})


@dataclass(frozen=True)
class ClientLock:
    """``is_client_locked`` split for a statement of the caller's (the API token's lookup).

    ``locked`` is axes' answer when it needs no database (True, False), else None:
    then ``failures`` (SQL and its parameters: the client's counted failures, one
    value) goes into the caller's statement and ``holds(value)`` reads its result, so
    a token request pays one statement for the token, its person's roles and the
    lockout, not three.
    """

    locked: bool | None
    failures: tuple[str, list] | None = None
    limit: int = 0

    def holds(self, failures: int | None) -> bool:
        """Whether the client is locked out, given ``failures`` as the statement read it."""
        if self.locked is not None:
            return self.locked
        return (failures or 0) >= self.limit


def client_lock(request: HttpRequest) -> ClientLock:
    """The lockout check of ``is_client_locked``, with its one query left to the caller.

    Follows axes' ``is_allowed`` step by step (admin-site-only mode, block and allow
    lists, lock-out at failure) and its database handler's count (``get_user_attempts``:
    the attempts matching the client's lockout parameters within the cool-off, summed);
    any other handler or set-up is asked as before, here. Tests hold the count equal
    to axes' own.
    """
    AxesProxyHandler.update_request(request)
    handler = AxesProxyHandler.get_implementation()
    credentials: dict = {}
    if type(handler) is not AxesDatabaseHandler:
        return ClientLock(locked=not handler.is_allowed(request, credentials))
    if axes_settings.AXES_ONLY_ADMIN_SITE and not handler.is_admin_request(request):
        return ClientLock(locked=False)
    if handler.is_blacklisted(request, credentials):
        return ClientLock(locked=True)
    if handler.is_whitelisted(request, credentials):
        return ClientLock(locked=False)
    if not axes_settings.AXES_LOCK_OUT_AT_FAILURE:
        return ClientLock(locked=False)
    matching = get_client_parameters(
        get_client_username(request, credentials),
        request.axes_ip_address,
        request.axes_user_agent,
        request,
        credentials,
    )
    if len(matching) != 1:  # counted several ways: axes takes the largest count
        return ClientLock(locked=handler.is_locked(request, credentials))
    conditions, params = [], []
    for name, value in matching[0].items():
        column = connection.ops.quote_name(AccessAttempt._meta.get_field(name).column)
        if value is None:  # as the ORM's filter(name=None)
            conditions.append(f"{column} IS NULL")
        else:
            conditions.append(f"{column} = %s")
            params.append(value)
    if axes_settings.AXES_COOLOFF_TIME is not None:
        conditions.append(f"{connection.ops.quote_name('attempt_time')} >= %s")
        params.append(get_cool_off_threshold(request))
    table = connection.ops.quote_name(AccessAttempt._meta.db_table)
    where = " AND ".join(conditions) or "TRUE"
    sql = f"(SELECT SUM(failures_since_start) FROM {table} WHERE {where})"
    limit = get_failure_limit(request, credentials)
    return ClientLock(locked=None, failures=(sql, params), limit=limit)


def record_token_failure(request: HttpRequest, sender: object) -> bool:
    """Count a refused API token against the client; True when that locked it out."""
    user_login_failed.send(sender=sender, credentials={}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """HTTP 429 saying when to try again and whom to ask: a page, or JSON for the API."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else 0
    until = time_format(timezone.localtime(timezone.now() + cool_off), "H:i") if cool_off else ""
    if _is_api(request):
        message = _(
            "Too many failed sign-ins or API tokens from this client. Try again after "
            "%(time)s (in %(minutes)s min); an administrator can lift the lock sooner."
        ) % {"time": until, "minutes": minutes}
        body = {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]}
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), status=429, content_type="application/json"
        )
    else:
        context = {"time": until, "minutes": minutes}
        response = render(request, "registration/locked_out.html", context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.rstrip("/").endswith("/graphql") or request.META.get(
        "HTTP_AUTHORIZATION", ""
    ).lower().startswith("bearer ")
