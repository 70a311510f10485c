"""Township admin for the covenant and the ledger (thin: writes go through the services).

Ledger entries are never edited here: they are read, and proposed ones are
approved through ``review_entry`` (which refuses self-review).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from platform_core.actors import Actor
from platform_core.admin_site import township_admin_site
from platform_core.errors import PlatformError
from platform_core.scoring.models import Objection, Rule, ScoreEvent
from platform_core.scoring.services import review_entry


@admin.register(Rule, site=township_admin_site)
class RuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "title_zh",
        "title_en",
        "category",
        "points",
        "needs_review",
        "plugin",
        "active",
    ]
    list_filter = ["category", "needs_review", "active", "plugin"]
    search_fields = ["code", "title_zh", "title_en"]
    readonly_fields = ["plugin", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the ledger keeps referring to its rules


@admin.register(ScoreEvent, site=township_admin_site)
class ScoreEventAdmin(admin.ModelAdmin):
    list_display = [
        "occurred_on",
        "household",
        "rule",
        "points",
        "status",
        "source",
        "recorded_by_label",
        "reviewed_by_label",
    ]
    list_filter = ["status", "source", "kind", "rule__category"]
    list_select_related = ["household", "rule"]
    search_fields = ["household__code", "external_id", "evidence"]
    date_hierarchy = "occurred_on"
    actions = ["approve_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in ScoreEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve selected proposed entries"))
    def approve_selected(self, request, queryset):
        reviewer, done = Actor.of(request.user), 0
        for entry in queryset.filter(status="proposed"):
            try:
                review_entry(entry, reviewer=reviewer, approve=True)
                done += 1
            except PlatformError as exc:
                self.message_user(request, f"{entry.pk}: {exc}", messages.WARNING)
        self.message_user(request, _("%(count)d entries approved.") % {"count": done})


@admin.register(Objection, site=township_admin_site)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["entry", "status", "filed_by_label", "filed_at", "decided_by_label"]
    list_filter = ["status"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Objection._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
