"""Reads of counties and townships, including the cached lookup used on every request."""

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


def list_townships():
    return Township.objects.select_related("county").order_by("code")


def administered_counties(user) -> set[int] | None:
    """Ids of the counties ``user`` administers; None means every county.

    A superuser and a county administrator without a county (the platform operator's
    role) administer every county; anyone else only the counties of their county
    administrator memberships (an empty set: none).
    """
    from platform_core.accounts.models import Membership, Role

    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    counties = set(
        Membership.objects.filter(user=user, role=Role.COUNTY_ADMIN).values_list(
            "county_id", flat=True
        )
    )
    return None if None in counties else counties


def administered_townships(user):
    """The townships ``user`` may act in as a county administrator."""
    counties = administered_counties(user)
    townships = list_townships()
    return townships if counties is None else townships.filter(county_id__in=sorted(counties))
