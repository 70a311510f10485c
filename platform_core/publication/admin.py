"""Township admin view of published honour boards (read-only: a board never changes)."""

from django.contrib import admin

from platform_core.admin_site import ReadOnlyAdmin, ReadOnlyInline, township_admin_site
from platform_core.publication.models import BoardEntry, HonourBoard


class BoardEntryInline(ReadOnlyInline):
    model = BoardEntry
    fields = ["kind", "masked_name", "score"]
    readonly_fields = fields


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
    village_path = "village__code"
    inlines = [BoardEntryInline]
