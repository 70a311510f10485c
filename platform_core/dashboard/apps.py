from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """No models: the dashboards' pages, and the county's running totals stored on each
    township's statistics row at its refresh (``receivers``)."""

    name = "platform_core.dashboard"
    label = "dashboard"

    def ready(self) -> None:
        from platform_core.dashboard import receivers  # noqa: F401  (connects the receiver)
