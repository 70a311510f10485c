"""Cards, benefits and checks in the township admin (read-only: changes go through the services)."""

from django.contrib import admin

from plugins.integrity_card.models import Card, CardBenefit, CardCheck
from township_integrity.admin import ReadOnlyAdmin, township_admin_site


@admin.register(Card, site=township_admin_site)
class CardAdmin(ReadOnlyAdmin):
    list_display = ["number", "household", "issued_on", "valid_until", "status", "status_reason"]
    list_filter = ["status", "issued_on"]
    list_select_related = ["household"]
    search_fields = ["number", "household__code"]
    village_path = "household__village__code"


@admin.register(CardBenefit, site=township_admin_site)
class CardBenefitAdmin(ReadOnlyAdmin):
    list_display = ["member", "kind", "description", "active", "registered_by_label"]
    list_filter = ["kind", "active", "member"]
    list_select_related = ["member"]


@admin.register(CardCheck, site=township_admin_site)
class CardCheckAdmin(ReadOnlyAdmin):
    list_display = ["at", "number", "answer", "member", "clerk_label", "reason"]
    list_filter = ["answer", "member"]
    list_select_related = ["member"]
    search_fields = ["number", "card__household__code"]
    village_path = "card__household__village__code"
    workbench_url_name = "work:integrity_card:checks"
    date_hierarchy = "at"
