"""Thin pages of the county site and of each township's home, plus health checks."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_page

from platform_core import ops
from platform_core.households import selectors as households
from platform_core.townships.selectors import list_townships


def county_home(request):
    return render(request, "platform/county_home.html", {"townships": list_townships()})


@cache_page(30)
def township_home(request):
    return render(
        request,
        "platform/township_home.html",
        {
            "township": request.township,
            "villages": households.villages_with_counts(),
            "households": households.household_count(),
        },
    )


def live(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


def ready(request):
    """Readiness: the database answers and the broker can take messages.

    Answers 200 with ``{"status": "ok", "database": "ok", "broker": "ok"}``, or 503
    with ``"status": "unavailable"`` and the reason under the failing part. A broker
    whose transport is not checked is reported as ``"unknown: ..."`` and does not
    fail readiness.
    """
    body = {"status": "ok", "database": "ok", "broker": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        body["database"] = str(exc)
        body["status"] = "unavailable"
    broker = ops.check_broker()
    body["broker"] = broker.detail
    if broker.reachable is False:
        body["status"] = "unavailable"
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
