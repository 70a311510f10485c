from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliceFeedConfig(AppConfig):
    name = "police_feed"
    label = "police_feed"
    verbose_name = _("Police alerts")
    default_auto_field = "django.db.models.BigAutoField"
