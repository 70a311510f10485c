"""Inspections in the township admin (read-only: they are recorded through the service)."""

from django.contrib import admin

from platform_core.admin_site import ReadOnlyAdmin, township_admin_site
from plugins.garbage_sorting.models import Inspection


@admin.register(Inspection, site=township_admin_site)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["inspected_on", "household", "result", "inspector_label", "photo_ref"]
    list_filter = ["result", "inspected_on"]
    list_select_related = ["household"]
    search_fields = ["household__code"]
