from django.apps import AppConfig


class TownshipsConfig(AppConfig):
    """No models (the records are ``tenants``'): the county's services, admin and commands.

    Listed first in ``SHARED_APPS``: its ``migrate`` and ``migrate_schemas`` must win
    over django-tenants' commands of the same names.
    """

    name = "platform_core.townships"
    label = "townships"

    def ready(self) -> None:
        # Statistics follow finalised months.
        from platform_core.townships import receivers  # noqa: F401
