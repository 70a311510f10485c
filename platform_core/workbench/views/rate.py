"""Evaluators rate this month's assigned households on one list screen.

A rating is what ``rate_household`` accepts (as the ``rateHousehold`` mutation):
a covenant rule with evidence, which becomes a proposed entry for the joint
review, or "nothing to note". Every row is rated on its own: one refusal is
listed at its household and does not undo the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from platform_core.errors import PlatformError
from platform_core.evaluation.models import Assignment, EvaluationRound
from platform_core.evaluation.services import rate_household
from platform_core.scoring.models import Rule, RuleSubjects
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import Submission, WorkbenchForm, already_done_message
from platform_core.workbench.menu import EVALUATOR_ROLES, menu_for
from platform_core.workbench.views.record import translation_is_english

NOTHING = "none"


@dataclass
class Row:
    """One household to rate in one round (several assignments of it are rated together)."""

    assignment: Assignment
    rated_at: object | None

    @property
    def key(self) -> str:
        return f"{self.assignment.round_id}_{self.assignment.household_id}"

    @property
    def household(self):
        return self.assignment.household

    @property
    def round(self) -> EvaluationRound:
        return self.assignment.round


def assigned_rows(viewer) -> list[Row]:
    """The viewer's assignments in open rounds, one row per round and household (done when
    every assignment of it is rated, as the home page counts)."""
    if viewer.user is None:
        return []
    assignments = (
        Assignment.objects.filter(
            evaluator_id=viewer.user.pk, round__status=EvaluationRound.Status.OPEN
        )
        .select_related("household__village", "round__village")
        .order_by("round__period", "household__code", "id")
    )
    rows: dict[str, Row] = {}
    for assignment in assignments:
        row = Row(assignment, assignment.rated_at)
        if row.key in rows:
            if assignment.rated_at is None:
                rows[row.key].rated_at = None
        else:
            rows[row.key] = row
    return list(rows.values())


def rating_choices() -> list[tuple[str, str]]:
    english = translation_is_english()
    choices = [("", _("— not now")), (NOTHING, _("Nothing to note"))]
    rules = Rule.objects.filter(active=True, applies_to=RuleSubjects.HOUSEHOLDS)
    for rule in rules.order_by("category", "code"):
        title = rule.title_en if english else rule.title_zh
        choices.append((str(rule.pk), f"{rule.code} {title} ({rule.points:+d})"))
    return choices


class RatingsForm(WorkbenchForm):
    """A rating and its evidence per household still to rate."""

    def __init__(self, *args, rows: list[Row], **kwargs):
        super().__init__(*args, **kwargs)
        choices = rating_choices()
        for row in rows:
            self.fields[f"rating_{row.key}"] = forms.ChoiceField(
                label=gettext_lazy("Rating"), choices=choices, required=False
            )
            self.fields[f"evidence_{row.key}"] = forms.CharField(
                label=gettext_lazy("Evidence"), max_length=2000, required=False
            )


@workbench_page(EVALUATOR_ROLES)
def rate(request):
    """GET: my households to rate and the ones done. POST: every rating given, each once."""
    rows = assigned_rows(request.viewer)
    due = [row for row in rows if row.rated_at is None]
    form = RatingsForm(request.POST or None, rows=due)
    status = 200
    if request.method == "POST" and form.is_valid():
        submission = Submission(request, form)
        if not submission.claim():
            messages.info(request, already_done_message())
            return redirect(request.path)
        rated = _apply(request, form, due)
        if rated:
            messages.success(
                request,
                ngettext("%(count)s household rated.", "%(count)s households rated.", rated)
                % {"count": rated},
            )
        if not form.errors:
            submission.done(request.path)
            return redirect(request.path)
        submission.release()  # rated rows are no longer offered: sending again retries the rest
        rows = assigned_rows(request.viewer)
        status = 400
    elif form.errors:
        status = 400
    context = {
        "rows": [
            {
                "row": row,
                "rating": form[f"rating_{row.key}"] if f"rating_{row.key}" in form.fields else None,
                "evidence": form[f"evidence_{row.key}"]
                if f"evidence_{row.key}" in form.fields
                else None,
            }
            for row in rows
        ],
        "due": sum(1 for row in rows if row.rated_at is None),
        "form": form,
        "menu": menu_for(request.viewer, request.township),
    }
    return render(request, "workbench/rate.html", context, status=status)


def _apply(request, form: RatingsForm, due: list[Row]) -> int:
    """Rate each row that has a rating, each in its own transaction; refusals at the row."""
    rules = {
        str(rule.pk): rule
        for rule in Rule.objects.filter(active=True, applies_to=RuleSubjects.HOUSEHOLDS)
    }
    rated = 0
    for row in due:
        choice = form.cleaned_data.get(f"rating_{row.key}") or ""
        if not choice:
            continue
        try:
            with transaction.atomic():
                rate_household(
                    row.round,
                    evaluator=request.viewer.actor,
                    household=row.household,
                    rule=None if choice == NOTHING else rules[choice],
                    evidence=form.cleaned_data.get(f"evidence_{row.key}") or "",
                )
            rated += 1
        except PlatformError as error:
            form.add_error(f"rating_{row.key}", str(error))
    return rated
