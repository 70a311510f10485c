"""The case page's part for repeats, the follow-up call and reopening (plugins.petition.loop).

``loop_part(request, case, posted, back)`` handles this part's forms (``merge``,
``follow_up``, ``reopen``) and gives what ``petition/workbench/_loop.html`` shows:
the possible repeats with a merge form, the follow-up form of a responded case, the
reopen form of a closed case the citizen was unsatisfied with (within the window),
the follow-ups made so far, and where the case was merged. The services check every
rule; the forms only carry the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.petition.loop import (
    may_reopen,
    merge_case,
    record_follow_up,
    reopen_case,
    reopen_until,
    repeat_candidates,
)
from plugins.petition.models import Case, Satisfaction, Status
from township_integrity.workbench import WorkbenchForm, submit

#: The forms of this part, by the ``form`` value they post.
FORMS = ("merge", "follow_up", "reopen")


class MergeForm(WorkbenchForm):
    into = forms.ChoiceField(
        label=gettext_lazy("Merge this case into"),
        help_text=gettext_lazy(
            "The main case. This case keeps its history, is marked merged and points to it."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why it is the same matter"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].choices = [
            (str(c.pk), f"{c.get_kind_display()} {c.reference} · {c.received_at:%Y-%m-%d}")
            for c in candidates
        ]


class FollowUpForm(WorkbenchForm):
    result = forms.CharField(
        label=gettext_lazy("What the citizen said"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    satisfaction_score = forms.IntegerField(
        label=gettext_lazy("Satisfaction score (1–5)"), min_value=1, max_value=5
    )
    satisfied = forms.ChoiceField(
        label=gettext_lazy("Citizen's satisfaction"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("The case closes with the follow-up."),
    )


class ReopenForm(WorkbenchForm):
    reason = forms.CharField(
        label=gettext_lazy("Why the case is reopened"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@dataclass
class LoopPart:
    """This part's context for the template, and the redirect when a form was applied."""

    done: object = None  # an HttpResponseRedirect
    context: dict = field(default_factory=dict)
    errors: bool = False


def loop_part(request, case: Case, posted: str | None, back: str) -> LoopPart:
    """Apply a posted merge, follow-up or reopen form, or prepare this part of the page."""
    viewer = request.viewer
    open_case = case.status not in (Status.CLOSED, Status.MERGED)
    candidates = repeat_candidates(case) if open_case else []
    data = request.POST if posted in FORMS else None
    merge_form = MergeForm(
        data if posted == "merge" else None, candidates=candidates, prefix="merge"
    )
    follow_up_form = FollowUpForm(data if posted == "follow_up" else None, prefix="follow_up")
    reopen_form = ReopenForm(data if posted == "reopen" else None, prefix="reopen")

    def said(message: str):
        def url(_result) -> str:
            messages.success(request, message % {"case": case.reference})
            return back

        return url

    if posted == "merge" and merge_form.is_valid():
        main = next(c for c in candidates if str(c.pk) == merge_form.cleaned_data["into"])
        done = submit(
            request,
            merge_form,
            lambda: merge_case(case, main, viewer.actor, merge_form.cleaned_data["reason"]),
            said(_("Case %(case)s merged.")),
        )
        if done is not None:
            return LoopPart(done=done)
    if posted == "follow_up" and follow_up_form.is_valid():
        data = follow_up_form.cleaned_data
        done = submit(
            request,
            follow_up_form,
            lambda: record_follow_up(
                case, viewer.actor, data["result"], data["satisfaction_score"], data["satisfied"]
            ),
            said(_("Follow-up of case %(case)s recorded; the case is closed.")),
        )
        if done is not None:
            return LoopPart(done=done)
    if posted == "reopen" and reopen_form.is_valid():
        done = submit(
            request,
            reopen_form,
            lambda: reopen_case(case, viewer.actor, reopen_form.cleaned_data["reason"]),
            said(_("Case %(case)s reopened.")),
        )
        if done is not None:
            return LoopPart(done=done)
    show_merge = bool(candidates) and case.household_id is not None
    context = {
        "repeats": candidates,
        "merge_form": merge_form if show_merge or merge_form.errors else None,
        "follow_up_form": (
            follow_up_form if case.status == Status.RESPONDED or follow_up_form.errors else None
        ),
        "reopen_form": reopen_form if may_reopen(case) or reopen_form.errors else None,
        "reopen_until": reopen_until(case),
        "follow_ups": list(case.follow_ups.order_by("at", "pk")),
        "merged_cases": list(case.merged_cases.order_by("received_at", "pk")),
    }
    errors = bool(merge_form.errors or follow_up_form.errors or reopen_form.errors)
    return LoopPart(context=context, errors=errors)
