"""Thin pages of the county site and of each township's home, plus health checks."""

from __future__ import annotations

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_page

from platform_core.households import selectors as households
from tenants.selectors import list_townships


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
    """Readiness: the database answers (the broker check comes with operations work)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return JsonResponse({"status": "unavailable", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
