from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionConfig(AppConfig):
    name = "plugins.petition"
    label = "petition"
    verbose_name = _("Petitions and hotline cases")

    def ready(self) -> None:
        # Registers the plugin's Celery task (petition.escalate_overdue) in every process.
        from plugins.petition import tasks  # noqa: F401
