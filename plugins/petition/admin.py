"""Township admin view of cases and their steps (read-only: changes go through the services).

Case files are imported here with ``import_cases`` (the command's service; CSV, XLSX or JSON).
"""

from django.contrib import admin

from plugins.petition.imports import CASE_COLUMNS, import_cases
from plugins.petition.models import Case, CaseStep, FollowUp
from township_integrity.admin import Importer, ReadOnlyAdmin, ReadOnlyInline, township_admin_site


class CaseStepInline(ReadOnlyInline):
    model = CaseStep
    fields = ["status", "at", "by_label", "note"]
    readonly_fields = fields


class FollowUpInline(ReadOnlyInline):
    model = FollowUp
    fields = ["due", "at", "by_label", "score", "satisfaction", "result"]
    readonly_fields = fields


@admin.register(Case, site=township_admin_site)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "kind",
        "village",
        "received_at",
        "status",
        "satisfaction",
        "determination",
    ]
    list_filter = ["kind", "status", "determination", ("village", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["village"]
    search_fields = ["reference", "petitioner_name", "household__code"]
    date_hierarchy = "received_at"
    village_path = "village__code"
    workbench_url_name = "work:petition:cases"
    importer = Importer(
        "cases",
        lambda path, actor: import_cases(path, operator=actor),
        CASE_COLUMNS,
        suffixes=(".csv", ".xlsx", ".json"),
    )
    inlines = [CaseStepInline, FollowUpInline]
