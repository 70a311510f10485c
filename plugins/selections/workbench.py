"""The workbench screens of a selection round, one page per round for every role.

The township administrator creates rounds and moves them on (vote, posting, award,
cancel); a village committee nominates households of its villages; a council member
votes on the nominations and decides objections; a household objects to a posted
result. Each form calls the service the API would, with the same roles; the page
shows each person only the forms their roles allow.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.selections.models import (
    Category,
    Nomination,
    ObjectionStatus,
    RoundStatus,
    SelectionRound,
)
from plugins.selections.selectors import (
    objections_of,
    public_rounds,
    rounds_for,
    standing_winners,
    visible_nominations,
)
from plugins.selections.services import (
    NOMINATOR_ROLES,
    ORGANISER_ROLES,
    VOTER_ROLES,
    award,
    cancel_round,
    cast_vote,
    create_round,
    decide_objection,
    file_objection,
    nominate,
    open_voting,
    post_results,
)
from township_integrity import WorkbenchScreen
from township_integrity.models import Household, Village
from township_integrity.roles import ADMIN_ROLES, Role
from township_integrity.workbench import WorkbenchForm, mask_name, page_of, render_page, submit

TEXTAREA = forms.Textarea(attrs={"rows": 2})


class RoundForm(WorkbenchForm):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    year = forms.IntegerField(label=gettext_lazy("Year"))
    village_codes = forms.MultipleChoiceField(
        label=gettext_lazy("Villages taking part"), widget=forms.CheckboxSelectMultiple
    )
    places = forms.IntegerField(label=gettext_lazy("Places per village"), initial=1)
    rule_code = forms.CharField(
        label=gettext_lazy("Award rule"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("Leave empty for the township's 'most beautiful' rule."),
    )
    green_only = forms.BooleanField(
        label=gettext_lazy("Green households only"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Village.objects.order_by("code")
        self.fields["village_codes"].choices = [(v.code, f"{v.code} {v.name}") for v in villages]
        self.fields["year"].initial = timezone.localdate().year


class NominateForm(WorkbenchForm):
    household = forms.CharField(label=gettext_lazy("Household code"), max_length=32)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=TEXTAREA)


class VoteForm(WorkbenchForm):
    in_favour = forms.TypedChoiceField(
        label=gettext_lazy("Vote"),
        choices=[("yes", gettext_lazy("For")), ("no", gettext_lazy("Against"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class DecideForm(WorkbenchForm):
    uphold = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("no", gettext_lazy("Dismiss: the nomination stands")),
            ("yes", gettext_lazy("Uphold: withdraw the nomination")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=2000, widget=TEXTAREA)


class StepForm(WorkbenchForm):
    """Open the vote, post or award: no input."""


class CancelForm(WorkbenchForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason for cancelling"), max_length=2000, widget=TEXTAREA
    )


class ObjectForm(WorkbenchForm):
    nomination = forms.ChoiceField(label=gettext_lazy("Result objected to"))
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("Phone (optional)"), max_length=20, required=False)
    text = forms.CharField(label=gettext_lazy("Objection"), max_length=2000, widget=TEXTAREA)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nomination"].choices = choices


def rounds(request):
    """The rounds of the viewer's villages, newest first; administrators may add one."""
    viewer = request.viewer
    context = {
        "page": page_of(rounds_for(viewer), request),
        "may_create": viewer.has(ORGANISER_ROLES),
    }
    return render_page(request, "selections/workbench/rounds.html", context)


def new_round(request):
    viewer = request.viewer
    if not viewer.has(ORGANISER_ROLES):
        raise PermissionDenied
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: create_round(
                category=data["category"],
                year=data["year"],
                village_codes=data["village_codes"],
                places=data["places"],
                rule_code=data["rule_code"],
                green_only=data["green_only"],
                by=viewer.actor,
            ),
            lambda made: _said(request, _("Round %(round)s created."), made),
        )
        if done is not None:
            return done
    status = 400 if form.errors else 200
    return render_page(request, "selections/workbench/new.html", {"form": form}, status=status)


FORMS = ("nominate", "vote", "decide", "open_voting", "post", "award", "cancel")


def round_page(request, pk: int):
    """One round: its nominations with the votes, and the forms the viewer's roles allow."""
    viewer = request.viewer
    found = rounds_for(viewer).filter(pk=pk).first()
    if found is None:  # another village's (or no such) round: nothing says which
        raise Http404
    posted = request.POST.get("form") if request.method == "POST" else None
    if request.method == "POST" and posted not in FORMS:
        return redirect(request.path)
    nominations = list(visible_nominations(viewer, found))
    my_villages = {v.code for v in found.villages.all()}
    nominator_villages = _villages(viewer, NOMINATOR_ROLES, my_villages)
    voter_villages = _villages(viewer, VOTER_ROLES, my_villages)
    organiser = viewer.has(ORGANISER_ROLES)
    if voter_villages or organiser:  # who sees each vote: one query for every nomination
        prefetch_related_objects(nominations, "votes")
    data = request.POST if request.method == "POST" else None
    target = _int(request.POST.get("target")) if data else None
    forms_ = {
        "nominate": NominateForm(data if posted == "nominate" else None, prefix="nominate"),
        "cancel": CancelForm(data if posted == "cancel" else None, prefix="cancel"),
        "step": StepForm(data if posted in ("open_voting", "post", "award") else None),
    }
    vote_forms, decide_forms = {}, {}
    actor = viewer.actor
    if posted == "nominate" and nominator_villages and forms_["nominate"].is_valid():
        form = forms_["nominate"]
        household = _household(form.cleaned_data["household"], nominator_villages)
        if household is None:
            form.add_error("household", _("No household with this code in your villages."))
        else:
            done = submit(
                request,
                form,
                lambda: nominate(
                    found, household=household, reason=form.cleaned_data["reason"], by=actor
                ),
                lambda made: _said(request, _("Household %(household)s nominated."), found, made),
            )
            if done is not None:
                return done
    if posted == "vote" and voter_villages:
        nomination = _pick(nominations, target)
        form = VoteForm(data, prefix=f"v{nomination.pk}")
        vote_forms[nomination.pk] = form
        if form.is_valid():
            done = submit(
                request,
                form,
                lambda: cast_vote(nomination, in_favour=form.cleaned_data["in_favour"], by=actor),
                lambda vote: _said(request, _("Vote recorded."), found),
            )
            if done is not None:
                return done
    objections = list(objections_of(found).filter(nomination__in=[n.pk for n in nominations]))
    if posted == "decide" and voter_villages:
        objection = next((o for o in objections if o.pk == target), None)
        if objection is None or objection.status != ObjectionStatus.PENDING:
            raise Http404
        form = DecideForm(data, prefix=f"o{objection.pk}")
        decide_forms[objection.pk] = form
        if form.is_valid():
            done = submit(
                request,
                form,
                lambda: decide_objection(
                    objection,
                    uphold=form.cleaned_data["uphold"],
                    reason=form.cleaned_data["reason"],
                    by=actor,
                ),
                lambda decided: _said(request, _("Objection decided."), found),
            )
            if done is not None:
                return done
    if posted in ("open_voting", "post", "award", "cancel") and organiser:
        steps = {
            "open_voting": lambda: open_voting(found, by=actor),
            "post": lambda: post_results(found, by=actor),
            "award": lambda: award(found, by=actor),
            "cancel": lambda: cancel_round(
                found, reason=forms_["cancel"].cleaned_data["reason"], by=actor
            ),
        }
        form = forms_["cancel"] if posted == "cancel" else forms_["step"]
        if form.is_valid():
            done = submit(
                request,
                form,
                steps[posted],
                lambda result: _said(request, _("Round %(round)s updated."), found),
            )
            if done is not None:
                return done
    if posted and not any(
        f.errors for f in [*forms_.values(), *vote_forms.values(), *decide_forms.values()]
    ):  # a form the viewer's roles do not offer
        raise PermissionDenied
    voting = found.status == RoundStatus.VOTING
    rows = []
    for nomination in nominations:
        may_vote = voting and nomination.village.code in voter_villages
        rows.append(
            {
                "nomination": nomination,
                "votes": list(nomination.votes.all()) if voter_villages or organiser else [],
                "form": vote_forms.get(nomination.pk)
                or (VoteForm(prefix=f"v{nomination.pk}") if may_vote else None),
            }
        )
    objection_rows = [
        {
            "objection": o,
            "form": decide_forms.get(o.pk)
            or (
                DecideForm(prefix=f"o{o.pk}")
                if o.status == ObjectionStatus.PENDING
                and o.nomination.village.code in voter_villages
                else None
            ),
        }
        for o in objections
    ]
    context = {
        "round": found,
        "villages": found.villages.order_by("code"),
        "rows": rows,
        "objections": objection_rows,
        "nominate_form": forms_["nominate"]
        if found.status == RoundStatus.NOMINATING and nominator_villages
        else None,
        "organiser": organiser,
        # Who objected (name, phone) is for those who decide and organise, not for the
        # committee whose nomination it is.
        "show_objectors": organiser or bool(voter_villages),
        "step_form": forms_["step"],
        "cancel_form": forms_["cancel"]
        if organiser and found.status not in (RoundStatus.AWARDED, RoundStatus.CANCELLED)
        else None,
        "today": timezone.localdate(),
    }
    errors = any(f.errors for f in forms_.values()) or any(
        f.errors for f in [*vote_forms.values(), *decide_forms.values()]
    )
    return render_page(
        request, "selections/workbench/round.html", context, status=400 if errors else 200
    )


def waiting(viewer) -> int:
    """Rounds asking something of the viewer: nominations open (committees), a vote open
    (council), objections pending (council), a posting over (administrators)."""
    found = rounds_for(viewer)
    count = 0
    if viewer.has_somewhere(NOMINATOR_ROLES):
        count += found.filter(status=RoundStatus.NOMINATING).count()
    if viewer.has_somewhere(VOTER_ROLES):
        count += found.filter(status=RoundStatus.VOTING).count()
    if viewer.has(ORGANISER_ROLES):
        over = found.filter(status=RoundStatus.POSTED, posting_ends_on__lt=timezone.localdate())
        count += over.count()
    return count


def posted(request):
    """For a household: the results posted now, and an objection to one of them."""
    viewer = request.viewer
    open_rounds = list(
        public_rounds().filter(status=RoundStatus.POSTED, posting_ends_on__gte=timezone.localdate())
    )
    standing = standing_winners(open_rounds)  # one query for every open round
    winners = []
    for r in open_rounds:
        for n in standing[r.pk]:
            n.round = r
            n.masked = mask_name(n.household.head_name)
            winners.append(n)
    choices = [(str(n.pk), f"{n.round.title} · {n.village.name} · {n.masked}") for n in winners]
    form = ObjectForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        nomination = Nomination.objects.get(pk=int(data["nomination"]))
        done = submit(
            request,
            form,
            lambda: file_objection(
                nomination,
                text=data["text"],
                name=data["name"],
                phone=data["phone"],
                by=viewer.actor,
            ),
            lambda objection: _objected(request),
        )
        if done is not None:
            return done
    context = {"winners": winners, "form": form if choices else None}
    status = 400 if form.errors else 200
    return render_page(request, "selections/workbench/posted.html", context, status=status)


def _objected(request) -> str:
    messages.success(request, _("Your objection was received; the council will decide it."))
    return reverse("work:selections:posted")


def _villages(viewer, roles, among: set[str]) -> set[str]:
    held = viewer.villages(roles)
    if held is None:
        return set(among) if viewer.has_somewhere(roles) else set()
    return held & among


def _household(code: str, villages: set[str]) -> Household | None:
    return (
        Household.objects.select_related("village")
        .filter(code=code.strip(), village__code__in=villages)
        .first()
    )


def _pick(nominations: list[Nomination], pk: int | None) -> Nomination:
    found = next((n for n in nominations if n.pk == pk), None)
    if found is None:
        raise Http404
    return found


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _said(request, message: str, round_: SelectionRound, nomination=None) -> str:
    values = {"round": round_.title}
    if nomination is not None:
        values["household"] = nomination.household.code
    messages.success(request, message % values)
    return reverse("work:selections:round", args=[round_.pk])


def screens() -> list[WorkbenchScreen]:
    return [
        WorkbenchScreen(
            key="rounds",
            title_zh="最美系列评选",
            title_en="'Most beautiful' selections",
            roles=ADMIN_ROLES,
            view=rounds,
            urls=(
                path("new/", new_round, name="new"),
                path("<int:pk>/", round_page, name="round"),
            ),
            waiting=waiting,
            waiting_zh="待提名、待表决或待颁授的评选",
            waiting_en="Selection rounds waiting for your nomination, vote or award",
        ),
        WorkbenchScreen(
            key="posted",
            title_zh="评选公示",
            title_en="Selection results posted",
            roles=(Role.HOUSEHOLD,),
            view=posted,
        ),
    ]
