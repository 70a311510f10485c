"""Township admin view of mediation cases and their steps (read-only: changes go through
the services).

Seen by the mediators only, as the workbench's screens are: a village committee its own
village's cases (another village's case answers 404), the township administrators every
village's. The council and other staff do not read applicants' names, phones and
disputes here.
"""

from django.contrib import admin

from plugins.mediation.models import Case, Step
from plugins.mediation.services import MEDIATOR_ROLES
from township_integrity.admin import ReadOnlyAdmin, ReadOnlyInline, township_admin_site


class StepInline(ReadOnlyInline):
    model = Step
    fields = ["kind", "at", "on", "by_label", "note"]
    readonly_fields = fields


@admin.register(Case, site=township_admin_site)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["receipt", "village", "category", "status", "received_at"]
    list_filter = ["status", "category"]
    list_select_related = ["village"]
    search_fields = ["receipt"]
    inlines = [StepInline]
    view_roles = MEDIATOR_ROLES
    village_path = "village__code"
    workbench_url_name = "work:mediation:cases"
