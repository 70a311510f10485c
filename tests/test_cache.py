"""A value cached for township A is never served to township B."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection

from platform_core.actors import Actor
from platform_core.households import services

pytestmark = pytest.mark.django_db


def test_low_level_cache_keys_carry_the_schema(township_a, township_b, in_township):
    with in_township(township_a):
        cache.set("tier-mix", "A's numbers")
        assert cache.get("tier-mix") == "A's numbers"
    with in_township(township_b):
        assert cache.get("tier-mix") is None
    connection.set_schema_to_public()
    assert cache.get("tier-mix") is None


def test_per_view_cache_is_per_township(client, township_a, township_b, in_township):
    """The township home page is cached with cache_page; each township keeps its own copy."""
    with in_township(township_a):
        services.create_village(code="A9", name="甲缓存村")
    with in_township(township_b):
        services.create_village(code="B9", name="乙缓存村")

    for _ in range(2):  # second round is served from the cache
        page_a = client.get("/", HTTP_HOST="jia.localhost")
        page_b = client.get("/", HTTP_HOST="yi.localhost")
        assert "甲缓存村" in page_a.text and "乙缓存村" not in page_a.text
        assert "乙缓存村" in page_b.text and "甲缓存村" not in page_b.text

    # Same request path for both townships through path routing.
    assert "甲缓存村" not in client.get(f"/t/{township_b.code}/").text


def test_tenant_lookup_is_cached_and_invalidated(client, township_a, django_assert_num_queries):
    client.get(f"/t/{township_a.code}/health/live")
    with django_assert_num_queries(0):
        client.get(f"/t/{township_a.code}/health/live")

    from platform_core.townships.services import suspend_township

    suspend_township(township_a, by=Actor.cli())
    assert client.get(f"/t/{township_a.code}/health/live").status_code == 403
