"""A township committed for real, for tests whose other side is another connection.

Browser tests talk to a live server thread, worker tests to another process:
neither sees the rolled-back transaction ordinary tests run in. ``committed``
onboards a township, lets the caller fill it, and removes everything it made
afterwards — schema, public rows, users with the township's e-mail domain —
without the flush of ``transaction=True`` (which would empty the shared public
schema).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from platform_core.actors import Actor
from tenants.models import County, Domain, PluginActivation, Township


@contextmanager
def committed(
    django_db_blocker,
    *,
    code: str,
    name: str,
    slug: str,
    plugins: list[str] | None = None,
    fill: Callable[[Township], None] | None = None,
) -> Iterator[Township]:
    """Onboard ``code`` (admin ``admin@<slug>.test`` / ``pw-<slug>``), fill it, remove it after."""
    from django.conf import settings

    from platform_core.townships.services import onboard_township

    assert settings.DATABASES["default"]["NAME"].startswith("test_"), "not a test database"
    with django_db_blocker.unblock():
        remove(code, slug)  # leftovers of an interrupted run
        counties = set(County.objects.values_list("code", flat=True))
    try:
        with django_db_blocker.unblock():
            onboard_township(
                code=code,
                name=name,
                slug=slug,
                plugins=plugins,
                admin_email=f"admin@{slug}.test",
                admin_password=f"pw-{slug}",
                by=Actor.cli(),
            )
            township = Township.objects.get(code=code)
            if fill is not None:
                with tenant_context(township):
                    fill(township)
            connection.set_schema_to_public()
        yield township
    finally:
        with django_db_blocker.unblock():
            remove(code, slug)
            County.objects.exclude(code__in=counties).delete()
            assert not schema_exists(f"t_{code}") and not Township.objects.filter(code=code)


def remove(code: str, slug: str) -> None:
    """Drop the township's schema and every public row it made."""
    from platform_core.accounts.models import ApiToken, Membership
    from tenants.models import TownshipStatistics

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "t_{code}" CASCADE')
    ApiToken.objects.filter(township__code=code).delete()
    Membership.objects.filter(township__code=code).delete()
    PluginActivation.objects.filter(township__code=code).delete()
    TownshipStatistics.objects.filter(township__code=code).delete()
    Domain.objects.filter(tenant__code=code).delete()
    Township.objects.filter(code=code).delete()
    get_user_model().objects.filter(username__endswith=f"@{slug}.test").delete()
