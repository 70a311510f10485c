"""Integrity loans in the township admin (read-only: changes go through the services)."""

from django.contrib import admin

from plugins.loans.models import CreditLine, Drawdown, LoanApplication, LoanProduct
from township_integrity.admin import ReadOnlyAdmin, ReadOnlyInline, township_admin_site


@admin.register(LoanProduct, site=township_admin_site)
class LoanProductAdmin(ReadOnlyAdmin):
    list_display = [
        "bank",
        "name",
        "limit_green",
        "limit_blue",
        "limit_red",
        "annual_rate",
        "collateral_free",
        "active",
    ]
    list_filter = ["bank", "active"]
    list_select_related = ["bank"]


@admin.register(LoanApplication, site=township_admin_site)
class LoanApplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "applied_at",
        "household",
        "product",
        "amount_requested",
        "tier_at_application",
        "status",
        "decided_by_label",
    ]
    list_filter = ["status", "product__bank"]
    list_select_related = ["household", "product__bank"]
    search_fields = ["household__code"]
    workbench_url_name = "work:loans:applications"
    village_path = "household__village__code"


class DrawdownInline(ReadOnlyInline):
    model = Drawdown
    fields = ["at", "amount", "by_label"]
    readonly_fields = fields


@admin.register(CreditLine, site=township_admin_site)
class CreditLineAdmin(ReadOnlyAdmin):
    list_display = ["application", "limit", "drawn", "frozen", "frozen_at", "frozen_note"]
    list_filter = ["frozen", "application__product__bank"]
    list_select_related = ["application__household", "application__product__bank"]
    search_fields = ["application__household__code"]
    village_path = "application__household__village__code"
    inlines = [DrawdownInline]
