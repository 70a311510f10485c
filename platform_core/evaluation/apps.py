from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "platform_core.evaluation"
    label = "evaluation"
    verbose_name = _("Monthly evaluation")

    def ready(self) -> None:
        # Tells the enabled plugins about a finalised month (township_tier_changed & co.).
        from platform_core.evaluation import receivers  # noqa: F401  (connects the signal)
