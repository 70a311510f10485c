"""Village staff confirm or decline households' declarations (村民申报).

The queue holds the pending declarations of the viewer's villages, never the
viewer's own. Confirming records a proposed entry for the joint review
(``confirm_declaration``); declining needs a reason the household reads
(``decline_declaration``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.scoring.evidence import confirm_declaration, decline_declaration
from platform_core.scoring.models import EvidencePhoto
from platform_core.workbench import selectors
from platform_core.workbench.access import workbench_page
from platform_core.workbench.forms import WorkbenchForm, submit
from platform_core.workbench.menu import menu_for

PAGE_SIZE = 25


def with_rows(declarations):
    """Declarations with what their rows show, in a fixed number of queries."""
    photos = Prefetch("photos", queryset=EvidencePhoto.objects.only("id", "declaration_id"))
    return (
        declarations.select_related("household__village", "rule", "entry")
        .prefetch_related(photos)
        .order_by("declared_at", "id")
    )


@workbench_page(STAFF_ROLES)
def declarations(request):
    """Pending declarations of my villages, oldest first."""
    pending = with_rows(selectors.declaration_queue(request.viewer))
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "menu": menu_for(request.viewer, request.township)}
    return render(request, "workbench/declarations/list.html", context)


class DeclarationDecisionForm(WorkbenchForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("confirm", gettext_lazy("Confirm: propose the entry for the joint review")),
            ("decline", gettext_lazy("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What you saw or checked; empty: the household's own words."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (needed to decline)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@workbench_page(STAFF_ROLES)
def declaration(request, pk: int):
    """One declaration with its photos; confirmed or declined (each exactly once)."""
    found = with_rows(selectors.staff_declarations(request.viewer)).filter(pk=pk).first()
    if found is None:
        raise Http404
    form = DeclarationDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by = request.viewer.actor

        def apply():
            if data["decision"] == "confirm":
                return confirm_declaration(found, by=by, evidence=data["evidence"])
            return decline_declaration(found, by=by, reason=data["reason"])

        done = submit(request, form, apply, lambda result: reverse("work:declarations"))
        if done is not None:
            messages.success(request, _("Declaration %(id)s decided.") % {"id": found.pk})
            return done
    context = {
        "declaration": found,
        "form": form,
        "menu": menu_for(request.viewer, request.township),
    }
    return render(
        request, "workbench/declarations/detail.html", context, status=400 if form.errors else 200
    )
