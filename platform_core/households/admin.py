"""Township admin pages for villages, grids and households (thin: reads and edits).

A village committee member sees and edits the grids and households of their own
village(s); villages themselves are the township administrator's. Households are
imported (``import_households``) and exported with the import's columns (so a sheet
can be edited and imported back), never with the ID number hash. The month's scores
export on the household list is evaluation's page (``platform_core.evaluation.admin``).
Merchants and firms (the ``Enterprise`` proxy) have their own list; the household list
shows households only (``Household.objects``).
"""

from collections.abc import Iterable, Sequence

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from platform_core import admin_io
from platform_core.accounts.viewer import viewer_of
from platform_core.admin_site import VILLAGE_STAFF, VillageScopedAdmin, township_admin_site
from platform_core.households import enterprise_imports, services
from platform_core.households.imports import COLUMNS, import_households
from platform_core.households.models import Enterprise, Grid, Household, Village

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


# --- merchants and firms (docs/subjects.md) --------------------------------------------

ENTERPRISES_IMPORT = admin_io.Importer(
    "enterprises",
    lambda path, actor: enterprise_imports.import_enterprises(path, by=actor),
    enterprise_imports.COLUMNS,
)
ENTERPRISES_EXPORT = admin_io.Exporter(
    "enterprises", enterprise_imports.EXPORT_HEADER, enterprise_imports.enterprise_rows
)
ENTERPRISE_FIELDS = [
    "kind",
    "head_name",
    "credit_code",
    "legal_representative",
    "village",
    "phone",
    "address",
]


class EnterpriseForm(forms.ModelForm):
    """The registration's fields, checked by the service's rules (errors at the field)."""

    class Meta:
        model = Enterprise
        fields = ENTERPRISE_FIELDS
        labels = {"head_name": gettext_lazy("name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind.value, kind.label) for kind in services.ENTERPRISE_KINDS
        ]

    def clean(self):
        data = super().clean()
        cleaned, problems = services.enterprise_problems(
            kind=data.get("kind") or "",
            name=data.get("head_name") or "",
            credit_code=data.get("credit_code") or "",
            legal_representative=data.get("legal_representative") or "",
            village=data.get("village"),
            address=data.get("address") or "",
            phone=data.get("phone") or "",
            instance=self.instance if self.instance.pk else None,
        )
        for field, message in problems.items():
            field = "head_name" if field == "name" else field
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        if not problems:
            data["credit_code"] = cleaned["credit_code"]
        return data


@admin.register(Enterprise, site=township_admin_site)
class EnterpriseAdmin(VillageScopedAdmin):
    """Merchants and firms; registered and changed through ``households.services``."""

    form = EnterpriseForm
    list_display = ["code", "head_name", "kind", "credit_code", "legal_representative", "village"]
    list_filter = ["kind", ("village", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["village"]
    search_fields = ["code", "head_name", "credit_code", "legal_representative"]
    readonly_fields = ["code"]
    village_path = "village__code"
    edit_roles = VILLAGE_STAFF
    workbench_url_name = "work:enterprises"
    importer = ENTERPRISES_IMPORT
    exporter = ENTERPRISES_EXPORT

    def get_fields(self, request, obj=None):
        return (["code"] if obj is not None else []) + ENTERPRISE_FIELDS

    def has_delete_permission(self, request, obj=None):
        return False  # a subject with a ledger is never deleted (as households are not)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {
            "kind": data["kind"],
            "name": data["head_name"],
            "credit_code": data["credit_code"],
            "legal_representative": data["legal_representative"],
            "village": data["village"],
            "address": data.get("address") or "",
            "phone": data.get("phone") or "",
        }
        by = viewer_of(request).actor
        if change:
            original = Enterprise.objects.get(pk=obj.pk)
            services.update_enterprise(original, by=by, **fields)
        else:
            created = services.register_enterprise(by=by, **fields)
            obj.pk, obj.code = created.pk, created.code
