"""Township admin for covenant versions: read them with their terms and caps, record one.

Thin: the adoption form hands the meeting's figures, the minutes and the covenant
file to ``covenants.adopt_covenant`` (which checks the role and the figures); a
refusal shows on the form and nothing is written. A recorded version is never
changed or deleted here (nor anywhere: a change is a new version).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from platform_core import admin_io
from platform_core.accounts.viewer import viewer_of
from platform_core.admin_site import ReadOnlyInline, VillageScopedAdmin, township_admin_site
from platform_core.errors import PlatformError
from platform_core.households.models import Village
from platform_core.scoring.covenants import adopt_covenant
from platform_core.scoring.imports import read_covenant_file
from platform_core.scoring.models import Cap, CovenantTerm, CovenantVersion
from platform_core.tabular import TableError

VERSION_FIELDS = [
    "village",
    "number",
    "title",
    "effective_from",
    "meeting_date",
    "attendance",
    "votes_for",
    "votes_against",
    "votes_abstaining",
    "minutes",
    "note",
    "recorded_by_label",
    "recorded_at",
]


class AdoptionForm(forms.ModelForm):
    """The village meeting's adoption; validating it records the version (or says why not)."""

    actor = None  # the signed-in person, set per request by ``get_form``

    village = forms.ModelChoiceField(
        queryset=Village.objects.order_by("code"),
        required=False,
        label=_("village (empty: the township covenant)"),
    )
    minutes = forms.FileField(label=_("minutes"), help_text=_("Scan or photo of the minutes."))
    rules_file = forms.FileField(
        label=_("covenant file"),
        required=False,
        help_text=_(
            "Optional: rules and caps in the import_rules format (with active, cap_month, "
            "cap_year; a row with code * caps a category). Empty: the rules as they stand."
        ),
    )

    class Meta:
        model = CovenantVersion
        fields = [
            "village",
            "title",
            "effective_from",
            "meeting_date",
            "attendance",
            "votes_for",
            "votes_against",
            "votes_abstaining",
            "minutes",
            "note",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("meeting_date", "attendance", "votes_for", "votes_against"):
            self.fields[name].required = True
        self.fields["votes_abstaining"].required = True

    def _post_clean(self):
        """Adopt once every field is valid: the service's refusal becomes a form error."""
        if self.errors:
            return
        data = self.cleaned_data
        try:
            rules, caps = self._covenant(data.get("rules_file"))
            self.instance = adopt_covenant(
                by=self.actor,
                village=data.get("village"),
                title=data["title"],
                effective_from=data["effective_from"],
                meeting_date=data["meeting_date"],
                attendance=data["attendance"],
                votes_for=data["votes_for"],
                votes_against=data["votes_against"],
                votes_abstaining=data["votes_abstaining"],
                minutes=data["minutes"],
                rules=rules,
                caps=caps,
                note=data.get("note", ""),
            )
        except TableError as exc:
            self.add_error("rules_file", str(exc))
        except PlatformError as exc:
            field = getattr(exc, "field", None)
            self.add_error(field if field in self.fields else None, str(exc))

    @staticmethod
    def _covenant(upload):
        if upload is None:
            return [], []
        folder = Path(tempfile.mkdtemp(prefix="covenant-"))
        try:
            path = folder / admin_io.upload_name(upload.name)
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            covenant = read_covenant_file(path)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return covenant.rules, covenant.caps


class TermInline(ReadOnlyInline):
    model = CovenantTerm
    fields = ["rule", "points", "active"]


class CapInline(ReadOnlyInline):
    model = Cap
    fields = ["rule", "category", "period", "limit"]


@admin.register(CovenantVersion, site=township_admin_site)
class CovenantVersionAdmin(VillageScopedAdmin):
    """Seen by the township's administrative roles; recorded by township administrators."""

    list_display = [
        "number",
        "village",
        "title",
        "effective_from",
        "meeting_date",
        "attendance",
        "votes_for",
        "votes_against",
        "votes_abstaining",
        "recorded_by_label",
    ]
    list_filter = ["village"]
    list_select_related = ["village"]
    inlines = [TermInline, CapInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return type("AdoptionForm", (AdoptionForm,), {"actor": viewer_of(request).actor})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*AdoptionForm._meta.fields, "rules_file"]
        return VERSION_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return VERSION_FIELDS if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Nothing to save: the form's validation recorded the version (``adopt_covenant``)."""

    def save_related(self, request, form, formsets, change):
        """Terms and caps were recorded with the version."""

    def has_change_permission(self, request, obj=None):
        return False  # an adopted version never changes

    def has_delete_permission(self, request, obj=None):
        return False
