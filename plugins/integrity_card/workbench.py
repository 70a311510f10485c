"""The alliance clerk's workbench screen: check a presented integrity card, see recent checks.

Written as a third party would write it: Django, the public ``township_integrity``
API and this plugin's own services. A clerk checks for their own institution (a
township's administrative roles for any); every check is logged by ``check_card``,
the service the API's mutation calls, so checking is a POST.
"""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.integrity_card.models import CardBenefit, CardCheck
from plugins.integrity_card.selectors import checks_of_members
from plugins.integrity_card.services import ALLIANCE_ROLES, EVERY_MEMBER_ROLES, check_card
from township_integrity import WorkbenchScreen
from township_integrity.workbench import WorkbenchForm, institutions_of, render_page, submit

RECENT = 25


def members_of(viewer):
    """The institutions the viewer checks cards for."""
    return institutions_of(viewer, every_for=EVERY_MEMBER_ROLES)


class CardCheckForm(WorkbenchForm):
    number = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text=gettext_lazy("As printed on the card, e.g. HX-901-ABCD-EFGH."),
    )
    institution = forms.ChoiceField(label=gettext_lazy("Checking for"), required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {m.code: m for m in members}
        self.fields["institution"].choices = [(m.code, m.name) for m in members]
        if len(self.members) == 1:
            self.initial.setdefault("institution", next(iter(self.members)))

    def clean_institution(self):
        code = self.cleaned_data.get("institution") or ""
        if not self.members:
            raise forms.ValidationError(_("You work for no alliance institution here."))
        if code not in self.members:
            raise forms.ValidationError(_("Choose the institution you check for."))
        return self.members[code]


def checks(request):
    """GET: the form, the answer just given (``?check=``) and the recent checks. POST: check."""
    viewer = request.viewer
    members = list(members_of(viewer))
    form = CardCheckForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = submit(
            request,
            form,
            lambda: check_card(data["number"], member=data["institution"], clerk=viewer.actor),
            lambda answer: (
                f"{reverse('work:integrity_card:checks')}?" + urlencode({"check": answer.check.pk})
            ),
        )
        if done is not None:
            return done
    recent = checks_of_members([m.code for m in members])
    answer = _answer(request, recent)
    benefits = ()
    if answer is not None and answer.answer == CardCheck.Answer.VALID:
        benefits = CardBenefit.objects.filter(member_id=answer.member_id, active=True)
    context = {
        "form": form,
        "answer": answer,
        "benefits": benefits,
        "recent": recent[:RECENT],
    }
    status = 400 if form.errors else 200
    return render_page(request, "integrity_card/workbench/checks.html", context, status=status)


def _answer(request, recent):
    """The check named by ``?check=``, when it is one of the viewer's institutions'."""
    wanted = request.GET.get("check", "")
    return recent.filter(pk=int(wanted)).first() if wanted.isdigit() else None


def screens() -> list[WorkbenchScreen]:
    return [
        WorkbenchScreen(
            key="checks",
            title_zh="鸿信卡核验",
            title_en="Integrity card checks",
            roles=ALLIANCE_ROLES,
            view=checks,
        )
    ]
