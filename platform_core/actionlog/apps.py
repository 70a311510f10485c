from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionLogConfig(AppConfig):
    name = "platform_core.actionlog"
    label = "actionlog"
    verbose_name = _("Action log")
