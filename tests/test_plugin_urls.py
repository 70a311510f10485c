"""Plugins' public addresses (``township_urls``): mounted at the top of the township's site,
404 where the plugin is not enabled, served on the county site through a parameter naming
the township, and refused when a prefix overlaps the platform's or another plugin's."""

from __future__ import annotations

import importlib
import json
from importlib.metadata import EntryPoint

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.test import Client
from django.urls import clear_url_caches, path, reverse
from django.views.decorators.csrf import csrf_exempt

from platform_core.plugins import manager
from platform_core.plugins import urls as plugin_urls
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from township_integrity import PluginMetadata, PluginUrls, hookimpl
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db


# --- a third party's plugin with public addresses --------------------------------------


def villages_view(request):
    """The villages of the township served: its schema's own data."""
    from platform_core.households.models import Village

    return JsonResponse(
        {
            "schema": connection.schema_name,
            "township": request.township.code,
            "villages": list(Village.objects.order_by("code").values_list("name", flat=True)),
        }
    )


def item_view(request, n: int):
    return JsonResponse({"item": n, "signed_in": request.user.is_authenticated})


@csrf_exempt
def submit_view(request):
    return JsonResponse({"received": request.POST.get("text", "")}, status=201)


def page_view(request):
    return HttpResponse(f"page of {request.township.name} {reverse('sample_urls:villages')}")


def sample_error(request, status: int, message: str):
    return JsonResponse([{"code": status, "description": message}], status=status, safe=False)


class UrlsSample:
    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_urls", "示例接口", "Sample API", "1.0", ">=0.5")

    @hookimpl
    def township_urls(self):
        return [
            PluginUrls(
                prefix="sample/v1/",
                patterns=(
                    path("villages.json", villages_view, name="villages"),
                    path("items/<int:n>.json", item_view, name="item"),
                    path("submit.json", submit_view, name="submit"),
                ),
                county_parameter="jurisdiction_id",
                county_error=sample_error,
            ),
            PluginUrls(prefix="sample-page/", patterns=(path("", page_view, name="page"),)),
        ]


class ClashSample:
    """Addresses the platform refuses: another plugin's prefix, platform paths, bad ones."""

    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_urls_clash", "冲突", "Clash", "1.0", ">=0.5")

    @hookimpl
    def township_urls(self):
        patterns = (path("", page_view, name="x"),)
        return [
            PluginUrls(prefix="sample/", patterns=patterns),  # overlaps sample/v1/
            PluginUrls(prefix="admin/extra/", patterns=patterns),  # the admin's
            PluginUrls(prefix="households/more/", patterns=patterns),  # a core page's
            PluginUrls(prefix="/Bad Prefix", patterns=patterns),
            PluginUrls(prefix="clash-ok/", patterns=patterns),
        ]


urls_sample = UrlsSample()
clash_sample = ClashSample()


def remount() -> None:
    """Build the URLconfs again from the loaded plugins (as a restart would)."""
    import platform_core.urls_public
    import platform_core.urls_tenant

    importlib.reload(platform_core.urls_tenant)
    importlib.reload(platform_core.urls_public)
    clear_url_caches()


@pytest.fixture
def samples(monkeypatch):
    real = manager.entry_points
    fakes = [
        EntryPoint(
            name="sample_urls",
            value="tests.test_plugin_urls:urls_sample",
            group=manager.ENTRY_POINT_GROUP,
        ),
        EntryPoint(
            name="sample_urls_clash",
            value="tests.test_plugin_urls:clash_sample",
            group=manager.ENTRY_POINT_GROUP,
        ),
    ]

    def with_samples(group):
        found = list(real(group=group))
        return [*found, *fakes] if group == manager.ENTRY_POINT_GROUP else found

    monkeypatch.setattr(manager, "entry_points", with_samples)
    manager.reload()
    remount()
    yield
    monkeypatch.undo()
    manager.reload()
    remount()


@pytest.fixture
def two_townships(samples, township_a, township_b, in_township):
    """Both townships enabled the sample; each has a village of its own name."""
    enable_plugin(township_a, "sample_urls")
    enable_plugin(township_b, "sample_urls")
    with in_township(township_a):
        f.village("V01", "甲村")
    with in_township(township_b):
        f.village("V01", "乙村")
    return township_a, township_b


# --- the township's site ------------------------------------------------------------


def test_served_at_the_prefix_in_path_routing_and_public(two_townships):
    a, b = two_townships
    page = Client().get(f"/t/{a.code}/sample/v1/villages.json")
    assert page.status_code == 200
    assert page.json() == {"schema": a.schema_name, "township": a.code, "villages": ["甲村"]}
    # Public: no sign-in asked, none assumed.
    assert Client().get(f"/t/{a.code}/sample/v1/items/7.json").json() == {
        "item": 7,
        "signed_in": False,
    }
    assert Client().get(f"/t/{a.code}/sample-page/").text.startswith(f"page of {a.name} ")


def test_each_township_sees_only_its_own_data(two_townships):
    a, b = two_townships
    seen_a = Client().get(f"/t/{a.code}/sample/v1/villages.json").json()
    seen_b = Client().get(f"/t/{b.code}/sample/v1/villages.json").json()
    assert seen_a["villages"] == ["甲村"] and seen_b["villages"] == ["乙村"]
    assert seen_b["schema"] == b.schema_name


def test_served_on_the_townships_own_host(two_townships):
    a, _ = two_townships
    from tenants.models import Domain

    host = Domain.objects.filter(tenant=a).values_list("domain", flat=True).first()
    assert host, "the test township has a host name"
    page = Client().get("/sample/v1/villages.json", HTTP_HOST=host)
    assert page.json()["villages"] == ["甲村"]


def test_a_township_that_has_not_enabled_the_plugin_answers_404(samples, township_a, township_b):
    enable_plugin(township_a, "sample_urls")
    # Through the plugin's own error format when it gives one ...
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = english.get(f"/t/{township_b.code}/sample/v1/villages.json")
    assert page.status_code == 404
    assert page.json() == [{"code": 404, "description": "This service is not offered here."}]
    chinese = Client().get(f"/t/{township_b.code}/sample/v1/villages.json")  # the default
    assert chinese.json() == [{"code": 404, "description": "本镇未提供此服务。"}]
    # ... else the platform's 404.
    assert Client().get(f"/t/{township_b.code}/sample-page/").status_code == 404


def test_post_views_the_plugin_exempts_take_posts_from_other_machines(two_townships):
    a, _ = two_townships
    client = Client(enforce_csrf_checks=True)
    page = client.post(f"/t/{a.code}/sample/v1/submit.json", {"text": "路灯坏了"})
    assert page.status_code == 201 and page.json() == {"received": "路灯坏了"}


def test_reversed_by_plugin_key_inside_the_township(two_townships):
    a, _ = two_townships
    page = Client().get(f"/t/{a.code}/sample-page/")
    assert page.text == f"page of {a.name} /t/{a.code}/sample/v1/villages.json"


# --- the county site ----------------------------------------------------------------


def test_the_county_site_serves_the_township_the_parameter_names(two_townships):
    a, b = two_townships
    page = Client().get("/sample/v1/villages.json", {"jurisdiction_id": b.code})
    assert page.status_code == 200
    assert page.json() == {"schema": b.schema_name, "township": b.code, "villages": ["乙村"]}
    page = Client().get("/sample/v1/villages.json", {"jurisdiction_id": a.code})
    assert page.json()["villages"] == ["甲村"]
    # A POST names it in its body (from another machine: no CSRF token).
    client = Client(enforce_csrf_checks=True)
    page = client.post("/sample/v1/submit.json", {"jurisdiction_id": a.code, "text": "x"})
    assert page.status_code == 201
    assert connection.schema_name == "public"


def test_the_county_site_without_the_parameter_answers_400(two_townships):
    page = Client().get("/sample/v1/villages.json")
    assert page.status_code == 400
    (error,) = page.json()
    assert error["code"] == 400 and "jurisdiction_id" in error["description"]
    assert Client().get("/sample/v1/villages.json", {"jurisdiction_id": " "}).status_code == 400


@pytest.mark.parametrize("code", ["999999999", "'; drop table x; --", "x" * 300])
def test_the_county_site_with_an_unknown_township_answers_404(two_townships, code):
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = english.get("/sample/v1/villages.json", {"jurisdiction_id": code})
    assert page.status_code == 404
    assert "no township here offers this service" in page.json()[0]["description"]


def test_the_county_site_refuses_a_township_that_has_not_enabled_the_plugin(
    samples, township_a, township_b
):
    enable_plugin(township_a, "sample_urls")
    page = Client().get("/sample/v1/villages.json", {"jurisdiction_id": township_b.code})
    assert page.status_code == 404
    assert township_b.code in page.json()[0]["description"]


def test_the_county_site_refuses_a_suspended_township(two_townships):
    from platform_core.actors import Actor
    from platform_core.townships.services import suspend_township

    a, _ = two_townships
    suspend_township(a, by=Actor.cli())
    page = Client().get("/sample/v1/villages.json", {"jurisdiction_id": a.code})
    assert page.status_code == 404


def test_addresses_without_a_county_parameter_are_not_on_the_county_site(two_townships):
    a, _ = two_townships
    assert Client().get("/sample-page/", {"jurisdiction_id": a.code}).status_code == 404


# --- refused prefixes ---------------------------------------------------------------


def test_overlapping_and_platform_prefixes_are_the_plugins_problem(two_townships):
    a, _ = two_townships
    problems = plugin_urls.problems()["sample_urls_clash"]
    text = "\n".join(problems)
    assert "prefix sample/ overlaps sample/v1/ of plugin sample_urls" in text
    assert "prefix admin/extra/ overlaps the platform's address admin/" in text
    assert "prefix households/more/ overlaps the platform's address households/" in text
    assert "'/Bad Prefix'" in text
    assert "sample_urls" not in plugin_urls.problems()
    # The refused ones are not mounted; the platform's pages and the other plugin stay.
    enable_plugin(a, "sample_urls_clash")
    assert Client().get(f"/t/{a.code}/clash-ok/").status_code == 200
    assert Client().get(f"/t/{a.code}/households/more/").status_code in (302, 403, 404)
    assert Client().get(f"/t/{a.code}/sample/v1/villages.json").json()["villages"] == ["甲村"]
    # Reported at start-up and by ``manage.py plugins``.
    warnings = plugin_urls.check_plugin_urls()
    assert [w.id for w in warnings] == ["plugins.W001"]
    assert "sample_urls_clash" in warnings[0].msg
    from io import StringIO

    out = StringIO()
    call_command("plugins", stdout=out)
    assert "sample_urls_clash: address refused: prefix sample/ overlaps" in out.getvalue()


def test_malformed_plugin_urls_are_named():
    good = (path("", page_view),)
    assert PluginUrls("open311/v2/", good, "jurisdiction_id").problems() == []
    assert PluginUrls("cases/", good).problems() == []
    assert "must be lower-case path segments" in PluginUrls("cases", good).problems()[0]
    assert "must be lower-case path segments" in PluginUrls("", good).problems()[0]
    assert "non-empty" in PluginUrls("cases/", ()).problems()[0]
    assert "path() patterns" in PluginUrls("cases/", ("x",)).problems()[0]
    assert "lower_snake" in PluginUrls("cases/", good, "Jurisdiction Id").problems()[0]
    assert "not callable" in PluginUrls("cases/", good, "j", county_error="x").problems()[0]


def test_the_contract_kit_checks_the_addresses():
    assert contract_problems(urls_sample) == []
    problems = contract_problems(clash_sample)
    assert any("'/Bad Prefix'" in p for p in problems)
    assert any("admin/" in p for p in problems)


def test_no_plugin_no_addresses(township_a):
    # The installed plugins' own addresses never shadow the platform's pages.
    assert Client().get(f"/t/{township_a.code}/health/ready").status_code == 200
    assert json.loads(Client().get("/health/live").content) == {"status": "ok"}
