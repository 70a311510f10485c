from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PluginsConfig(AppConfig):
    name = "platform_core.plugins"
    label = "platform_plugins"
    verbose_name = _("Plugins")

    def ready(self):
        from django.core import checks

        from platform_core.plugins.urls import check_plugin_urls

        checks.register(check_plugin_urls)
