"""Inspections in the township admin (read-only: they are recorded through the service).

Inspection sheets are imported here with ``import_inspections`` (the command's service).
"""

from django.contrib import admin

from plugins.garbage_sorting.imports import COLUMNS, import_inspections
from plugins.garbage_sorting.models import Inspection
from township_integrity.admin import Importer, ReadOnlyAdmin, township_admin_site


@admin.register(Inspection, site=township_admin_site)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["inspected_on", "household", "result", "inspector_label", "photo_ref"]
    list_filter = ["result", "inspected_on"]
    list_select_related = ["household"]
    search_fields = ["household__code"]
    village_path = "household__village__code"
    importer = Importer(
        "inspections", lambda path, actor: import_inspections(path, inspector=actor), COLUMNS
    )
