"""Base classes for a plugin's pages in the township admin.

    from township_integrity.admin import ReadOnlyAdmin, township_admin_site

    @admin.register(Application, site=township_admin_site)
    class ApplicationAdmin(ReadOnlyAdmin):
        village_path = "household__village__code"

``township_admin_site`` is each township's admin (register there, not on
``django.contrib.admin.site``); it hides a plugin's models where the plugin is not
enabled. ``ReadOnlyAdmin`` shows rows to staff of their villages only
(``village_path`` names the village code through foreign keys) and changes
nothing: writes go through services. ``Importer`` adds a tabular import
(CSV/XLSX, all or nothing) to an admin's changelist.
"""

from platform_core.admin_io import Importer
from platform_core.admin_site import ReadOnlyAdmin, ReadOnlyInline, township_admin_site

__all__ = ["Importer", "ReadOnlyAdmin", "ReadOnlyInline", "township_admin_site"]
