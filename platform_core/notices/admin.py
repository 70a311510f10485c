"""Township admin: notices of deductions and staff notices (read-only; written by the
notices service). Addresses are shown masked."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from platform_core.admin_site import TOWNSHIP_ADMIN, ReadOnlyAdmin, township_admin_site
from platform_core.notices.models import Notice, StaffNotice
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


@admin.register(StaffNotice, site=township_admin_site)
class StaffNoticeAdmin(ReadOnlyAdmin):
    """What staff were told (overdue cases, warnings): for the township's administrators."""

    view_roles = TOWNSHIP_ADMIN
    list_display = [
        "created_at",
        "key",
        "person_shown",
        "village_code",
        "channel",
        "sent_to",
        "status",
        "subject",
        "sent_by_label",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["key", "person_label", "village_code", "subject"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [
            {"address": "sent_to", "person_label": "person_shown"}.get(name, name)
            for name in super().get_readonly_fields(request, obj)
            if name != "person"
        ]

    @admin.display(description=_("recipient"))
    def person_shown(self, obj: StaffNotice) -> str:
        """The person's e-mail or name; a phone-only person's number masked."""
        label = obj.person_label
        return label if "@" in label or not label.lstrip("+").isdigit() else masked(label)

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("sent to"))
    def sent_to(self, obj: StaffNotice) -> str:
        return masked(obj.address)
