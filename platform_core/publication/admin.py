"""Township admin view of published honour boards (read-only: a board never changes)."""

from django.contrib import admin

from platform_core.admin_site import ReadOnlyAdmin, township_admin_site
from platform_core.publication.models import BoardEntry, HonourBoard


class BoardEntryInline(admin.TabularInline):
    model = BoardEntry
    fields = ["kind", "masked_name", "score"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HonourBoard, site=township_admin_site)
class HonourBoardAdmin(ReadOnlyAdmin):
    list_display = [
        "village",
        "year",
        "quarter",
        "includes_red",
        "published_by_label",
        "published_at",
    ]
    list_filter = ["year", "quarter"]
    inlines = [BoardEntryInline]
