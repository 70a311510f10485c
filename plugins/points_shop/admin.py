"""Township admin view of shops, catalogues and orders (read-only: changes go through services)."""

from django.contrib import admin

from plugins.points_shop.models import Item, Order, OrderLine, Shop
from township_integrity.admin import ReadOnlyAdmin, ReadOnlyInline, township_admin_site


class ItemInline(ReadOnlyInline):
    model = Item
    fields = ["name", "price_points", "stock", "active"]
    readonly_fields = fields


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["item", "quantity", "price_points"]
    readonly_fields = fields


@admin.register(Shop, site=township_admin_site)
class ShopAdmin(ReadOnlyAdmin):
    list_display = ["name", "village", "member", "active"]
    list_filter = [("village", admin.RelatedOnlyFieldListFilter), "active"]
    list_select_related = ["village", "member"]
    village_path = "village__code"
    inlines = [ItemInline]


@admin.register(Order, site=township_admin_site)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["reference", "household", "shop", "total_points", "status", "placed_at"]
    list_filter = ["shop", "status"]
    list_select_related = ["household", "shop"]
    search_fields = ["reference", "household__code"]
    village_path = "household__village__code"
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline]
