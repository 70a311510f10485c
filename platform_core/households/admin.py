"""Township admin pages for villages, grids and households (thin: reads and edits).

A village committee member sees and edits the grids and households of their own
village(s); villages themselves are the township administrator's. Households are
imported (``import_households``) and exported without the ID number hash, and the
month's scores (``export_scores``' rows) are exported from the household list.
"""

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext as _

from platform_core import admin_io
from platform_core.admin_site import (
    VILLAGE_STAFF,
    VillageScopedAdmin,
    scores_export_view,
    township_admin_site,
)
from platform_core.households.models import Grid, Household, Village


@admin.register(Village, site=township_admin_site)
class VillageAdmin(VillageScopedAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    village_path = "code"


@admin.register(Grid, site=township_admin_site)
class GridAdmin(VillageScopedAdmin):
    list_display = ["name", "village"]
    list_filter = [("village", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["village"]
    village_path = "village__code"
    edit_roles = VILLAGE_STAFF


@admin.register(Household, site=township_admin_site)
class HouseholdAdmin(VillageScopedAdmin):
    list_display = ["code", "head_name", "village", "grid", "members"]
    list_filter = [("village", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["village", "grid", "grid__village"]
    search_fields = ["code", "head_name", "address"]
    exclude = ["id_number_hash"]
    raw_id_fields = ["grid"]
    village_path = "village__code"
    edit_roles = VILLAGE_STAFF
    workbench_url_name = "work:households"
    importer = admin_io.households_importer()
    exporter = admin_io.HOUSEHOLDS

    def extra_urls(self):
        return [
            path(
                "export-scores/",
                self.admin_site.admin_view(self.scores_view),
                name=self._url_name("export_scores"),
            )
        ]

    def scores_view(self, request):
        return scores_export_view(self, request)

    def io_links(self, request):
        url = self._url("export_scores")
        return [*super().io_links(request), {"url": url, "label": _("Export scores")}]
