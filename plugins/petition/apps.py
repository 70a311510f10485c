from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionConfig(AppConfig):
    name = "plugins.petition"
    label = "petition"
    verbose_name = _("Petitions and hotline cases")
