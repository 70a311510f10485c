"""The public posting (公示) at ``/selections/``: posted and awarded results, and an
objection form while a round is posted.

Public, no sign-in. Winners are shown as the honour boards show households: the
village and the head's masked name (俞*明), never the household code or the reason.
Objections are rate-limited per client address with the platform's public limit
(``public_rate_allowed``) and go to the harmony council
(``plugins.selections.services.file_objection``).
"""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.selections.models import Nomination, RoundStatus
from plugins.selections.selectors import public_rounds, standing_winners
from plugins.selections.services import file_objection
from township_integrity import PluginUrls
from township_integrity.errors import PlatformError
from township_integrity.services import public_rate_allowed
from township_integrity.workbench import mask_name

#: The rate limit's scope: objections are counted apart from other public pages.
RATE_SCOPE = "selections-objection"


def urls() -> PluginUrls:
    return PluginUrls(
        prefix="selections/",
        patterns=(
            path("", posting, name="posting"),
            path("<int:pk>/object/", objection, name="object"),
        ),
    )


class ObjectionForm(forms.Form):
    nomination = forms.ChoiceField(label=gettext_lazy("Result objected to"))
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=20)
    text = forms.CharField(
        label=gettext_lazy("Objection"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


def _winners(round_, standing: list | None = None) -> list[dict]:
    """The round's winners still standing: village and masked name only (a nomination
    withdrawn on an upheld objection is no longer listed). ``standing``: the round's
    nominations from ``standing_winners`` when already read."""
    if standing is None:
        standing = standing_winners([round_])[round_.pk]
    return [
        {"pk": n.pk, "village": n.village.name, "name": mask_name(n.household.head_name)}
        for n in standing
    ]


def _form(round_, data=None, winners: list[dict] | None = None) -> ObjectionForm:
    form = ObjectionForm(data, prefix=f"r{round_.pk}")
    form.fields["nomination"].choices = [
        (str(w["pk"]), f"{w['village']} · {w['name']}")
        for w in (_winners(round_) if winners is None else winners)
    ]
    return form


def posting(request: HttpRequest, forms_by_round: dict | None = None, status: int = 200):
    """Rounds posted now (with the objection form) and awarded ones, newest first."""
    today = timezone.localdate()
    forms_by_round = forms_by_round or {}
    rounds = []
    shown = list(public_rounds()[:20])
    standing = standing_winners(shown)  # one query for every round shown
    for round_ in shown:
        open_ = round_.status == RoundStatus.POSTED and today <= round_.posting_ends_on
        winners = _winners(round_, standing[round_.pk])
        rounds.append(
            {
                "round": round_,
                "winners": winners,
                "open": open_,
                "form": forms_by_round.get(round_.pk)
                or (_form(round_, winners=winners) if open_ else None),
            }
        )
    context = {"township": request.township, "rounds": rounds, "sent": request.GET.get("sent")}
    return render(request, "selections/public/posting.html", context, status=status)


def objection(request: HttpRequest, pk: int) -> HttpResponse:
    """POST an objection to one posted result of round ``pk``."""
    round_ = public_rounds().filter(pk=pk, status=RoundStatus.POSTED).first()
    if round_ is None:
        raise Http404
    if request.method != "POST":
        return redirect("selections:posting")
    form = _form(round_, request.POST)
    if not public_rate_allowed(RATE_SCOPE, request):
        form.is_valid()
        form.add_error(
            None,
            _("Too many objections from your address; try again in a minute."),
        )
        return posting(request, {round_.pk: form}, status=429)
    if form.is_valid():
        data = form.cleaned_data
        nomination = Nomination.objects.get(pk=int(data["nomination"]))
        try:
            file_objection(nomination, text=data["text"], name=data["name"], phone=data["phone"])
        except PlatformError as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, str(error))
        else:
            return redirect(reverse("selections:posting") + "?sent=1")
    return posting(request, {round_.pk: form}, status=400)
