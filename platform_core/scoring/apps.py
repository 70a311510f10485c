from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "platform_core.scoring"
    label = "scoring"
    verbose_name = _("Covenant and ledger")

    def ready(self) -> None:
        from django.core import checks

        from platform_core.scoring.workdays import check_calendar_coverage

        checks.register(check_calendar_coverage)
