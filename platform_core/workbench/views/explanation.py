"""The printable explanation of a household's tier (PIPL Art. 24), for itself and its staff.

The household opens its own from its page (``mine/explanation/``; with several
households, ``?household=CODE`` among its own, anything else is not found); staff
of its village from the household's page. ``?on=YYYY-MM-DD`` explains an earlier
day. What it shows is ``scoring.explanation.explain``'s, the one read.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.evaluation.selectors import household_history
from platform_core.households.selectors import visible_households
from platform_core.scoring.explanation import explain
from platform_core.workbench.access import refuse, workbench_page
from platform_core.workbench.views.households import staff_households
from platform_core.workbench.views.mine import HOUSEHOLD, mine_url, own_household


def _day(request) -> tuple[dt.date | None, str]:
    """The day asked for (``?on=``; default today) and what was wrong with it, if anything."""
    text = (request.GET.get("on") or "").strip()[:20]
    today = timezone.localdate()
    if not text:
        return today, ""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None, _("%(text)s is not a date; write it as YYYY-MM-DD, e.g. %(today)s") % {
            "text": text,
            "today": today,
        }
    if day > today:
        return None, _("%(day)s is later than today: only days up to today can be explained") % {
            "day": day
        }
    return day, ""


def _page(request, household, back: str):
    day, problem = _day(request)
    context = {"township": request.township, "household": household, "back": back}
    if problem:
        context["problem"] = problem
        return render(request, "workbench/explanation.html", context, status=400)
    context["explanation"] = explain(household, day)
    context["official"] = household_history(household).first()
    return render(request, "workbench/explanation.html", context)


@workbench_page(HOUSEHOLD)
def mine(request):
    """My household's explanation."""
    household = own_household(request)
    if household is None:
        return refuse(request)
    return _page(request, household, mine_url(household, request.viewer))


@workbench_page(STAFF_ROLES)
def household(request, code: str):
    """A household's explanation, for the staff of its village."""
    found = (
        staff_households(request.viewer)
        .filter(visible_households(request.viewer), code=code)
        .first()
    )
    if found is None:
        raise Http404
    return _page(request, found, reverse("work:household", args=[found.code]))
