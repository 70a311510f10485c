"""The dispute code (解纷码): the public page from which a resident asks for mediation.

Mounted through ``township_urls`` at ``mediation/``: public, no sign-in. The
township's code is ``/mediation/``; each village station's QR code points at
``/mediation/<village code>/``, which pre-selects its village. A request answers
with a receipt number; ``/mediation/receipt/`` shows its progress to whoever gives
the receipt and the last four digits of the phone number. Posting and looking up
are counted against the platform's per-client limit (429 beyond it).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy

from plugins.mediation.conf import RATE_SCOPE
from plugins.mediation.models import Category, Status
from plugins.mediation.selectors import by_receipt, case_steps, township_settings
from plugins.mediation.services import check_request, request_mediation
from township_integrity import PluginUrls
from township_integrity.models import Village
from township_integrity.services import public_rate_allowed


def urls() -> PluginUrls:
    return PluginUrls(
        prefix="mediation/",
        patterns=(
            path("", dispute_code, name="code"),
            path("receipt/", receipt, name="receipt"),
            path("<str:village_code>/", dispute_code, name="station"),
        ),
    )


class RequestForm(forms.Form):
    village = forms.ChoiceField(label=gettext_lazy("Village"))
    applicant_name = forms.CharField(label=gettext_lazy("Your name"), required=False)
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("The station calls you on this number before it takes the case."),
    )
    phone_again = forms.CharField(
        label=gettext_lazy("Mobile phone again"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    other_party = forms.CharField(label=gettext_lazy("The other party (optional)"), required=False)
    category = forms.ChoiceField(
        label=gettext_lazy("What the dispute is about"),
        choices=[("", "—"), *Category.choices],
        required=False,
    )
    description = forms.CharField(
        label=gettext_lazy("Describe the dispute briefly"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.villages = {v.code: v for v in villages}
        self.fields["village"].choices = [("", "—"), *((v.code, v.name) for v in villages)]
        self.fields["village"].required = False

    def clean(self):
        data = super().clean()
        try:
            self.values = check_request(
                village=self.villages.get(data.get("village") or ""),
                applicant_name=data.get("applicant_name", ""),
                phone=data.get("phone", ""),
                phone_again=data.get("phone_again", ""),
                other_party=data.get("other_party", ""),
                category=data.get("category", ""),
                description=data.get("description", ""),
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name, messages)
        return data


def _limited(request: HttpRequest) -> HttpResponse:
    context = {"township": request.township}
    return render(request, "mediation/public/limited.html", context, status=429)


def dispute_code(request: HttpRequest, village_code: str | None = None) -> HttpResponse:
    """GET: the request form (a station's code pre-selects its village). POST: the request."""
    township_settings()
    villages = list(Village.objects.order_by("code").only("pk", "code", "name"))
    station = None
    if village_code is not None:
        station = next((v for v in villages if v.code == village_code), None)
        if station is None:
            raise Http404
    context = {"township": request.township, "station": station}
    if request.method == "POST":
        if not public_rate_allowed(RATE_SCOPE, request):
            return _limited(request)
        form = RequestForm(request.POST, villages=villages)
        if form.is_valid():
            v = form.values
            case = request_mediation(
                village=v["village"],
                applicant_name=v["applicant_name"],
                phone=v["phone"],
                phone_again=v["phone"],
                other_party=v["other_party"],
                category=v["category"],
                description=v["description"],
            )
            context["case"] = case
            return render(request, "mediation/public/received.html", context)
        context["form"] = form
        return render(request, "mediation/public/code.html", context, status=400)
    initial = {"village": station.code} if station else {}
    context["form"] = RequestForm(initial=initial, villages=villages)
    return render(request, "mediation/public/code.html", context)


def receipt(request: HttpRequest) -> HttpResponse:
    """A request's progress, for whoever has its receipt and the phone's last four digits.

    Shows the status and the dates of the steps only (never the names or the text)."""
    township_settings()
    number = request.GET.get("receipt", "").strip()[:16]
    tail = request.GET.get("phone_tail", "").strip()[:4]
    context = {"township": request.township, "number": number, "tail": tail}
    if not number and not tail:
        return render(request, "mediation/public/receipt.html", context)
    if not public_rate_allowed(RATE_SCOPE, request):
        return _limited(request)
    case = by_receipt(number, tail)
    if case is None:
        context["missing"] = True
        return render(request, "mediation/public/receipt.html", context, status=404)
    context.update(
        {
            "case": case,
            "steps": [s for s in case_steps(case) if s.kind != "scan"],
            "settled": case.status in (Status.SETTLED, Status.CLOSED),
        }
    )
    return render(request, "mediation/public/receipt.html", context)
