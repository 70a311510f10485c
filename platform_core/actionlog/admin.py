"""The action log in the admin, read-only.

The township admin lists its own schema's event tables to township administrators;
the county admin lists the public schema's (township policy, plugin activations,
memberships) of the townships the county administrator administers. Nobody edits
or deletes a log row (the database refuses it too).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from platform_core.actionlog.selectors import KINDS
from platform_core.admin_site import TOWNSHIP_ADMIN, ReadOnlyAdmin, township_admin_site
from platform_core.townships.admin import county_admin_site, is_county_administrator
from platform_core.townships.selectors import administered_townships


@admin.display(description=_("person"))
def person(event) -> str:
    return (event.pgh_context or {}).get("label") or "—"


@admin.display(description=_("path"))
def path(event) -> str:
    context = event.pgh_context or {}
    return " ".join(filter(None, (context.get("via"), context.get("path")))) or "—"


class TownshipLogAdmin(ReadOnlyAdmin):
    """A township's own event table: township administrators read it."""

    view_roles = TOWNSHIP_ADMIN
    list_display = ("pgh_created_at", "pgh_label", "pgh_obj_id", person, path)
    list_filter = ("pgh_label", "pgh_created_at")
    date_hierarchy = "pgh_created_at"
    ordering = ("-pgh_id",)
    search_fields = ("pgh_context__label",)


class CountyLogAdmin(admin.ModelAdmin):
    """A public event table, the rows of the townships this county administrator has."""

    township_field = "township_id"
    list_display = ("pgh_created_at", "pgh_label", "pgh_obj_id", person, path)
    list_filter = ("pgh_label", "pgh_created_at")
    ordering = ("-pgh_id",)
    search_fields = ("pgh_context__label",)

    def get_queryset(self, request):
        townships = administered_townships(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.township_field}__in": townships})

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_module_permission(self, request) -> bool:
        return is_county_administrator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_county_administrator(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


for kind in KINDS.values():
    if kind.public:
        county_admin_site.register(
            kind.model,
            type(
                f"{kind.model.__name__}Admin",
                (CountyLogAdmin,),
                {"township_field": kind.township_field},
            ),
        )
    else:
        township_admin_site.register(kind.model, TownshipLogAdmin)
