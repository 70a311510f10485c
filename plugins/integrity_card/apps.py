from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrityCardConfig(AppConfig):
    name = "plugins.integrity_card"
    label = "integrity_card"
    verbose_name = _("Integrity card")
