"""Township admin pages for villages, grids and households (thin: reads and edits).

A village committee member sees and edits the grids and households of their own
village(s); villages themselves are the township administrator's. Households are
imported (``import_households``) and exported with the import's columns (so a sheet
can be edited and imported back), never with the ID number hash. The month's scores
export on the household list is evaluation's page (``platform_core.evaluation.admin``).
"""

from collections.abc import Iterable, Sequence

from django.contrib import admin
from django.db.models import QuerySet

from platform_core import admin_io
from platform_core.admin_site import VILLAGE_STAFF, VillageScopedAdmin, township_admin_site
from platform_core.households.imports import COLUMNS, import_households
from platform_core.households.models import Grid, Household, Village

HOUSEHOLDS_IMPORT = admin_io.Importer(
    "households", lambda path, actor: import_households(path), COLUMNS
)

HOUSEHOLD_COLUMNS = [
    "code",
    "village",
    "grid",
    "head_name",
    "address",
    "members",
    "phone",
    "email",
]


def household_rows(queryset: QuerySet) -> Iterable[Sequence]:
    """The import's columns (village and grid by name); never the ID number hash."""
    return (
        queryset.order_by("code")
        .values_list(
            "code",
            "village__name",
            "grid__name",
            "head_name",
            "address",
            "members",
            "phone",
            "email",
        )
        .iterator(chunk_size=admin_io.CHUNK)
    )


HOUSEHOLDS_EXPORT = admin_io.Exporter("households", HOUSEHOLD_COLUMNS, household_rows)


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
    importer = HOUSEHOLDS_IMPORT
    exporter = HOUSEHOLDS_EXPORT
