"""The case handler's workbench screen: open cases of their villages, each moved along its loop.

Written as a third party would write it: Django, the public ``township_integrity``
API and this plugin's own services. Staff of a case's village advance it
(``advance``); reviewers of the village record the determination (``determine``)
— the services the API's mutations call, with the same roles.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.petition.models import DETERMINABLE_KINDS, Determination, Satisfaction, Status
from plugins.petition.selectors import case_steps, cases_in
from plugins.petition.services import (
    DETERMINER_ROLES,
    HANDLER_ROLES,
    NEXT,
    advance,
    determine,
)
from township_integrity import WorkbenchScreen
from township_integrity.workbench import WorkbenchForm, page_of, render_page, submit


def handled_cases(viewer):
    """Cases of the villages where the viewer handles cases."""
    return cases_in(viewer.villages(HANDLER_ROLES))


def open_cases(viewer):
    return handled_cases(viewer).exclude(status=Status.CLOSED)


def waiting(viewer) -> int:
    return open_cases(viewer).count()


class AdvanceForm(WorkbenchForm):
    status = forms.ChoiceField(label=gettext_lazy("Next step"))
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("A transfer says where the case went."),
    )
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("Petitioner's satisfaction"),
        required=False,
        choices=[("", "—"), *Satisfaction.choices],
        help_text=gettext_lazy("Recorded when the case is closed."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Status.choices)
        self.fields["status"].choices = [(s, labels[s]) for s in NEXT[case.status]]


class DetermineForm(WorkbenchForm):
    determination = forms.ChoiceField(
        label=gettext_lazy("Determination"), choices=Determination.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    notice = forms.CharField(
        label=gettext_lazy("Notice given to the petitioner"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Needed for unreasonable, repeated and skip-level: they deduct the household's points."
        ),
    )


def cases(request):
    """Open cases of the viewer's villages (``?show=all``: every case), oldest first."""
    every = request.GET.get("show") == "all"
    found = handled_cases(request.viewer) if every else open_cases(request.viewer)
    page = page_of(found, request)
    context = {"page": page, "every": every}
    return render_page(request, "petition/workbench/cases.html", context)


def case(request, pk: int):
    """One case: its loop so far, the next step, and the determination for reviewers."""
    viewer = request.viewer
    found = handled_cases(viewer).filter(pk=pk).first()
    if found is None:  # another village's (or no such) case: nothing says which
        raise Http404
    posted = request.POST.get("form") if request.method == "POST" else None
    if request.method == "POST" and posted not in ("advance", "determine"):
        return redirect(request.path)
    step_form = AdvanceForm(
        request.POST if posted == "advance" else None, case=found, prefix="advance"
    )
    determine_form = DetermineForm(
        request.POST if posted == "determine" else None, prefix="determine"
    )
    back = reverse("work:petition:case", args=[found.pk])
    if posted == "advance" and step_form.is_valid():
        data = step_form.cleaned_data
        done = submit(
            request,
            step_form,
            lambda: advance(
                found,
                data["status"],
                by=viewer.actor,
                note=data["note"],
                satisfaction=data["satisfaction"],
            ),
            lambda step: _said(request, _("Case %(case)s moved on."), found, back),
        )
        if done is not None:
            return done
    if posted == "determine" and determine_form.is_valid():
        data = determine_form.cleaned_data
        done = submit(
            request,
            determine_form,
            lambda: determine(
                found,
                data["determination"],
                reviewer=viewer.actor,
                reason=data["reason"],
                notice=data["notice"],
            ),
            lambda determined: _said(request, _("Case %(case)s determined."), found, back),
        )
        if done is not None:
            return done
    may_determine = (
        viewer.has(DETERMINER_ROLES, found.village.code)
        and found.kind in DETERMINABLE_KINDS
        and not found.determination
    )
    context = {
        "case": found,
        "steps": case_steps(found),
        "step_form": step_form if NEXT[found.status] or step_form.errors else None,
        "determine_form": determine_form if may_determine or determine_form.errors else None,
    }
    status = 400 if step_form.errors or determine_form.errors else 200
    return render_page(request, "petition/workbench/case.html", context, status=status)


def _said(request, message: str, case, url: str) -> str:
    messages.success(request, message % {"case": case.reference})
    return url


def screens() -> list[WorkbenchScreen]:
    return [
        WorkbenchScreen(
            key="cases",
            title_zh="信访与热线案件",
            title_en="Petition and hotline cases",
            roles=HANDLER_ROLES,
            view=cases,
            urls=(path("<int:pk>/", case, name="case"),),
            waiting=waiting,
            waiting_zh="本村未办结的信访与热线案件",
            waiting_en="Open petition and hotline cases of your villages",
        )
    ]
