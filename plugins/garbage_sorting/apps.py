from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GarbageSortingConfig(AppConfig):
    name = "plugins.garbage_sorting"
    label = "garbage_sorting"
    verbose_name = _("Garbage sorting")
