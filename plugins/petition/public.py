"""The public progress tracker (``/cases/``): recent cases and villages' three-none status.

Mounted through ``township_urls`` (prefix ``cases/``); public, no sign-in. It shows
what a resident may know of the township's cases without learning who raised them:
the village, the kind, the status, the day received and the working days taken. No
petitioner name, phone, household, summary or case number (docs/plugins/petition.md,
"Public progress tracker"). Only the petition, hotline and online channels are
listed (lawsuits and criminal cases count for the three-none status only), and a
case merged into another is listed once, as that one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.petition.conf import CHANNEL_KINDS
from plugins.petition.models import Case, Kind, Status
from plugins.petition.selectors import received_between, township_settings, village_status
from township_integrity import PluginUrls
from township_integrity.models import Village
from township_integrity.services import working_days_between

RECENT_DAYS = 90
PER_PAGE = 100
# Statuses a listed case can have (a merged case is listed as the case it joined).
LISTED_STATUSES = [s for s in Status.values if s != Status.MERGED]
DONE = (Status.CLOSED,)


def urls() -> PluginUrls:
    """The tracker's address in the township: ``/cases/``."""
    return PluginUrls(prefix="cases/", patterns=(path("", tracker, name="tracker"),))


@dataclass(frozen=True)
class TrackedCase:
    """One line of the tracker: nothing that names or points at a person."""

    village: str
    kind: str
    status: str
    status_code: str
    received_on: dt.date
    days_taken: int  # working days from receipt to closing (or to today, when open)
    done: bool
    overdue: bool


class BadFilter(ValueError):
    """A filter value the tracker does not know (the message names the parameter)."""


def _choice(request: HttpRequest, parameter: str, allowed) -> str:
    value = request.GET.get(parameter, "").strip()
    if value and value not in allowed:
        raise BadFilter(
            _("%(parameter)s: %(value)r is not one of the choices")
            % {"parameter": parameter, "value": value[:40]}
        )
    return value


def tracker(request: HttpRequest) -> HttpResponse:
    """Recent cases (the last 90 days), filtered by village, kind and status; villages'
    three-none status this year so far."""
    township_settings()  # the plugin is enabled here (the platform checked it already)
    today = timezone.localdate()
    villages = list(Village.objects.order_by("code").only("pk", "code", "name"))
    kinds = [(k, label) for k, label in Kind.choices if k in CHANNEL_KINDS]
    statuses = [(s, label) for s, label in Status.choices if s in LISTED_STATUSES]
    context = {
        "township": request.township,
        "villages": villages,
        "kinds": kinds,
        "statuses": statuses,
        "recent_days": RECENT_DAYS,
        "year": today.year,
        "three_none": village_status(today.replace(month=1, day=1), today),
    }
    try:
        village = _choice(request, "village", {v.code for v in villages})
        kind = _choice(request, "kind", CHANNEL_KINDS)
        status = _choice(request, "status", LISTED_STATUSES)
    except BadFilter as error:
        context["error"] = str(error)
        return render(request, "petition/public/tracker.html", context, status=400)
    cases = Case.objects.filter(
        received_between(today - dt.timedelta(days=RECENT_DAYS), today),
        kind__in=CHANNEL_KINDS,
        merged_into__isnull=True,
    )
    if village:
        cases = cases.filter(village__code=village)
    if kind:
        cases = cases.filter(kind=kind)
    if status:
        cases = cases.filter(status=status)
    page = Paginator(
        cases.select_related("village")
        .only(
            "kind",
            "status",
            "received_at",
            "closed_at",
            "acknowledge_due",
            "acknowledged_at",
            "handling_due",
            "village__name",
        )
        .order_by("-received_at", "-pk"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    now = timezone.now()
    context.update(
        {
            "page": page,
            "cases": [_tracked(case, today, now) for case in page.object_list],
            "chosen": {"village": village, "kind": kind, "status": status},
        }
    )
    return render(request, "petition/public/tracker.html", context)


def _tracked(case: Case, today: dt.date, now: dt.datetime) -> TrackedCase:
    received = timezone.localdate(case.received_at)
    done = case.status in DONE
    until = timezone.localdate(case.closed_at) if done and case.closed_at else today
    return TrackedCase(
        village=case.village.name,
        kind=case.get_kind_display(),
        status=case.get_status_display(),
        status_code=case.status,
        received_on=received,
        days_taken=working_days_between(received, until),
        done=done,
        overdue=case.is_overdue(now),
    )
