"""The Django admin inside a township: only its members may enter.

Permissions in Django are global; without this check a staff user of township A
could open township B's admin. Entry requires an administrative role (township
administrator, village committee, council member) in the township the request is
routed to; county administrators and superusers may enter all.
"""

from __future__ import annotations

from functools import cache

from django.contrib import admin
from django.db.models.base import ModelBase
from django.utils.translation import gettext_lazy as _

from platform_core.accounts.selectors import ADMIN_ROLES, has_role


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only through services (or never changed): shown, never edited here."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PluginGate:
    """Admin pages of a plugin's models exist only where the township enabled the plugin."""

    plugin_key = ""

    def _enabled(self, request) -> bool:
        from platform_core.plugins.manager import hooks_for

        township = getattr(request, "township", None)
        return township is not None and self.plugin_key in hooks_for(township).enabled

    def has_module_permission(self, request):
        return self._enabled(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._enabled(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._enabled(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._enabled(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._enabled(request) and super().has_delete_permission(request, obj)


@cache
def plugin_app_labels() -> dict[str, str]:
    """App label -> plugin key, from the ``township_integrity.django_apps`` entry points."""
    from importlib.metadata import entry_points

    from django.apps import apps

    modules = {ep.value: ep.name for ep in entry_points(group="township_integrity.django_apps")}
    return {c.label: modules[c.name] for c in apps.get_app_configs() if c.name in modules}


class TownshipAdminSite(admin.AdminSite):
    site_header = _("Township administration")
    site_title = _("Township administration")

    def has_permission(self, request) -> bool:
        user = request.user
        township = getattr(request, "township", None)
        return bool(user.is_active and user.is_staff and has_role(user, township, ADMIN_ROLES))

    def register(self, model_or_iterable, admin_class=None, **options):
        """Gate the admin of plugin models behind the plugin being enabled (PluginGate)."""
        models = (
            [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        )
        for model in models:
            chosen = admin_class or admin.ModelAdmin
            key = plugin_app_labels().get(model._meta.app_label)
            if key:
                chosen = type(chosen.__name__, (PluginGate, chosen), {"plugin_key": key})
            super().register(model, chosen, **options)

    def each_context(self, request):
        context = super().each_context(request)
        township = getattr(request, "township", None)
        if township is not None:
            context["site_header"] = f"{township.name} · {self.site_header}"
        return context


township_admin_site = TownshipAdminSite(name="township_admin")
