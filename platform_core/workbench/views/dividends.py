"""The township administrator's page of the ten integrity dividends (《诚信红利十条》).

Edits go to the draft (``alliance.services``: opened as a copy of the published version);
publishing makes it what the public pages, the PDF and the API show. A published version
never changes.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core.alliance import selectors, services
from platform_core.alliance.models import AllianceMember
from platform_core.evaluation.models import Tier
from platform_core.households.models import SubjectKind
from platform_core.plugins.selectors import benefit_types
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import ADMIN_ONLY, menu_for


class DividendForm(WorkbenchForm):
    """One dividend of the draft: a new number adds it, an existing one replaces it."""

    number = forms.IntegerField(label=gettext_lazy("Number"), min_value=1, max_value=99)
    title_zh = forms.CharField(label=gettext_lazy("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(
        label=gettext_lazy("Title (English)"), max_length=200, required=False
    )
    member = forms.ChoiceField(label=gettext_lazy("Offered by"))
    tiers = forms.MultipleChoiceField(
        label=gettext_lazy("Tiers that qualify"),
        choices=Tier.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    subject_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Who qualifies"),
        choices=SubjectKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    gives_zh = forms.CharField(
        label=gettext_lazy("What it gives (Chinese)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    gives_en = forms.CharField(
        label=gettext_lazy("What it gives (English)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    basis = forms.CharField(
        label=gettext_lazy("Basis"),
        max_length=300,
        help_text=gettext_lazy("The document or decision that grants it."),
    )
    benefit_code = forms.ChoiceField(
        label=gettext_lazy("Benefit type (plugin)"),
        required=False,
        help_text=gettext_lazy(
            "The benefit whose eligibility check implements it; empty: the member grants it itself."
        ),
    )

    def __init__(self, *args, township=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [
            (m.code, f"{m.code} · {m.name}")
            for m in AllianceMember.objects.filter(active=True).order_by("code")
        ]
        zh = (get_language() or "").startswith("zh")
        self.fields["benefit_code"].choices = [("", "—")] + [
            (b.code, f"{b.title_zh if zh else b.title_en} ({b.code} · {key})")
            for key, b in benefit_types(township)
        ]


class ActionForm(WorkbenchForm):
    """A button's form: only the one-time submission key."""


def here() -> str:
    return reverse("work:dividends")


@workbench_page(ADMIN_ONLY)
def dividends(request):
    """The published version and the draft; a form to add or replace a dividend."""
    township = request.township
    status = 200
    if request.method == "POST":
        form = DividendForm(request.POST, township=township)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("submission", None)

            def apply():
                dividend = services.save_dividend(by=request.viewer.actor, **data)
                messages.success(
                    request,
                    _("Dividend %(number)s is saved in the draft.") % {"number": dividend.number},
                )
                return dividend

            done = submit(request, form, apply, lambda result: here())
            if done is not None:
                return done
        status = 400
    else:
        form = DividendForm(initial=_initial(request), township=township)
    published = selectors.published_catalogue()
    draft = selectors.draft_catalogue()
    context = {
        "form": form,
        "published": published,
        "published_rows": selectors.dividend_rows(published, township),
        "draft": draft,
        "draft_rows": selectors.dividend_rows(draft, township),
        "action_key": ActionForm().initial["submission"],
        "english": not (get_language() or "").startswith("zh"),
        "menu": menu_for(request.viewer, township),
    }
    return render(request, "workbench/dividends.html", context, status=status)


def _initial(request) -> dict:
    """``?number=N``: that dividend of the draft (else of the published version) to edit."""
    try:
        number = int(request.GET.get("number", ""))
    except ValueError:
        return {}
    catalogue = selectors.draft_catalogue() or selectors.published_catalogue()
    found = catalogue.dividends.filter(number=number).first() if catalogue else None
    if found is None:
        return {"number": number}
    initial = {f: getattr(found, f) for f in services.DIVIDEND_FIELDS}
    initial.update(number=number, member=found.member.code)
    return initial


def _act(request, apply, success: str):
    form = ActionForm(request.POST)
    if not form.is_valid():
        raise Http404
    done = submit(request, form, apply, lambda result: here())
    if done is None:
        for error in form.non_field_errors():
            messages.error(request, error)
        return redirect(here())
    messages.success(request, success)
    return done


@require_POST
@workbench_page(ADMIN_ONLY)
def remove(request, number: int):
    return _act(
        request,
        lambda: services.remove_dividend(number=number, by=request.viewer.actor),
        _("Dividend %(number)s is taken out of the draft.") % {"number": number},
    )


@require_POST
@workbench_page(ADMIN_ONLY)
def publish(request):
    return _act(
        request,
        lambda: services.publish_dividends(by=request.viewer.actor),
        _("The dividends are published."),
    )
