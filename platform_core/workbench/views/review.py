"""The joint review in the browser: pending entries and objections, decided with reasons."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import connection
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from platform_core.accounts.selectors import REVIEWER_ROLES
from platform_core.errors import PlatformError
from platform_core.scoring.models import EvidencePhoto, ScoreEvent
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.selectors import is_overdue, objection_answer_due, overdue_objections
from platform_core.scoring.services import decide_objection, objection_deadline, review_entry
from platform_core.workbench import selectors
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import Submission, WorkbenchForm, already_done_message, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.paging import page_of
from platform_core.workbench.rows import review_rows


class ReviewForm(WorkbenchForm):
    action = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))]
    )
    entries = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=1000, required=False)

    def __init__(self, *args, entry_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].choices = [(pk, pk) for pk in entry_ids]

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A rejection needs a reason the household can read."))
        return data


def review_page(viewer, request):
    """One page of the queue with everything its rows show, in a fixed number of queries.

    The page's entries are chosen by id first, then fetched with their household,
    village, rule and photos: PostgreSQL joined every pending entry before sorting
    and skipping to the page (10 ms of its CPU per page at 2,000 pending), where
    the ids alone sort in a fraction of that.
    """
    queue = selectors.review_queue(viewer).order_by("occurred_on", "id")
    page = page_of(queue.values_list("pk", flat=True), request)
    ids = list(page.object_list)
    # A list per entry (``photo_list``), not ``photos.all()``: Django would build a
    # filtered queryset per entry to hold the prefetched photos (~50 µs each).
    photos = Prefetch(
        "photos", queryset=EvidencePhoto.objects.only("id", "entry_id"), to_attr="photo_list"
    )
    found = ScoreEvent.objects.filter(pk__in=ids).select_related("household__village", "rule")
    entries = {entry.pk: entry for entry in found.prefetch_related(photos)} if ids else {}
    page.object_list = [entries[pk] for pk in ids if pk in entries]
    return page


@workbench_page(REVIEWER_ROLES)
def review(request):
    """GET: the queue. POST: approve or reject the ticked entries (each on its own)."""
    viewer = request.viewer
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("entries") if v.isdigit()]
        visible = set(
            selectors.review_queue(viewer).filter(pk__in=ids).values_list("pk", flat=True)
        )
        form = ReviewForm(request.POST, entry_ids=sorted(visible))
        if form.is_valid():
            return _apply_reviews(request, form)
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
        return redirect(request.get_full_path())
    page = review_page(viewer, request)
    context = {
        "page": page,
        "rows": review_rows(page.object_list),
        "form": ReviewForm(),
        "menu": menu_for(viewer, request.township),
    }
    return render(request, "workbench/review.html", context)


def _apply_reviews(request, form):
    submission = Submission(request, form)
    if not submission.claim():
        messages.info(request, already_done_message())
        return redirect(request.get_full_path())
    approve = form.cleaned_data["action"] == "approve"
    reason = form.cleaned_data["reason"]
    done, refused = 0, []
    for entry in selectors.review_queue(request.viewer).filter(pk__in=form.cleaned_data["entries"]):
        try:
            review_entry(entry, reviewer=request.viewer.actor, approve=approve, reason=reason)
            done += 1
        except PlatformError as error:
            refused.append(f"{entry.household.code} #{entry.pk}: {error}")
    if done:
        template = (
            ngettext("%(count)s entry approved.", "%(count)s entries approved.", done)
            if approve
            else ngettext("%(count)s entry rejected.", "%(count)s entries rejected.", done)
        )
        messages.success(request, template % {"count": done})
    for problem in refused:
        messages.error(request, problem)
    submission.done(request.get_full_path())
    return redirect(request.get_full_path())


class DecisionForm(WorkbenchForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("uphold", gettext_lazy("Uphold: reverse the deduction")),
            ("dismiss", gettext_lazy("Dismiss")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


@workbench_page(REVIEWER_ROLES)
def objections(request):
    """Pending objections of the viewer's villages, with the deadlines that apply; overdue
    ones flagged (``?overdue=1``: only those)."""
    policy = ScoringPolicy.of(connection.tenant)
    queue = (
        selectors.objection_queue(request.viewer)
        .select_related("entry__household__village", "entry__rule")
        .order_by("answer_due", "filed_at")
    )
    only_overdue = request.GET.get("overdue") == "1"
    if only_overdue:
        queue = queue.filter(pk__in=overdue_objections().values("pk"))
    page = page_of(queue, request)
    rows = [
        {
            "objection": objection,
            "window_closed_on": objection_deadline(objection.entry, policy),
            "decide_by": objection_answer_due(objection, policy),
            "overdue": is_overdue(objection),
        }
        for objection in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "only_overdue": only_overdue,
        "menu": menu_for(request.viewer, request.township),
    }
    return render(request, "workbench/objections.html", context)


@workbench_page(REVIEWER_ROLES)
def objection(request, pk: int):
    """One objection: the deduction, its evidence, the household's reason; the decision."""
    found = (
        selectors.objection_queue(request.viewer)
        .select_related("entry__household__village", "entry__rule")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: decide_objection(
                found,
                decider=request.viewer.actor,
                uphold=data["decision"] == "uphold",
                reason=data["reason"],
            ),
            lambda decided: reverse("work:objections"),
        )
        if done is not None:
            messages.success(request, _("Objection %(id)s decided.") % {"id": found.pk})
            return done
    policy = ScoringPolicy.of(connection.tenant)
    context = {
        "objection": found,
        "form": form,
        "window_closed_on": objection_deadline(found.entry, policy),
        "decide_by": objection_answer_due(found, policy),
        "overdue": is_overdue(found),
        "menu": menu_for(request.viewer, request.township),
    }
    return render(request, "workbench/objection.html", context, status=400 if form.errors else 200)
