from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Counties and townships")

    def ready(self) -> None:
        # Connect the receivers that keep the cached township lookups true.
        from tenants import signals  # noqa: F401
