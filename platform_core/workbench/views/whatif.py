"""The covenant what-if page: upload proposed rules and caps, pick the months, see the
tier counts before and after and the households that would change tier. Writes nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from platform_core.admin_io import upload_name
from platform_core.errors import PlatformError
from platform_core.evaluation.whatif import WHATIF_ROLES, covenant_whatif
from platform_core.scheduling import previous_month
from platform_core.scoring.policy import parse_period
from platform_core.tabular import TableError
from platform_core.workbench.access import workbench_page
from platform_core.workbench.menu import menu_for

#: Tier changes listed on the page (the command's --output writes them all).
SHOWN = 200


class MonthField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month"}))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return parse_period(value)
        except ValueError:
            raise forms.ValidationError(
                gettext_lazy("%(value)s is not a month written as YYYY-MM"),
                params={"value": value},
            ) from None


class WhatIfForm(forms.Form):
    template_name = "workbench/_form.html"

    file = forms.FileField(
        label=gettext_lazy("Proposed rules and caps"),
        help_text=gettext_lazy(
            "CSV (UTF-8) or XLSX in the format of the rules export, with optional columns "
            "active, cap_month and cap_year; a row with code * caps the category in its "
            "category cell."
        ),
    )
    first = MonthField(label=gettext_lazy("From month"))
    last = MonthField(label=gettext_lazy("To month"))


@workbench_page(WHATIF_ROLES)
def whatif(request):
    viewer = request.viewer
    result = None
    problems: list[str] = []
    if request.method == "POST":
        form = WhatIfForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = _run(form.cleaned_data, viewer.actor)
            except TableError as exc:
                problems = str(exc).splitlines()
            except PlatformError as exc:
                form.add_error(None, str(exc))
    else:
        last = previous_month(timezone.localdate())
        form = WhatIfForm(initial={"first": f"{last.year}-01", "last": f"{last:%Y-%m}"})
    context = {
        "form": form,
        "problems": problems,
        "result": result,
        "changes": result.changes[:SHOWN] if result else [],
        "more": max(0, len(result.changes) - SHOWN) if result else 0,
        "menu": menu_for(viewer, request.township),
    }
    return render(request, "workbench/whatif.html", context)


def _run(data, actor):
    """Save the upload under its own name for the file reader, replay, remove it."""
    upload = data["file"]
    folder = Path(tempfile.mkdtemp(prefix="whatif-"))
    try:
        path = folder / upload_name(upload.name)
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        return covenant_whatif(path, first=data["first"], last=data["last"], by=actor)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
