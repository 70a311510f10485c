"""A household's own pages: its standing and why, its wallet, objections and declarations.

A person with the household role sees only the households they speak for; with
several, ``?household=CODE`` picks one of them (anything else is not found). Every
write goes through the services the API calls: ``file_objection`` and
``declare_good_deed``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.accounts.models import Role
from platform_core.alliance.selectors import household_dividends
from platform_core.households.models import Household
from platform_core.scoring.evidence import declare_good_deed
from platform_core.scoring.models import (
    Declaration,
    RepairApplication,
    Rule,
    ScoreEvent,
)
from platform_core.scoring.services import file_objection
from platform_core.workbench import selectors
from platform_core.workbench.access import refuse, workbench_page
from platform_core.workbench.forms import DateInput, PhotoField, WorkbenchForm, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.views.households import household_context
from platform_core.workbench.views.notices import household_notices
from platform_core.workbench.views.record import RuleChoice

HOUSEHOLD = (Role.HOUSEHOLD,)


def own_household(request) -> Household | None:
    """The household this page is about: ``?household=`` among the viewer's own, else the
    first of them; None for a person who speaks for no household here."""
    codes = sorted(request.viewer.household_codes)
    if not codes:
        return None
    wanted = (request.GET.get("household") or "").strip()[:32]
    if wanted and wanted not in codes:
        raise Http404
    return (
        Household.objects.select_related("village", "grid").filter(code=wanted or codes[0]).first()
    )


def mine_url(household: Household, viewer, anchor: str = "") -> str:
    """The household's page, naming the household only when the viewer has several."""
    url = reverse("work:mine")
    if len(viewer.household_codes) > 1:
        url += f"?household={household.code}"
    return url + anchor


class ObjectionForm(WorkbenchForm):
    """Object to one deduction; the deduction is shown (not chosen) so refusals about it,
    such as a closed window, show at its field."""

    entry = forms.CharField(label=gettext_lazy("Deduction"), required=False, disabled=True)
    reason = forms.CharField(
        label=gettext_lazy("Why the deduction is wrong"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, entry: ScoreEvent, deadline=None, **kwargs):
        kwargs.setdefault("prefix", f"e{entry.pk}")  # one form per deduction on a page
        super().__init__(*args, **kwargs)
        shown = f"{entry.rule.code} {entry.points:+d} · {entry.occurred_on:%Y-%m-%d}"
        self.fields["entry"].initial = shown
        if deadline is not None:
            self.fields["entry"].help_text = _("Last day to object: %(date)s") % {
                "date": f"{deadline:%Y-%m-%d}"
            }


@workbench_page(HOUSEHOLD)
def mine(request):
    """My score, tier and why; my wallet; my objections and declarations."""
    household = own_household(request)
    if household is None:
        return refuse(request)
    context = mine_context(request, household)
    return render(request, "workbench/mine/page.html", context)


def mine_context(request, household: Household) -> dict:
    context = household_context(household)
    entries = list(context["entries"])
    deadlines = selectors.objectionable(entries)
    for entry in entries:
        entry.object_by = deadlines.get(entry.pk)
    repairable = selectors.repairable(household)
    for entry in entries:
        entry.repairable = entry.pk in repairable
    context.update(
        {
            "repairs": RepairApplication.objects.filter(entry__household=household)
            .select_related("entry__rule")
            .order_by("-applied_at")[:50],
            "explanation_url": reverse("work:my-explanation")
            + (f"?household={household.code}" if len(request.viewer.household_codes) > 1 else ""),
            "entries": entries,
            "deadlines": deadlines,
            "notices": household_notices(household, deadlines),
            "objection_forms": [
                (entry, ObjectionForm(entry=entry, deadline=deadlines[entry.pk]))
                for entry in entries
                if entry.pk in deadlines
            ],
            "declarations": Declaration.objects.filter(household=household)
            .select_related("rule", "entry")
            .prefetch_related("photos")
            .order_by("-declared_at")[:50],
            "dividends": household_dividends(household),
            "own_codes": sorted(request.viewer.household_codes),
            "declare_url": reverse("work:declare")
            + (f"?household={household.code}" if len(request.viewer.household_codes) > 1 else ""),
            "menu": menu_for(request.viewer, request.township),
        }
    )
    return context


@workbench_page(HOUSEHOLD)
def object_to(request, pk: int):
    """Object to one of my deductions (another household's entry is not found)."""
    entry = (
        ScoreEvent.objects.select_related("household__village", "rule")
        .filter(pk=pk, household__code__in=sorted(request.viewer.household_codes))
        .first()
    )
    if entry is None:
        raise Http404
    deadline = selectors.objectionable([entry]).get(entry.pk)
    form = ObjectionForm(request.POST or None, entry=entry, deadline=deadline)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        done = submit(
            request,
            form,
            lambda: file_objection(entry, by=request.viewer.actor, reason=reason),
            lambda objection: mine_url(entry.household, request.viewer, "#objections"),
        )
        if done is not None:
            messages.success(request, _("Your objection was sent to the council."))
            return done
    context = {
        "entry": entry,
        "form": form,
        "deadline": deadline,
        "back": mine_url(entry.household, request.viewer),
        "menu": menu_for(request.viewer, request.township),
    }
    return render(
        request, "workbench/mine/object.html", context, status=400 if form.errors else 200
    )


class DeclareForm(WorkbenchForm):
    """A good deed of the household's own (村民申报): rule, date, what happened, a photo."""

    rule = RuleChoice(queryset=Rule.objects.none(), label=gettext_lazy("Rule"))
    occurred_on = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    note = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Who, where, and who saw it."),
    )
    photo = PhotoField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only rules that award points may be declared (the service refuses the others).
        self.fields["rule"].queryset = Rule.objects.filter(active=True, points__gt=0).order_by(
            "category", "code"
        )
        self.initial.setdefault("occurred_on", timezone.localdate())


@workbench_page(HOUSEHOLD)
def declare(request):
    """Declare a good deed; the village's staff confirm it into a proposed entry."""
    household = own_household(request)
    if household is None:
        return refuse(request)
    form = DeclareForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: declare_good_deed(
                household=household,
                rule=data["rule"],
                occurred_on=data["occurred_on"],
                note=data["note"],
                by=request.viewer.actor,
                photos=[data["photo"]] if data["photo"] else [],
            ),
            lambda declaration: mine_url(household, request.viewer, "#declarations"),
        )
        if done is not None:
            messages.success(request, _("Your declaration was sent to your village's staff."))
            return done
    context = {
        "household": household,
        "form": form,
        "back": mine_url(household, request.viewer),
        "menu": menu_for(request.viewer, request.township),
    }
    return render(
        request, "workbench/mine/declare.html", context, status=400 if form.errors else 200
    )
