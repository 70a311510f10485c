from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Counties and townships")

    def ready(self) -> None:
        # Connect the receivers: cache invalidation, statistics after a finalised month.
        from tenants import receivers, signals  # noqa: F401
