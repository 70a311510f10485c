"""The case handler's workbench screen: open cases of their villages, each moved along its loop.

Written as a third party would write it: Django, the public ``township_integrity``
API and this plugin's own services. Staff of a case's village advance it
(``advance``); reviewers of the village record the determination (``determine``)
— the services the API's mutations call, with the same roles.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.petition.loop_workbench import FORMS as LOOP_FORMS
from plugins.petition.loop_workbench import loop_part
from plugins.petition.models import DETERMINABLE_KINDS, Determination, Satisfaction, Status
from plugins.petition.selectors import case_steps, cases_in, open_warnings, overdue_cases
from plugins.petition.services import (
    DETERMINER_ROLES,
    HANDLER_ROLES,
    NEXT,
    acknowledge_warning,
    advance,
    determine,
    warn_petitioner,
)
from township_integrity import WorkbenchScreen
from township_integrity.workbench import WorkbenchForm, page_of, render_page, submit


def handled_cases(viewer):
    """Cases of the villages where the viewer handles cases."""
    return cases_in(viewer.villages(HANDLER_ROLES))


def open_cases(viewer):
    return handled_cases(viewer).exclude(status__in=(Status.CLOSED, Status.MERGED))


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
    authority = forms.CharField(
        label=gettext_lazy("Finding: authority"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Unreasonable, repeated and skip-level deduct the household's points: only on a "
            "formal finding, after the petitioner was warned."
        ),
    )
    document_number = forms.CharField(
        label=gettext_lazy("Finding: document number"), required=False, max_length=100
    )
    found_on = forms.DateField(
        label=gettext_lazy("Finding: date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def finding(self) -> dict | None:
        data = self.cleaned_data
        found = {
            "authority": data.get("authority") or "",
            "document_number": data.get("document_number") or "",
            "found_on": data.get("found_on"),
        }
        return found if any(found.values()) else None


class WarnForm(WorkbenchForm):
    warning = forms.CharField(
        label=gettext_lazy("Warning given to the petitioner"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "What the petitioner was told: continuing would lower the household's points."
        ),
    )
    warned_on = forms.DateField(
        label=gettext_lazy("Warned on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for now; the day it was given, if earlier."),
    )

    def warned_at(self, case):
        """When the warning was given: now, or midday of an earlier day (not before the
        case was received); the service refuses a future or too early time."""
        day = self.cleaned_data.get("warned_on")
        if day is None or day >= timezone.localdate():
            return None if day is None or day == timezone.localdate() else _at_noon(day)
        return max(_at_noon(day), case.received_at)


def _at_noon(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


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
    if request.method == "POST" and posted not in ("advance", "warn", "determine", *LOOP_FORMS):
        return redirect(request.path)
    # Repeats, the follow-up call and reopening: their own forms (loop_workbench).
    loop = loop_part(request, found, posted, reverse("work:petition:case", args=[found.pk]))
    if loop.done is not None:
        return loop.done
    step_form = AdvanceForm(
        request.POST if posted == "advance" else None, case=found, prefix="advance"
    )
    determine_form = DetermineForm(
        request.POST if posted == "determine" else None, prefix="determine"
    )
    warn_form = WarnForm(request.POST if posted == "warn" else None, prefix="warn")
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
    if posted == "warn" and warn_form.is_valid():
        done = submit(
            request,
            warn_form,
            lambda: warn_petitioner(
                found,
                warning=warn_form.cleaned_data["warning"],
                by=viewer.actor,
                at=warn_form.warned_at(found),
            ),
            lambda warned: _said(request, _("Warning on case %(case)s recorded."), found, back),
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
                finding=determine_form.finding(),
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
    may_warn = (
        found.kind in DETERMINABLE_KINDS and not found.determination and found.notified_at is None
    )
    context = {
        "case": found,
        "warn_form": warn_form if may_warn or warn_form.errors else None,
        "finding": getattr(found.entry, "finding", None) if found.entry_id else None,
        "steps": case_steps(found),
        "step_form": step_form if NEXT[found.status] or step_form.errors else None,
        "determine_form": determine_form if may_determine or determine_form.errors else None,
    }
    context.update(loop.context)
    status = 400 if step_form.errors or determine_form.errors or warn_form.errors else 200
    status = 400 if loop.errors else status
    return render_page(request, "petition/workbench/case.html", context, status=status)


def _said(request, message: str, case, url: str) -> str:
    messages.success(request, message % {"case": case.reference})
    return url


# --- deadlines and early warnings (docs/plugins/petition.md) -------------------------


def overdue(request):
    """Overdue cases of the viewer's villages (administrators: every village), the
    longest overdue first."""
    page = page_of(overdue_cases(request.viewer), request)
    return render_page(request, "petition/workbench/overdue.html", {"page": page})


def overdue_waiting(viewer) -> int:
    return overdue_cases(viewer).count()


class AcknowledgeForm(WorkbenchForm):
    note = forms.CharField(
        label=gettext_lazy("What is being done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required: how the village follows up the rise in cases."),
    )


def warnings(request):
    """Early warnings of the viewer's villages not acknowledged yet; each acknowledged
    with a note (who and when are recorded)."""
    viewer = request.viewer
    found = open_warnings(viewer)
    forms_by_pk = {}
    if request.method == "POST":
        warning = found.filter(pk=_int(request.POST.get("warning"))).first()
        if warning is None:  # another village's, acknowledged or no such warning
            raise Http404
        form = AcknowledgeForm(request.POST, prefix=f"w{warning.pk}")
        if form.is_valid():
            done = submit(
                request,
                form,
                lambda: acknowledge_warning(
                    warning, by=viewer.actor, note=form.cleaned_data["note"]
                ),
                lambda acknowledged: _acknowledged(request, acknowledged),
            )
            if done is not None:
                return done
        forms_by_pk[warning.pk] = form
    rows = [(w, forms_by_pk.get(w.pk) or AcknowledgeForm(prefix=f"w{w.pk}")) for w in found]
    status = 400 if forms_by_pk else 200
    return render_page(request, "petition/workbench/warnings.html", {"rows": rows}, status=status)


def warnings_waiting(viewer) -> int:
    return open_warnings(viewer).count()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _acknowledged(request, warning) -> str:
    messages.success(
        request,
        _("Early warning of %(village)s for %(month)s acknowledged.")
        % {"village": warning.village.name, "month": f"{warning.month:%Y-%m}"},
    )
    return reverse("work:petition:warnings")


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
        ),
        WorkbenchScreen(
            key="overdue",
            title_zh="逾期案件",
            title_en="Overdue cases",
            roles=HANDLER_ROLES,
            view=overdue,
            waiting=overdue_waiting,
            waiting_zh="本村逾期未签收或未答复的案件",
            waiting_en="Overdue cases of your villages (not acknowledged or not answered)",
        ),
        WorkbenchScreen(
            key="warnings",
            title_zh="信访预警",
            title_en="Early warnings",
            roles=HANDLER_ROLES,
            view=warnings,
            waiting=warnings_waiting,
            waiting_zh="待确认的信访预警",
            waiting_en="Early warnings to acknowledge",
        ),
    ]
