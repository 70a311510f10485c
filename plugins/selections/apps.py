from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelectionsConfig(AppConfig):
    name = "plugins.selections"
    label = "selections"
    verbose_name = _("'Most beautiful' selections")
