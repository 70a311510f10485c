"""Credit repair (信用修复) in the browser: the household applies, the council decides.

Every write goes through ``platform_core.scoring.repair`` (the service the API calls):
``apply_for_repair`` from the household's own page, ``decide_repair`` from the
council's queue. Another household's entry, or an application outside the viewer's
villages, is not found.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.accounts.selectors import REVIEWER_ROLES
from platform_core.scoring.models import RepairApplication, ScoreEvent
from platform_core.scoring.repair import MAX_HOURS, apply_for_repair, decide_repair
from platform_core.workbench import selectors
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.paging import page_of
from platform_core.workbench.views.mine import HOUSEHOLD, mine_url


class RepairForm(WorkbenchForm):
    """What was done to put the deduction right, and what shows it."""

    action = forms.ChoiceField(
        label=gettext_lazy("Corrective action"), choices=RepairApplication.Action.choices
    )
    hours = forms.IntegerField(
        label=gettext_lazy("Volunteering hours"),
        required=False,
        min_value=1,
        max_value=MAX_HOURS,
        help_text=gettext_lazy("Only for volunteering."),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was done, where and when, and who can confirm it."),
    )


@workbench_page(HOUSEHOLD)
def apply(request, pk: int):
    """Apply for repair of one of my deductions (another household's entry is not found)."""
    entry = (
        ScoreEvent.objects.select_related("household__village", "rule")
        .filter(pk=pk, household__code__in=sorted(request.viewer.household_codes))
        .first()
    )
    if entry is None:
        raise Http404
    form = RepairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: apply_for_repair(
                entry,
                by=request.viewer.actor,
                action=data["action"],
                hours=data["hours"],
                evidence=data["evidence"],
            ),
            lambda application: mine_url(entry.household, request.viewer, "#repairs"),
        )
        if done is not None:
            messages.success(request, _("Your application for repair was sent to the council."))
            return done
    context = {
        "entry": entry,
        "form": form,
        "back": mine_url(entry.household, request.viewer),
        "menu": menu_for(request.viewer, request.township),
    }
    return render(
        request, "workbench/mine/repair.html", context, status=400 if form.errors else 200
    )


class RepairDecisionForm(WorkbenchForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("grant", gettext_lazy("Grant: the deduction stops counting from today")),
            ("refuse", gettext_lazy("Refuse")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _queue(request):
    return selectors.repair_queue(request.viewer).select_related(
        "entry__household__village", "entry__rule"
    )


@workbench_page(REVIEWER_ROLES)
def queue(request):
    """Pending repair applications of the viewer's villages, oldest first."""
    page = page_of(_queue(request).order_by("applied_at", "id"), request)
    context = {"page": page, "menu": menu_for(request.viewer, request.township)}
    return render(request, "workbench/repairs.html", context)


@workbench_page(REVIEWER_ROLES)
def decide(request, pk: int):
    """One application: the deduction, what was done, the evidence; the decision."""
    found = _queue(request).filter(pk=pk).first()
    if found is None:
        raise Http404
    form = RepairDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: decide_repair(
                found,
                by=request.viewer.actor,
                grant=data["decision"] == "grant",
                reason=data["reason"],
            ),
            lambda decided: reverse("work:repairs"),
        )
        if done is not None:
            messages.success(request, _("Repair application %(id)s decided.") % {"id": found.pk})
            return done
    context = {
        "application": found,
        "form": form,
        "menu": menu_for(request.viewer, request.township),
    }
    return render(request, "workbench/repair.html", context, status=400 if form.errors else 200)
