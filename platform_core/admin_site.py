"""The Django admin inside a township: only its members may enter.

Permissions in Django are global; without this check a staff user of township A
could open township B's admin. Entry requires an administrative role (township
administrator, village committee, council member) in the township the request is
routed to; county administrators and superusers may enter all.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from platform_core.accounts.selectors import ADMIN_ROLES, has_role


class TownshipAdminSite(admin.AdminSite):
    site_header = _("Township administration")
    site_title = _("Township administration")

    def has_permission(self, request) -> bool:
        user = request.user
        township = getattr(request, "township", None)
        return bool(user.is_active and user.is_staff and has_role(user, township, ADMIN_ROLES))

    def each_context(self, request):
        context = super().each_context(request)
        township = getattr(request, "township", None)
        if township is not None:
            context["site_header"] = f"{township.name} · {self.site_header}"
        return context


township_admin_site = TownshipAdminSite(name="township_admin")
