from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "platform_core.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from platform_core.notices import receivers  # noqa: F401  (connects the receiver)
