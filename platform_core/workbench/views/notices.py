"""Notices of deductions on the workbench (docs/scoring.md, "Notice before a deduction
counts"): the list on a household's page, and staff recording an answer the household
gave by phone, by letter or in person, on its behalf. The answer is an objection
(``file_objection``, the service the household's own page and the API call)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.households.models import Household
from platform_core.households.selectors import visible_households
from platform_core.notices.selectors import masked, notices_of
from platform_core.scoring.models import ScoreEvent
from platform_core.scoring.services import file_objection
from platform_core.workbench import selectors
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.selectors import subject_page

# What the notices' tables show (staff's and the household's own), nothing else: a
# notice's text, its deduction's and rule's other columns cost ~1 ms of CPU for 50.
NOTICE_FIELDS = (
    "id",
    "entry_id",
    "channel",
    "address",
    "status",
    "error",
    "notified_on",
    "response_due",
    "sent_at",
    "sent_by_label",
    "entry__id",
    "entry__rule_id",
    "entry__points",
    "entry__occurred_on",
    "entry__counts_from",
    "entry__rule__id",
    "entry__rule__code",
    "entry__rule__basis",
)


def household_notices(household: Household, deadlines: dict) -> list:
    """The household's notices of deductions, addresses masked, each saying whether it
    may still be answered (``deadlines``: the entries open to an objection)."""
    today = timezone.localdate()
    shown = list(notices_of(household).only(*NOTICE_FIELDS)[:50])
    for notice in shown:
        notice.shown_address = masked(notice.address)
        notice.answerable = (
            notice.entry_id in deadlines
            and notice.response_due is not None
            and today <= notice.response_due
        )
    return shown


class AnswerForm(WorkbenchForm):
    """The household's answer as staff received it."""

    HOW = [
        ("phone", gettext_lazy("by phone")),
        ("letter", gettext_lazy("by letter")),
        ("in person", gettext_lazy("in person")),
    ]
    received = forms.ChoiceField(label=gettext_lazy("Received"), choices=HOW)
    reason = forms.CharField(
        label=gettext_lazy("What the household says"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@workbench_page(STAFF_ROLES)
def record_answer(request, code: str, pk: int):
    """Record a household's answer to the notice of a deduction, on its behalf; or a
    merchant's or firm's objection, given by its legal representative (docs/subjects.md)."""
    villages = request.viewer.villages(STAFF_ROLES)
    # Any subject: a merchant's or firm's legal representative objects this way too.
    households = Household.subjects.filter(visible_households(request.viewer), code=code)
    if villages is not None:  # staff of some villages only (None: of every village)
        households = households.filter(village__code__in=sorted(villages))
    household = households.select_related("village").first()
    entry = (
        ScoreEvent.objects.select_related("household__village", "rule")
        .filter(pk=pk, household=household)
        .first()
        if household is not None
        else None
    )
    if entry is None:
        raise Http404
    deadline = selectors.objectionable([entry]).get(entry.pk)
    form = AnswerForm(request.POST or None)
    if not household.is_household:
        form.fields["reason"].label = _("What the legal representative says")
    back = subject_page(household) + ("#notices" if household.is_household else "#objections")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        how = dict(AnswerForm.HOW)[data["received"]]
        done = submit(
            request,
            form,
            lambda: file_objection(
                entry,
                by=request.viewer.actor,
                reason=f"({how}) {data['reason']}",
                on_behalf=True,
            ),
            lambda objection: back,
        )
        if done is not None:
            messages.success(
                request,
                _("The household's answer was sent to the council.")
                if household.is_household
                else _("The legal representative's objection was sent to the council."),
            )
            return done
    context = {
        "household": household,
        "entry": entry,
        "form": form,
        "deadline": deadline,
        "back": back,
        "menu": menu_for(request.viewer, request.township),
    }
    return render(
        request, "workbench/notice_answer.html", context, status=400 if form.errors else 200
    )
