"""The village stations' workbench: the case queue, a case with its steps as htmx forms,
statistics per village, and the stations' dispute codes to print.

Written as a third party would write it: Django, the public ``township_integrity``
API and this plugin's own services. Village committee members see and work their own
village's cases; township administrators every village's.
"""

from __future__ import annotations

import datetime as dt

import segno
from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.mediation.conf import SCAN_SIGNATURES
from plugins.mediation.models import ReferredTo, Status
from plugins.mediation.selectors import (
    case_steps,
    cases_in,
    follow_up_due,
    open_cases,
    sessions_held,
    village_stats,
)
from plugins.mediation.services import (
    MEDIATOR_ROLES,
    accept,
    attach_scan,
    reach_agreement,
    record_follow_up,
    record_session,
    refer,
)
from township_integrity import WorkbenchScreen
from township_integrity.models import Village
from township_integrity.workbench import WorkbenchForm, page_of, render_page, submit


def villages_of(viewer):
    """The village codes whose cases the viewer works (None: every village)."""
    return viewer.villages(MEDIATOR_ROLES)


def waiting(viewer) -> int:
    return open_cases(villages_of(viewer)).count()


class AcceptForm(WorkbenchForm):
    phone_confirmed = forms.BooleanField(
        label=gettext_lazy("I reached the applicant on the phone number given"), required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SessionForm(WorkbenchForm):
    on = forms.DateField(
        label=gettext_lazy("Held on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AgreementForm(WorkbenchForm):
    text = forms.CharField(
        label=gettext_lazy("What the parties agreed"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    scan = forms.FileField(
        label=gettext_lazy("Signed agreement (PDF, JPEG or PNG)"), required=False
    )


class ScanForm(WorkbenchForm):
    scan = forms.FileField(label=gettext_lazy("Signed agreement (PDF, JPEG or PNG)"))


class ReferForm(WorkbenchForm):
    to = forms.ChoiceField(label=gettext_lazy("Referred to"), choices=ReferredTo.choices)
    note = forms.CharField(
        label=gettext_lazy("Why mediation failed"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FollowUpForm(WorkbenchForm):
    on = forms.DateField(
        label=gettext_lazy("Followed up on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    held = forms.TypedChoiceField(
        label=gettext_lazy("Did the agreement hold?"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Form name -> (form class, the statuses it is offered in, the service call, its message).
STEP_FORMS = {
    "accept": (
        AcceptForm,
        (Status.REQUESTED,),
        lambda case, actor, d: accept(
            case, by=actor, phone_confirmed=d["phone_confirmed"], note=d["note"]
        ),
        gettext_lazy("Case accepted."),
    ),
    "session": (
        SessionForm,
        (Status.ACCEPTED,),
        lambda case, actor, d: record_session(case, by=actor, on=d["on"], note=d["note"]),
        gettext_lazy("Session recorded."),
    ),
    "agreement": (
        AgreementForm,
        (Status.ACCEPTED,),
        lambda case, actor, d: reach_agreement(case, by=actor, text=d["text"], scan=d["scan"]),
        gettext_lazy("Agreement recorded."),
    ),
    "refer": (
        ReferForm,
        (Status.ACCEPTED,),
        lambda case, actor, d: refer(case, by=actor, to=d["to"], note=d["note"]),
        gettext_lazy("Referral recorded; the case is finished."),
    ),
    "scan": (
        ScanForm,
        (Status.SETTLED,),
        lambda case, actor, d: attach_scan(case, by=actor, scan=d["scan"]),
        gettext_lazy("Signed agreement uploaded."),
    ),
    "follow_up": (
        FollowUpForm,
        (Status.SETTLED,),
        lambda case, actor, d: record_follow_up(
            case, by=actor, on=d["on"], held=d["held"], note=d["note"]
        ),
        gettext_lazy("Follow-up recorded; the case is closed."),
    ),
}


def queue(request):
    """The viewer's villages' cases waiting for the station (``?show=all``: every case;
    ``?village=``: one village), oldest first."""
    codes = villages_of(request.viewer)
    every = request.GET.get("show") == "all"
    found = cases_in(codes) if every else open_cases(codes)
    village = request.GET.get("village", "").strip()
    if village:
        found = found.filter(village__code=village)
    context = {"page": page_of(found, request), "every": every, "village": village}
    return render_page(request, "mediation/workbench/queue.html", context)


def case(request, pk: int):
    """One case: its steps so far and the next steps as forms (htmx swaps the case in place)."""
    viewer = request.viewer
    found = cases_in(villages_of(viewer)).filter(pk=pk).first()
    if found is None:  # another village's (or no such) case: nothing says which
        raise Http404
    back = reverse("work:mediation:case", args=[found.pk])
    posted = request.POST.get("form") if request.method == "POST" else None
    if posted is not None and posted not in STEP_FORMS:
        return redirect(back)
    bound = {}
    if posted is not None:
        form_class, _offered, apply, said = STEP_FORMS[posted]
        form = form_class(request.POST, request.FILES, prefix=posted)
        if form.is_valid():
            data = form.cleaned_data
            done = submit(
                request,
                form,
                lambda: apply(found, viewer.actor, data),
                lambda step: _said(request, str(said), back),
                atomic=False,
            )
            if done is not None:
                return done
        bound[posted] = form
    step_forms = {
        name: bound.get(name) or form_class(prefix=name)
        for name, (form_class, offered, _apply, _said) in STEP_FORMS.items()
        if found.status in offered or name in bound
    }
    context = {
        "case": found,
        "steps": case_steps(found),
        "sessions": sessions_held(found),
        "forms": step_forms,
        "follow_up_due": follow_up_due(found),
    }
    status = 400 if bound and not request.htmx else 200
    return render_page(request, "mediation/workbench/case.html", context, status=status)


def scan(request, pk: int):
    """The signed agreement's scan, for the staff who see the case (a download)."""
    found = cases_in(villages_of(request.viewer)).filter(pk=pk).first()
    if found is None or not found.agreement_scan:
        raise Http404
    content_type = dict(SCAN_SIGNATURES.values())  # "pdf" -> "application/pdf", ...
    return FileResponse(
        found.agreement_scan.open("rb"),
        as_attachment=True,
        filename=f"{found.receipt}.{found.scan_type}",
        content_type=content_type.get(found.scan_type, "application/octet-stream"),
    )


def _said(request, message: str, url: str) -> str:
    messages.success(request, message)
    return url


def _period(request) -> tuple[dt.date, dt.date, str]:
    """``?start=``/``?end=`` (YYYY-MM-DD; default this year so far), or an error."""
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start") or f"{today.year}-01-01")
        end = dt.date.fromisoformat(request.GET.get("end") or today.isoformat())
    except ValueError:
        return today.replace(month=1, day=1), today, _("Dates are written YYYY-MM-DD.")
    if end < start:
        return start, end, _("The end is before the start.")
    return start, end, ""


def stats(request):
    """Per village of the viewer: received, settled in the village, referred, open."""
    start, end, error = _period(request)
    rows = [] if error else village_stats(start, end, villages_of(request.viewer))
    context = {"rows": rows, "start": start, "end": end, "error": error}
    return render_page(
        request, "mediation/workbench/stats.html", context, status=400 if error else 200
    )


def stations(request):
    """Each village station's dispute code (QR) to print; the township's code on top."""
    codes = villages_of(request.viewer)
    villages = Village.objects.order_by("code")
    if codes is not None:
        villages = villages.filter(code__in=sorted(codes))
    rows = []
    for village in villages:
        link = request.build_absolute_uri(reverse("mediation:station", args=[village.code]))
        rows.append((village, link, _qr(link)))
    township_link = request.build_absolute_uri(reverse("mediation:code"))
    context = {"rows": rows, "township_link": township_link, "township_qr": _qr(township_link)}
    return render_page(request, "mediation/workbench/stations.html", context)


def _qr(link: str) -> str:
    return segno.make(link, error="m", micro=False).svg_inline(scale=4, border=4)


def screens() -> list[WorkbenchScreen]:
    return [
        WorkbenchScreen(
            key="cases",
            title_zh="矛盾调解",
            title_en="Dispute mediation",
            roles=MEDIATOR_ROLES,
            view=queue,
            urls=(
                path("<int:pk>/", case, name="case"),
                path("<int:pk>/scan/", scan, name="scan"),
            ),
            waiting=waiting,
            waiting_zh="本村待调解的纠纷",
            waiting_en="Disputes waiting at your village stations",
        ),
        WorkbenchScreen(
            key="stats",
            title_zh="调解统计",
            title_en="Mediation statistics",
            roles=MEDIATOR_ROLES,
            view=stats,
        ),
        WorkbenchScreen(
            key="stations",
            title_zh="解纷码",
            title_en="Dispute codes",
            roles=MEDIATOR_ROLES,
            view=stations,
        ),
    ]
