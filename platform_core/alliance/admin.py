"""Alliance members (edited by the township administrator); checks and grants (read-only)."""

from django.contrib import admin

from platform_core.admin_site import ReadOnlyAdmin, VillageScopedAdmin, township_admin_site
from platform_core.alliance.models import (
    AllianceMember,
    Consent,
    Dividend,
    DividendCatalogue,
    EligibilityCheck,
    Grant,
)


@admin.register(AllianceMember, site=township_admin_site)
class AllianceMemberAdmin(VillageScopedAdmin):
    list_display = ["code", "name", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]


@admin.register(EligibilityCheck, site=township_admin_site)
class EligibilityCheckAdmin(ReadOnlyAdmin):
    list_display = [
        "checked_at",
        "household",
        "benefit_code",
        "tier",
        "eligible",
        "narrowed",
        "checked_by_label",
    ]
    list_filter = ["eligible", "benefit_code", "tier"]
    list_select_related = ["household"]
    search_fields = ["household__code", "checked_by_label"]
    village_path = "household__village__code"
    workbench_url_name = "work:eligibility"


@admin.register(Grant, site=township_admin_site)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ["granted_at", "member", "household", "benefit_code", "granted_by_label"]
    list_filter = ["member", "benefit_code"]
    list_select_related = ["member", "household"]
    village_path = "household__village__code"


@admin.register(Consent, site=township_admin_site)
class ConsentAdmin(ReadOnlyAdmin):
    """Consents per alliance member (PIPL Art. 23): written by the household or staff on
    its workbench pages, read here."""

    list_display = [
        "granted_at",
        "household",
        "member",
        "scope",
        "channel",
        "granted_by_label",
        "withdrawn_at",
    ]
    list_filter = ["member", "scope", "channel"]
    list_select_related = ["member", "household"]
    search_fields = ["household__code"]
    village_path = "household__village__code"


class DividendInline(admin.TabularInline):
    model = Dividend
    fields = ["number", "title_zh", "member", "tiers", "subject_kinds", "benefit_code", "basis"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["number"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DividendCatalogue, site=township_admin_site)
class DividendCatalogueAdmin(ReadOnlyAdmin):
    """The versions of the ten integrity dividends: drafted and published on the workbench
    page (the services' checks), read here."""

    list_display = ["version", "state", "created_by_label", "published_at", "published_by_label"]
    list_filter = ["state"]
    inlines = [DividendInline]
    workbench_url_name = "work:dividends"
