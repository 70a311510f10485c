"""Township admin: the record of feed runs (read-only; runs are written by the feeds service)."""

from django.contrib import admin

from platform_core.accounts.models import Role
from platform_core.admin_site import ReadOnlyAdmin, township_admin_site
from platform_core.feeds.models import FeedRun

FEED_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)


@admin.register(FeedRun, site=township_admin_site)
class FeedRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "plugin",
        "feed",
        "file_name",
        "status",
        "created",
        "unchanged",
        "by_label",
    ]
    list_filter = ["status", "plugin", "feed"]
    search_fields = ["file_name", "sha256", "error"]
    view_roles = FEED_ROLES
    workbench_url_name = "work:feeds"
    date_hierarchy = "started_at"
