"""Veterans and station activities in the township admin (read-only: use the services)."""

from django.contrib import admin

from plugins.veterans.models import ServiceActivity, Veteran
from township_integrity.admin import ReadOnlyAdmin, township_admin_site


@admin.register(Veteran, site=township_admin_site)
class VeteranAdmin(ReadOnlyAdmin):
    list_display = ["name", "household", "service_branch", "discharged_year"]
    list_select_related = ["household"]
    search_fields = ["name", "household__code"]
    village_path = "household__village__code"


@admin.register(ServiceActivity, site=township_admin_site)
class ServiceActivityAdmin(ReadOnlyAdmin):
    list_display = ["on", "veteran", "kind", "by_label"]
    list_filter = ["kind", "on"]
    list_select_related = ["veteran__household"]
    search_fields = ["veteran__name", "veteran__household__code"]
    village_path = "veteran__household__village__code"
