"""The month page: progress per village, then finalise the month and publish the boards."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from platform_core.accounts.selectors import ADMIN_ROLES
from platform_core.errors import PlatformError
from platform_core.evaluation.selectors import month_progress
from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Village
from platform_core.publication.services import publish_board
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import Submission, WorkbenchForm, already_done_message, submit
from platform_core.workbench.menu import menu_for


def last_month() -> dt.date:
    """The month to finalise: the one before today's."""
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def chosen_month(value: str | None) -> dt.date:
    """``YYYY-MM`` from the address, else last month (a bad value falls back too)."""
    try:
        year, month = (value or "").split("-")
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return last_month()


class MonthForm(WorkbenchForm):
    action = forms.ChoiceField(choices=[("finalise", "finalise"), ("publish", "publish")])


@workbench_page(ADMIN_ROLES)
def month(request):
    viewer = request.viewer
    period = chosen_month(request.GET.get("month"))
    if request.method == "POST":
        form = MonthForm(request.POST)
        if form.is_valid():
            return _act(request, form, period)
    codes = viewer.villages(ADMIN_ROLES)
    rows = month_progress(period, None if codes is None else sorted(codes))
    quarter_end = period.month % 3 == 0
    context = {
        "period": period,
        "previous": (period - dt.timedelta(days=1)).replace(day=1),
        "next": (period + dt.timedelta(days=32)).replace(day=1),
        "rows": rows,
        "finalised": bool(rows) and all(r.status == "finalised" for r in rows),
        "quarter": (period.month - 1) // 3 + 1,
        "quarter_end": quarter_end,
        "can_publish": quarter_end
        and any(r.status == "finalised" and not r.board_published for r in rows),
        "form": MonthForm(),
        "menu": menu_for(viewer, request.township),
    }
    return render(request, "workbench/month.html", context)


def _act(request, form, period: dt.date):
    here = reverse("work:month") + f"?month={period:%Y-%m}"
    if form.cleaned_data["action"] == "finalise":
        done = submit(
            request,
            form,
            lambda: finalise_month(period, by=request.viewer.actor),
            lambda result: here,
        )
        if done is None:
            messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
            return redirect(here)
        messages.success(request, _("%(month)s is finalised.") % {"month": f"{period:%Y-%m}"})
        return done
    return _publish(request, form, period, here)


def _publish(request, form, period: dt.date, here: str):
    """Publish the quarter's board of every village that has none yet (each on its own)."""
    submission = Submission(request, form)
    if not submission.claim():
        messages.info(request, already_done_message())
        return redirect(here)
    codes = request.viewer.villages(ADMIN_ROLES)
    villages = Village.objects.order_by("code")
    if codes is not None:
        villages = villages.filter(code__in=sorted(codes))
    published = 0
    quarter = (period.month - 1) // 3 + 1
    for progress in month_progress(period, [v.code for v in villages]):
        if progress.board_published or progress.status != "finalised":
            continue
        try:
            publish_board(
                villages.get(code=progress.code),
                year=period.year,
                quarter=quarter,
                publisher=request.viewer.actor,
            )
            published += 1
        except PlatformError as error:
            messages.error(request, f"{progress.name}: {error}")
    if published:
        messages.success(
            request,
            ngettext(
                "%(count)s honour board published.", "%(count)s honour boards published.", published
            )
            % {"count": published},
        )
    submission.done(here)
    return redirect(here)
