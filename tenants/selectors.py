"""The cached township lookups of every request (by host, by code), and their invalidation.

The county's reads of its townships are ``platform_core.townships.selectors``."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tenants.models import Domain, Township

_HOST_KEY = "township-by-host:{}"
_CODE_KEY = "township-by-code:{}"
_MISSING = "missing"


def _cached(key: str, load):
    """Cache a township (or its absence) under a public-schema key."""
    assert connection.schema_name == "public", "tenant lookup must run on the public schema"
    found = cache.get(key)
    if found is None:
        found = load() or _MISSING
        cache.set(key, found, settings.TENANT_LOOKUP_CACHE_SECONDS)
    return None if found == _MISSING else found


def township_for_host(host: str) -> Township | None:
    """The township served at ``host`` (without port), or None for the county site."""
    host = host.lower().rstrip(".")

    def load():
        domain = Domain.objects.select_related("tenant").filter(domain=host).first()
        return domain.tenant if domain else None

    return _cached(_HOST_KEY.format(host), load)


def township_for_code(code: str) -> Township | None:
    return _cached(_CODE_KEY.format(code), lambda: Township.objects.filter(code=code).first())


def forget_township(township: Township) -> None:
    """Drop the cached lookups of a township (after its status or domains change)."""
    keys = [_CODE_KEY.format(township.code)]
    keys += [_HOST_KEY.format(d) for d in township.domains.values_list("domain", flat=True)]
    cache.delete_many(keys)


def forget_host(host: str) -> None:
    cache.delete(_HOST_KEY.format(host))
