"""Township admin view of mediation cases and their steps (read-only: changes go through
the services)."""

from django.contrib import admin

from plugins.mediation.models import Case, Step
from township_integrity.admin import ReadOnlyAdmin, ReadOnlyInline, township_admin_site


class StepInline(ReadOnlyInline):
    model = Step
    fields = ["kind", "at", "on", "by_label", "note"]
    readonly_fields = fields


@admin.register(Case, site=township_admin_site)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["receipt", "village", "category", "status", "received_at"]
    list_filter = ["status", "category"]
    search_fields = ["receipt"]
    inlines = [StepInline]
