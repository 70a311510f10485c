"""Host and path routing, suspended and unknown townships, the county site."""

from __future__ import annotations

import pytest

from platform_core.actors import Actor
from platform_core.townships.services import reactivate_township, suspend_township

pytestmark = pytest.mark.django_db


def test_county_site_lists_townships(client, township_a):
    page = client.get("/")
    assert page.status_code == 200
    assert township_a.name in page.text


def test_path_routing_keeps_links_inside_the_township(client, township_a):
    page = client.get(f"/t/{township_a.code}/")
    assert page.status_code == 200
    assert page.wsgi_request.path == f"/t/{township_a.code}/"
    assert page.wsgi_request.path_info == "/"


def test_reverse_inside_a_path_routed_request(client, township_a):
    page = client.get(f"/t/{township_a.code}/admin/login/")
    assert page.status_code == 200
    assert f'action="/t/{township_a.code}/admin/login/' in page.text


@pytest.mark.parametrize("route", ["path", "host"])
def test_suspended_township_answers_403_with_a_clear_page(client, township_b, route):
    suspend_township(township_b, by=Actor.cli())
    if route == "path":
        page = client.get(f"/t/{township_b.code}/")
    else:
        page = client.get("/", HTTP_HOST="yi.localhost")
    assert page.status_code == 403
    assert "suspended" in page.text or "暂停" in page.text
    assert township_b.name in page.text

    reactivate_township(township_b, by=Actor.cli())
    assert client.get(f"/t/{township_b.code}/").status_code == 200


def test_unknown_township_code_and_host_are_404(client):
    assert client.get("/t/999999999/").status_code == 404
    page = client.get("/", HTTP_HOST="nowhere.localhost")
    assert page.status_code == 404


def test_health_endpoints(client, township_a):
    assert client.get("/health/live").json() == {"status": "ok"}
    assert client.get("/health/ready").json()["database"] == "ok"
    assert client.get(f"/t/{township_a.code}/health/ready").status_code == 200


def test_request_id_is_echoed(client):
    assert client.get("/health/live", HTTP_X_REQUEST_ID="abc123")["X-Request-ID"] == "abc123"
