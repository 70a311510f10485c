"""The month page: progress per village, post the results (公示), finalise the month (or, a
township administrator, override the posting with a reason), publish the boards."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import ADMIN_ROLES
from platform_core.errors import PlatformError
from platform_core.evaluation.selectors import postings_by_village
from platform_core.evaluation.services import finalise_month, post_months
from platform_core.households.models import Village
from platform_core.publication.services import publish_board
from platform_core.scheduling import previous_month
from platform_core.scoring.policy import month_end, parse_period
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import Submission, WorkbenchForm, already_done_message, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.selectors import month_progress


def chosen_month(value: str | None) -> dt.date:
    """``YYYY-MM`` from the address, else the month to finalise: the one before today's
    (a bad value falls back too)."""
    try:
        return parse_period(value or "")
    except ValueError:
        return previous_month(timezone.localdate())


def quarter_of(period: dt.date) -> int:
    return (period.month - 1) // 3 + 1


class MonthForm(WorkbenchForm):
    action = forms.ChoiceField(
        choices=[
            ("post", "post"),
            ("finalise", "finalise"),
            ("override", "override"),
            ("publish", "publish"),
        ]
    )
    override_posting = forms.CharField(
        label=gettext_lazy("Reason to finalise before the posting ends"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@workbench_page(ADMIN_ROLES)
def month(request):
    viewer = request.viewer
    period = chosen_month(request.GET.get("month"))
    if request.method == "POST":
        form = MonthForm(request.POST)
        if form.is_valid():
            return _act(request, form, period)
    rows = month_progress(period, _village_codes(viewer))
    postings = {p.village.code: p for p in postings_by_village(period).values()}
    quarter_end = period.month % 3 == 0
    context = {
        "period": period,
        "previous": previous_month(period),
        "next": month_end(period) + dt.timedelta(days=1),
        "rows": rows,
        "lines": [(row, postings.get(row.code)) for row in rows],
        "posting_days": request.township.posting_days,
        "month_over": month_end(period) < timezone.localdate(),
        "can_post": any(r.status != "finalised" for r in rows),
        "can_override": viewer.has([Role.TOWNSHIP_ADMIN]),
        "finalised": bool(rows) and all(r.status == "finalised" for r in rows),
        "quarter": quarter_of(period),
        "quarter_end": quarter_end,
        "can_publish": quarter_end
        and any(r.status == "finalised" and not r.board_published for r in rows),
        "form": MonthForm(),
        "menu": menu_for(viewer, request.township),
    }
    return render(request, "workbench/month.html", context)


def _act(request, form, period: dt.date):
    here = reverse("work:month") + f"?month={period:%Y-%m}"
    action = form.cleaned_data["action"]
    if action == "post":
        return _post(request, form, period, here)
    if action in ("finalise", "override"):
        # An override passes the reason as typed: a blank one is refused by the service.
        reason = form.cleaned_data["override_posting"] if action == "override" else None
        done = submit(
            request,
            form,
            lambda: finalise_month(period, by=request.viewer.actor, override_posting=reason),
            lambda result: here,
        )
        if done is None:
            messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
            return redirect(here)
        messages.success(request, _("%(month)s is finalised.") % {"month": f"{period:%Y-%m}"})
        return done
    return _publish(request, form, period, here)


def _post(request, form, period: dt.date, here: str):
    """Post the month's results of the viewer's villages not finalised (each on its own)."""
    submission = Submission(request, form)
    if not submission.claim():
        messages.info(request, already_done_message())
        return redirect(here)
    codes = _village_codes(request.viewer)
    villages = Village.objects.order_by("code")
    if codes is not None:
        villages = villages.filter(code__in=codes)
    postings, refused = post_months(period, by=request.viewer.actor, villages=villages)
    for name, message in refused.items():
        messages.error(request, f"{name}: {message}")
    if postings:
        messages.success(
            request,
            ngettext(
                "%(count)s village's results posted until %(date)s.",
                "%(count)s villages' results posted until %(date)s.",
                len(postings),
            )
            % {"count": len(postings), "date": max(p.ends_on for p in postings)},
        )
    submission.done(here)
    return redirect(here)


def _publish(request, form, period: dt.date, here: str):
    """Publish the quarter's board of every village that has none yet (each on its own)."""
    submission = Submission(request, form)
    if not submission.claim():
        messages.info(request, already_done_message())
        return redirect(here)
    rows = month_progress(period, _village_codes(request.viewer))
    villages = Village.objects.in_bulk([row.code for row in rows], field_name="code")
    published = 0
    for progress in rows:
        if progress.board_published or progress.status != "finalised":
            continue
        try:
            publish_board(
                villages[progress.code],
                year=period.year,
                quarter=quarter_of(period),
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


def _village_codes(viewer) -> list[str] | None:
    """The villages the viewer runs the month for (None: all of them)."""
    codes = viewer.villages(ADMIN_ROLES)
    return None if codes is None else sorted(codes)
