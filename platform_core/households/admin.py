"""Township admin pages for villages, grids and households (thin: reads and edits)."""

from django.contrib import admin

from platform_core.admin_site import township_admin_site
from platform_core.households.models import Grid, Household, Village


@admin.register(Village, site=township_admin_site)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Grid, site=township_admin_site)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "village"]
    list_filter = ["village"]
    list_select_related = ["village"]


@admin.register(Household, site=township_admin_site)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["code", "head_name", "village", "grid", "members"]
    list_filter = ["village"]
    list_select_related = ["village", "grid", "grid__village"]
    search_fields = ["code", "head_name", "address"]
    exclude = ["id_number_hash"]
    raw_id_fields = ["grid"]
