"""Township admin views of evaluation rounds and finalised months (read-only)."""

from django.contrib import admin

from platform_core.admin_site import ReadOnlyAdmin, township_admin_site
from platform_core.evaluation.models import EvaluationRound, HouseholdSnapshot, VillageSnapshot


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
