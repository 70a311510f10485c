"""The action log: who changed what and when in this township (township administrators).

The log is written by the database (the event models at the end of the scoring,
tenants and accounts ``models.py``); this page reads it
through ``platform_core.actionlog.selectors``, filtered by kind, person and dates, paged.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core.actionlog.selectors import KINDS, LogFilter, describe, log_rows
from platform_core.workbench.access import workbench_page
from platform_core.workbench.menu import ADMIN_ONLY, menu_for
from platform_core.workbench.paging import page_of

LOG_ROLES = ADMIN_ONLY


class LogFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What"), required=False, choices=())
    person = forms.CharField(
        label=gettext_lazy("Person"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("Part of an e-mail, cli:… or system:…"),
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything"))] + [
            (key, str(kind.label)) for key, kind in KINDS.items()
        ]
        self.fields["kind"].error_messages["invalid_choice"] = _(
            "%(value)s is not a kind of change in the log; choose one from the list."
        )
        for name in ("since", "until"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD, for example 2026-05-01."
            )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return cleaned

    def chosen(self) -> LogFilter:
        data = self.cleaned_data
        return LogFilter(
            kinds=(data["kind"],) if data.get("kind") else (),
            person=data.get("person", "").strip(),
            since=data.get("since"),
            until=data.get("until"),
        )


@workbench_page(LOG_ROLES)
def action_log(request):
    """The township's action log, newest first; a bad filter is answered 400 with the reason."""
    form = LogFilterForm(request.GET or None)
    status, page, entries = 200, None, []
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        chosen = form.chosen() if form.is_bound else LogFilter()
        page = page_of(log_rows(request.township, chosen), request)
        entries = describe(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "entries": entries,
        "query": query.urlencode(),
        "menu": menu_for(request.viewer, request.township),
    }
    return render(request, "workbench/action_log.html", context, status=status)
