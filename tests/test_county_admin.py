"""The county admin onboards and suspends townships through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_exists

from tenants.models import County, Township

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_admin(client):
    user = get_user_model().objects.create_superuser("county@x.cn", "county@x.cn", "pw")
    client.force_login(user)
    return client


def test_add_form_onboards_through_the_service(county_admin):
    county = County.objects.get(code="330502")
    reply = county_admin.post(
        "/admin/tenants/township/add/",
        {
            "code": "330502150",
            "name": "表单镇",
            "slug": "",
            "county": county.pk,
            "admin_email": "boss@biaodan.cn",
        },
    )
    assert reply.status_code == 302, reply.context["adminform"].form.errors
    township = Township.objects.get(code="330502150")
    assert township.slug == "330502150"
    assert schema_exists("t_330502150")


def test_add_form_shows_the_refusal_of_a_duplicate(county_admin, township_a):
    reply = county_admin.post(
        "/admin/tenants/township/add/",
        {
            "code": township_a.code,
            "name": "重复",
            "county": township_a.county.pk,
        },
    )
    assert reply.status_code == 200
    assert "already exists" in reply.text or "已存在" in reply.text


def test_suspend_action(county_admin, township_b, client):
    county_admin.post(
        "/admin/tenants/township/", {"action": "suspend", "_selected_action": [township_b.pk]}
    )
    assert Township.objects.get(pk=township_b.pk).status == "suspended"
    assert client.get(f"/t/{township_b.code}/").status_code == 403


def test_township_admin_does_not_show_county_records(county_admin, township_a):
    reply = county_admin.get(f"/t/{township_a.code}/admin/")
    assert reply.status_code == 200
    assert "/admin/tenants/" not in reply.text


def test_township_admin_enters_only_their_own_township(client, township_a, township_b, in_township):
    from platform_core.households import services

    with in_township(township_a):
        village = services.create_village(code="AD1", name="管理村")
        services.create_household(code="AD1-0001", village=village, head_name="俞国明")
    assert client.login(username="admin@jia.test", password="pw-jia")

    own = client.get(f"/t/{township_a.code}/admin/households/household/")
    assert own.status_code == 200 and "AD1-0001" in own.text

    other = client.get(f"/t/{township_b.code}/admin/households/household/")
    assert other.status_code == 302 and "/login/" in other["Location"]
    assert client.get(f"/t/{township_b.code}/admin/").status_code == 302
