"""River-crab data in the township admin (read-only: it is recorded through the services)."""

from django.contrib import admin

from plugins.river_crab.models import ComplianceInspection, Cooperative, Harvest, Member
from township_integrity.admin import ReadOnlyAdmin, township_admin_site


@admin.register(Cooperative, site=township_admin_site)
class CooperativeAdmin(ReadOnlyAdmin):
    list_display = ["name", "village"]
    search_fields = ["name"]
    village_path = "village__code"


@admin.register(Member, site=township_admin_site)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["household", "cooperative", "pond_mu", "joined_on"]
    list_filter = ["cooperative"]
    list_select_related = ["household", "cooperative"]
    search_fields = ["household__code", "household__head_name"]
    village_path = "household__village__code"


@admin.register(ComplianceInspection, site=township_admin_site)
class ComplianceInspectionAdmin(ReadOnlyAdmin):
    list_display = ["inspected_on", "member", "aspect", "passed", "inspector_label"]
    list_filter = ["aspect", "passed", "inspected_on"]
    list_select_related = ["member__household", "member__cooperative"]
    search_fields = ["member__household__code"]
    village_path = "member__household__village__code"


@admin.register(Harvest, site=township_admin_site)
class HarvestAdmin(ReadOnlyAdmin):
    list_display = ["year", "member", "pond_mu", "yield_jin", "revenue", "cost"]
    list_filter = ["year"]
    list_select_related = ["member__household", "member__cooperative"]
    search_fields = ["member__household__code"]
    village_path = "member__household__village__code"
