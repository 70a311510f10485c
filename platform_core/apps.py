from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformCoreConfig(AppConfig):
    name = "platform_core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        """Connect the township admin to the layers above it (it cannot import them).

        Every app's admin registers on the site, so the site sits below the plugin
        machinery and the workbench; they are handed to it here, once.
        """
        from platform_core.admin_site import township_admin_site
        from platform_core.plugins.manager import hooks_for
        from platform_core.workbench.menu import page_url

        township_admin_site.connect(
            enabled_plugins=lambda township: hooks_for(township).enabled,
            workbench_page_url=page_url,
        )
