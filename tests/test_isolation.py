"""Nothing of one township is readable from another: ORM, HTTP by path and by host."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from platform_core.households import services
from platform_core.households.models import Household, Village

pytestmark = pytest.mark.django_db


@pytest.fixture
def villages(township_a, township_b, in_township):
    with in_township(township_a):
        village = services.create_village(code="A01", name="甲村专属")
        services.create_household(
            code="A01-0001", village=village, head_name="俞国明", id_number="330502199001011234"
        )
    with in_township(township_b):
        services.create_village(code="B01", name="乙村专属")


def test_orm_reads_only_the_current_township(villages, township_a, township_b, in_township):
    with in_township(township_a):
        assert list(Village.objects.values_list("name", flat=True)) == ["甲村专属"]
        assert Household.objects.filter(code="A01-0001").exists()
    with in_township(township_b):
        assert list(Village.objects.values_list("name", flat=True)) == ["乙村专属"]
        assert not Household.objects.filter(code="A01-0001").exists()
    # The public schema holds no household tables at all.
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.households_household')")
        assert cursor.fetchone()[0] is None


def test_id_numbers_are_stored_only_as_keyed_hashes(villages, township_a, in_township):
    with in_township(township_a):
        stored = Household.objects.get(code="A01-0001")
        assert "330502199001011234" not in repr(stored.__dict__)
        assert stored.id_number_hash == services.hash_id_number("330502199001011234")


@pytest.mark.parametrize("route", ["path", "host"])
def test_http_pages_show_only_their_own_township(villages, client, township_a, township_b, route):
    def get(township):
        if route == "path":
            return client.get(f"/t/{township.code}/")
        return client.get("/", HTTP_HOST=f"{township.slug}.localhost")

    page_a, page_b = get(township_a), get(township_b)
    assert page_a.status_code == page_b.status_code == 200
    assert "甲村专属" in page_a.text and "乙村专属" not in page_a.text
    assert "乙村专属" in page_b.text and "甲村专属" not in page_b.text


def test_graphql_answers_from_the_routed_township(client, township_a, township_b):
    for t in (township_a, township_b):
        client.login(username=f"admin@{t.slug}.test", password=f"pw-{t.slug}")
        reply = client.post(
            f"/t/{t.code}/graphql/",
            {"query": "{ health { schemaName } township { code } }"},
            content_type="application/json",
        )
        assert reply.json()["data"] == {
            "health": {"schemaName": t.schema_name},
            "township": {"code": t.code},
        }
    client.force_login(get_user_model().objects.create_superuser("root@x.cn", "root@x.cn", "pw"))
    county = client.post(
        "/graphql/", {"query": "{ health { status schemaName } }"}, content_type="application/json"
    )
    assert county.json()["data"]["health"] == {"status": "ok", "schemaName": "public"}
