"""Township admin view of cases and their steps (read-only: changes go through the services)."""

from django.contrib import admin

from platform_core.admin_site import ReadOnlyAdmin, township_admin_site
from plugins.petition.models import Case, CaseStep


class CaseStepInline(admin.TabularInline):
    model = CaseStep
    fields = ["status", "at", "by_label", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


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
    list_filter = ["kind", "status", "determination", "village"]
    list_select_related = ["village"]
    search_fields = ["reference", "petitioner_name", "household__code"]
    date_hierarchy = "received_at"
    inlines = [CaseStepInline]
