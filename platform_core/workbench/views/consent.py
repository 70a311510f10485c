"""A household's consents per alliance member (PIPL Art. 23) and every check made about it.

The household grants or withdraws consent on its own page (``/work/mine/consent/``,
channel ``workbench``); staff of its village do it on the household's behalf from the
household's page (``/work/households/CODE/consent/``), naming the channel the household
used (a signed paper form, an SMS reply, the service counter). Both pages list every
eligibility check made about the household: who asked, for which institution, the
whole answer, and under which consent. Writes go through ``alliance.services``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.alliance.models import Consent
from platform_core.alliance.selectors import checks_of, consents_of, members
from platform_core.alliance.services import grant_consent, withdraw_consent
from platform_core.households.models import Household
from platform_core.households.selectors import visible_households
from platform_core.workbench.access import refuse, workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.views.mine import own_household

CHECKS_SHOWN = 200


class ConsentForm(WorkbenchForm):
    """Grant (scope) or withdraw consent for one institution; staff say the channel."""

    member = forms.ChoiceField(label=gettext_lazy("Alliance member"))
    action = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("grant", gettext_lazy("Grant consent")),
            ("withdraw", gettext_lazy("Withdraw consent")),
        ],
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("What the member may learn"),
        choices=Consent.Scope.choices,
        required=False,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("How the household gave its decision"),
        choices=[c for c in Consent.Channel.choices if c[0] != Consent.Channel.WORKBENCH],
    )

    def __init__(self, *args, on_behalf: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.code, m.name) for m in members()]
        if not on_behalf:
            del self.fields["channel"]  # the household's own page is the channel

    def clean(self):
        data = super().clean()
        if data.get("action") == "grant" and not data.get("scope"):
            self.add_error("scope", _("Choose what the member may learn."))
        return data


def _page(request, household: Household, *, on_behalf: bool, here: str):
    form = ConsentForm(request.POST or None, on_behalf=on_behalf)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = members().filter(code=data["member"]).first()
        channel = data.get("channel") or Consent.Channel.WORKBENCH
        actor = request.viewer.actor

        def apply():
            if data["action"] == "grant":
                return grant_consent(
                    household, member, scope=data["scope"], channel=channel, by=actor
                )
            return withdraw_consent(household, member, channel=channel, by=actor)

        done = submit(request, form, apply, lambda consent: here)
        if done is not None:
            messages.success(request, _("Recorded."))
            return done
    context = {
        "household": household,
        "form": form,
        "on_behalf": on_behalf,
        "consents": list(consents_of(household)),
        "checks": list(checks_of(household)[:CHECKS_SHOWN]),
        "menu": menu_for(request.viewer, request.township),
    }
    return render(
        request, "workbench/consent/page.html", context, status=400 if form.errors else 200
    )


@workbench_page((Role.HOUSEHOLD,))
def mine(request):
    """My consents per alliance member, and every eligibility check made about me."""
    household = own_household(request)
    if household is None:
        return refuse(request)
    here = reverse("work:my-consent")
    if len(request.viewer.household_codes) > 1:
        here += f"?household={household.code}"
    return _page(request, household, on_behalf=False, here=here)


@workbench_page(STAFF_ROLES)
def on_behalf(request, code: str):
    """A household's consents, recorded by staff of its village on its behalf."""
    household = (
        Household.objects.select_related("village")
        .filter(visible_households(request.viewer), code=code)
        .first()
    )
    if household is None or not request.viewer.has(STAFF_ROLES, household.village.code):
        raise Http404
    here = reverse("work:household-consent", args=[household.code])
    return _page(request, household, on_behalf=True, here=here)
