"""Township admin views of evaluation rounds and finalised months (read-only).

Also the month's scores export (``export_scores``' rows) that the household list
offers: it reads the evaluation, so it is this app's page, added to the households'
list (``add_list_page``) rather than imported by it.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from platform_core import admin_io
from platform_core.admin_site import (
    ListPage,
    ReadOnlyAdmin,
    VillageScopedAdmin,
    township_admin_site,
)
from platform_core.evaluation.models import (
    EvaluationRound,
    HouseholdSnapshot,
    Posting,
    PostingOverride,
    StandingCorrection,
    VillageSnapshot,
)
from platform_core.evaluation.selectors import month_scores
from platform_core.households.models import Household
from platform_core.scoring.policy import parse_period


@admin.register(EvaluationRound, site=township_admin_site)
class EvaluationRoundAdmin(ReadOnlyAdmin):
    list_display = ["village", "period", "status", "finalised_at", "finalised_by_label"]
    list_filter = ["status", "period"]
    village_path = "village__code"
    workbench_url_name = "work:month"


@admin.register(HouseholdSnapshot, site=township_admin_site)
class HouseholdSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["period", "household", "village", "score", "tier", "change", "index"]
    list_filter = ["period", "tier", ("village", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["household", "village"]
    search_fields = ["household__code"]
    village_path = "village__code"


@admin.register(VillageSnapshot, site=township_admin_site)
class VillageSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["period", "village", "households", "green", "blue", "red", "index"]
    list_filter = ["period"]
    village_path = "village__code"


@admin.register(Posting, site=township_admin_site)
class PostingAdmin(ReadOnlyAdmin):
    """Month results posted in public (公示); made on the month page or ``evaluate --post``."""

    list_display = [
        "village",
        "period",
        "posted_on",
        "ends_on",
        "posted_by_label",
        "backdated",
        "superseded_at",
    ]
    list_filter = ["period", "backdated"]
    village_path = "village__code"
    workbench_url_name = "work:month"


@admin.register(PostingOverride, site=township_admin_site)
class PostingOverrideAdmin(ReadOnlyAdmin):
    """Months finalised before their posting ended: who, when and why."""

    list_display = ["village", "period", "overridden_by_label", "overridden_at", "reason"]
    list_filter = ["period"]
    village_path = "village__code"


@admin.register(StandingCorrection, site=township_admin_site)
class StandingCorrectionAdmin(ReadOnlyAdmin):
    """Standings recomputed at once after an upheld objection or a granted repair."""

    list_display = [
        "household",
        "period",
        "old_tier",
        "tier",
        "score",
        "made_by_label",
        "made_at",
        "reason",
    ]
    list_filter = ["period", "tier"]
    list_select_related = ["household"]
    search_fields = ["household__code"]
    village_path = "household__village__code"


# --- the month's scores, exported from the household list --------------------------------

SCORE_COLUMNS = ["code", "score", "tier"]


class ScoresExportForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("Month"),
        max_length=7,
        help_text=gettext_lazy(
            "YYYY-MM. A finalised month answers its snapshots, any other month the ledger "
            "as it stands."
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)")],
    )

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except ValueError:
            raise ValidationError(_("Enter a month written as YYYY-MM.")) from None


def village_scores(period: dt.date, villages: set[str] | None) -> Iterable[Sequence]:
    """``export_scores``' rows (``month_scores``), only for ``villages`` (None: all)."""
    rows = month_scores(period)
    if villages is None:
        return rows
    codes = set(Household.objects.filter(village__code__in=villages).values_list("code", flat=True))
    return (row for row in rows if row[0] in codes)


def scores_export_view(model_admin: VillageScopedAdmin, request):
    """The month's scores for the households the viewer sees on the household list."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    form = ScoresExportForm(request.GET or None, initial={"period": _last_month(), "format": "csv"})
    if request.GET and form.is_valid():
        period = form.cleaned_data["period"]
        rows = village_scores(period, model_admin.visible_villages(request))
        name = admin_io.export_name(getattr(request, "township", None), f"scores-{period:%Y-%m}")
        return admin_io.table_response(SCORE_COLUMNS, rows, form.cleaned_data["format"], name)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Export scores"),
        "opts": model_admin.opts,
        "form": form,
    }
    return TemplateResponse(request, "admin/township/export_scores.html", context)


def _last_month() -> str:
    first = timezone.localdate().replace(day=1)
    return f"{first - dt.timedelta(days=1):%Y-%m}"


township_admin_site.add_list_page(
    Household,
    ListPage("export-scores/", "export_scores", scores_export_view, gettext_lazy("Export scores")),
)
