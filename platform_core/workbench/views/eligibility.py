"""Alliance clerks (and staff) ask whether a household may have a benefit; every check is logged.

The answer comes from ``alliance.services.check_eligibility``, the service the API's
``checkEligibility`` mutation calls: the same roles, the same log. Asking writes
the log, so it is a POST; the answer is then shown by the page it redirects to.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.alliance.lookup import subject_for_check
from platform_core.alliance.selectors import answer_for_asker, checks_by, institutions_of
from platform_core.alliance.services import CHECK_ROLES, check_eligibility
from platform_core.errors import NotAllowed
from platform_core.households.models import Household
from platform_core.households.selectors import mask_name
from platform_core.plugins.selectors import benefit_types
from platform_core.workbench.access import holds_any, workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import menu_for
from platform_core.workbench.views.households import scanned_household

RECENT = 20


def benefit_choices(township) -> list[tuple[str, str]]:
    """The benefits the township's enabled plugins offer, titled in the page's language."""
    zh = (get_language() or "").startswith("zh")
    return [(b.code, b.title_zh if zh else b.title_en) for _key, b in benefit_types(township)]


class EligibilityForm(WorkbenchForm):
    household = forms.CharField(
        label=gettext_lazy("Household or merchant code, credit code, or scanned QR address"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    benefit = forms.ChoiceField(label=gettext_lazy("Benefit"))
    institution = forms.ChoiceField(label=gettext_lazy("Asking for"), required=False)

    def __init__(self, *args, viewer, township, **kwargs):
        super().__init__(*args, **kwargs)
        self.township = township
        self.fields["benefit"].choices = benefit_choices(township)
        members = [(m.code, m.name) for m in institutions_of(viewer)]
        self.member_codes = {code for code, _name in members}
        self.staff = holds_any(viewer, STAFF_ROLES)
        if self.staff:  # staff ask for no institution, or for one they also work for
            members = [("", _("Myself (staff)")), *members]
        self.fields["institution"].choices = members
        if len(members) == 1:
            self.initial.setdefault("institution", members[0][0])

    def clean_household(self) -> Household:
        text = self.cleaned_data["household"].strip()
        household = scanned_household(self.township, text) if "." in text else None
        if household is None:
            household = subject_for_check(text)
        if household is None:
            raise forms.ValidationError(_("No household %(code)s.") % {"code": text[:40]})
        return household

    def clean_institution(self) -> str:
        code = self.cleaned_data.get("institution") or ""
        if code in self.member_codes or (self.staff and not code):
            return code
        if not self.member_codes:
            raise forms.ValidationError(_("You work for no alliance institution here."))
        raise forms.ValidationError(_("Choose the institution you ask for."))


@workbench_page(CHECK_ROLES)
def eligibility(request):
    """GET: the form, the answer just given (``?check=``) and my recent checks. POST: ask."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    viewer = request.viewer
    form = EligibilityForm(request.POST or None, viewer=viewer, township=request.township)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = institutions_of(viewer).filter(code=data["institution"]).first()

        def ask():
            try:
                return check_eligibility(
                    data["household"], data["benefit"], by=viewer.actor, member=member
                )
            except NotAllowed as refused:  # e.g. staff of another village: about the household
                raise NotAllowed(str(refused), field="household") from None

        done = submit(
            request,
            form,
            ask,
            lambda check: f"{reverse('work:eligibility')}?{urlencode({'check': check.pk})}",
        )
        if done is not None:
            return done
    recent = list(checks_by(viewer.user)[:RECENT])
    answer = _answer(request, recent)
    titles = dict(benefit_choices(request.township))
    context = {
        "form": form,
        "answer": answer,
        # What the asker learns (PIPL Art. 23): without consent only yes or no.
        "shown": answer_for_asker(answer) if answer else None,
        "recent": [
            {
                "check": c,
                "shown": answer_for_asker(c),
                "benefit": titles.get(c.benefit_code, c.benefit_code),
            }
            for c in recent
        ],
        "answer_benefit": titles.get(answer.benefit_code, answer.benefit_code) if answer else "",
        "masked_name": (
            mask_name(answer.household.head_name) if answer and not answer.narrowed else ""
        ),
        "no_benefits": not form.fields["benefit"].choices,
        "menu": menu_for(viewer, request.township),
    }
    status = 400 if form.errors else 200
    return render(request, "workbench/eligibility.html", context, status=status)


def _answer(request, recent):
    """The check named by ``?check=``, when this person asked it (else nothing is shown)."""
    wanted = request.GET.get("check", "")
    if not wanted.isdigit():
        return None
    for check in recent:
        if check.pk == int(wanted):
            return check
    return checks_by(request.viewer.user).filter(pk=int(wanted)).first()
