from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiverCrabConfig(AppConfig):
    name = "plugins.river_crab"
    label = "river_crab"
    verbose_name = _("River-crab cooperative")
