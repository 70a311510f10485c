"""Township admin: notices of deductions (read-only; written by the notices service).
Addresses are shown masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from platform_core.admin_site import ReadOnlyAdmin, township_admin_site
from platform_core.notices.models import Notice
from platform_core.notices.selectors import masked


@admin.register(Notice, site=township_admin_site)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "household",
        "entry",
        "channel",
        "sent_to",
        "status",
        "notified_on",
        "response_due",
        "sent_by_label",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["household__code", "reference"]
    village_path = "household__village__code"
    date_hierarchy = "created_at"
    list_select_related = ["household", "entry"]

    def get_readonly_fields(self, request, obj=None):
        return [
            "sent_to" if name == "address" else name
            for name in super().get_readonly_fields(request, obj)
        ]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("sent to"))
    def sent_to(self, obj: Notice) -> str:
        return masked(obj.address)
