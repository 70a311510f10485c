"""Keep the cached township lookups true when townships or domains change."""

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants.models import Domain, Township


def _on_public(fn):
    """Run ``fn`` on the public schema now and again once the transaction commits.

    The second run closes the gap in which another request could re-cache the
    old state between our change and its commit.
    """
    _run_on_public(fn)
    transaction.on_commit(lambda: _run_on_public(fn))


def _run_on_public(fn):
    previous = connection.tenant if hasattr(connection, "tenant") else None
    connection.set_schema_to_public()
    try:
        fn()
    finally:
        if previous is not None and previous.schema_name != "public":
            connection.set_tenant(previous)


@receiver([post_save, post_delete], sender=Township)
def township_changed(sender, instance: Township, **kwargs) -> None:
    from tenants.selectors import forget_township

    _on_public(lambda: forget_township(instance))


@receiver([post_save, post_delete], sender=Domain)
def domain_changed(sender, instance: Domain, **kwargs) -> None:
    from tenants.selectors import forget_host

    _on_public(lambda: forget_host(instance.domain))
