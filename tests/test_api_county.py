"""The county endpoint: county administrators only; townships, plugins, statistics, onboarding."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from platform_core.accounts.services import grant_role, issue_token
from platform_core.actors import Actor
from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Village
from platform_core.plugins.manager import registry
from platform_core.plugins.services import enable_plugin
from platform_core.townships.services import onboard_township
from platform_core.townships.statistics import (
    plugin_figures,
    refresh_statistics,
    statistics_columns,
)
from plugins.petition.services import receive_case
from tenants.models import PluginActivation, Township, TownshipStatistics
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for

pytestmark = pytest.mark.django_db

URL = "/graphql/"
D = dt.date
MARCH = D(2026, 3, 1)

TOWNSHIPS = """{ townships { code name slug countyCode countyName status domains createdAt
  plugins { key settings } } }"""
STATISTICS = """{ statistics { townshipCode townshipName month households green blue red
  columns { plugin name label value } figures refreshedAt } }"""
ENABLE = """mutation($t: String!, $key: String!, $settings: JSONString) {
  enablePlugin(townshipCode: $t, key: $key, settings: $settings) {
    township { code plugins { key settings } }
    errors { field code message }
  }
}"""
ONBOARD = """mutation($code: String!, $name: String!, $slug: String, $email: String) {
  onboardTownship(code: $code, name: $name, slug: $slug, adminEmail: $email) {
    township { code name slug countyCode status domains statistics { households month } }
    adminEmail adminPassword
    errors { field code message }
  }
}"""

# Every county field but health, as a query or mutation of its own.
COUNTY_OPERATIONS = [
    TOWNSHIPS,
    '{ township(code: "330502901") { code } }',
    "{ plugins { available { key } skipped { key } } }",
    STATISTICS,
    'mutation { onboardTownship(code: "330502130", name: "禁镇") { errors { field } } }',
    'mutation { enablePlugin(townshipCode: "330502901", key: "petition") { errors { field } } }',
    'mutation { configurePlugin(townshipCode: "330502901", key: "petition", settings: "{}") '
    "{ errors { field } } }",
    'mutation { disablePlugin(townshipCode: "330502901", key: "petition") { errors { field } } }',
    'mutation { suspendTownship(code: "330502901") { errors { field } } }',
    'mutation { reactivateTownship(code: "330502901") { errors { field } } }',
    "mutation { refreshStatistics { errors { field } } }",
]


def county_admin(email: str = "county@test.cn"):
    """A county administrator (password "pw"), on the public schema."""
    with schema_context("public"):
        user = get_user_model().objects.create_user(username=email, email=email, password="pw")
        grant_role(user, None, "county_admin")
    return user


@pytest.fixture
def county(client, township_a, township_b) -> Client:
    """A client signed in as a county administrator."""
    county_admin()
    assert client.login(username="county@test.cn", password="pw")
    return client


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def by_code(rows: list[dict], code: str, key: str = "code") -> dict:
    return next(row for row in rows if row[key] == code)


# --- who may ask ---------------------------------------------------------------------


@pytest.mark.parametrize("operation", COUNTY_OPERATIONS)
def test_anonymous_requests_are_refused_every_county_field(client, township_a, operation):
    body = gql(client, URL, operation)
    assert codes(body) == ["UNAUTHENTICATED"] and not body.get("data")


@pytest.mark.parametrize("operation", COUNTY_OPERATIONS)
def test_a_township_administrator_is_forbidden_every_county_field(client, township_a, operation):
    assert client.login(username="admin@jia.test", password="pw-jia")
    body = gql(client, URL, operation)
    assert codes(body) == ["FORBIDDEN"] and not body.get("data")
    assert Township.objects.get(code="330502901").status == "active"


def test_health_needs_no_sign_in(client, township_a):
    assert gql(client, URL, "{ health { status schemaName } }")["data"] == {
        "health": {"status": "ok", "schemaName": None}  # the schema is no stranger's business
    }


def test_a_township_token_is_refused_at_the_county_endpoint(township_a):
    token = token_for(township_a, "boss@jia.test", "township_admin")
    body = gql(Client(), URL, TOWNSHIPS, token=token)
    assert body["_status"] == 401 and codes(body) == ["UNAUTHENTICATED"]


def test_a_county_token_works_and_not_at_a_township(township_a, township_b):
    user = county_admin()
    with schema_context("public"):
        _, token = issue_token(user, None, "county_admin", label="dashboard", by=Actor.cli())
    body = gql(Client(), URL, "{ townships { code } }", token=token)
    assert body["_status"] == 200 and "errors" not in body
    assert {"330502901", "330502902"} <= {t["code"] for t in body["data"]["townships"]}
    elsewhere = gql(Client(), endpoint(township_a), "{ township { code } }", token=token)
    assert elsewhere["_status"] == 401


# --- reads ---------------------------------------------------------------------------


def test_townships_list_code_county_domains_and_enabled_plugins(county, township_a):
    enable_plugin(township_a, "petition", {"warning_months": 3})
    body = gql(county, URL, TOWNSHIPS)
    assert "errors" not in body
    jia = by_code(body["data"]["townships"], "330502901")
    assert jia["name"] == "甲镇" and jia["slug"] == "jia" and jia["status"] == "ACTIVE"
    assert jia["countyCode"] == "330502" and jia["domains"] == ["jia.localhost"]
    assert jia["plugins"] == [{"key": "petition", "settings": {"warning_months": 3}}]
    assert jia["createdAt"]
    yi = by_code(body["data"]["townships"], "330502902")
    assert yi["plugins"] == []

    one = gql(county, URL, '{ township(code: "330502902") { name } }')
    assert one["data"] == {"township": {"name": "乙镇"}}
    missing = gql(county, URL, '{ township(code: "330502999") { name } }')
    assert codes(missing) == ["NOT_FOUND"]


def test_townships_and_statistics_cost_the_same_queries_for_more_townships(county, township_a):
    both = """{ townships { code domains plugins { key } statistics { households } }
      statistics { townshipCode households figures } }"""
    enable_plugin(township_a, "petition")
    gql(county, URL, both)  # warm: host lookup cached
    with CaptureQueriesContext(connection) as two:
        assert "errors" not in gql(county, URL, both)
    for n in range(3):
        onboard_township(code=f"33050214{n}", name=f"新镇{n}", plugins=["petition"], by=Actor.cli())
    with CaptureQueriesContext(connection) as five:
        body = gql(county, URL, both)
    assert len(body["data"]["townships"]) == len(body["data"]["statistics"]) >= 5
    assert len(five) == len(two)


def test_plugins_lists_available_and_skipped_ones(county, monkeypatch):
    monkeypatch.setitem(registry().failed, "broken_sample", "cannot be imported: ImportError")
    body = gql(
        county,
        URL,
        """{ plugins { available { key nameZh nameEn version coreVersions dependsOn
             settingsSchema hooks } skipped { key reason } } }""",
    )
    assert "errors" not in body
    plugins = body["data"]["plugins"]
    petition = by_code(plugins["available"], "petition", "key")
    assert petition["nameZh"] == "信访与热线" and petition["coreVersions"]
    assert "township_statistics" in petition["hooks"]
    assert petition["settingsSchema"]["properties"]["warning_months"]["minimum"] == 1
    assert {"key": "broken_sample", "reason": "cannot be imported: ImportError"} in plugins[
        "skipped"
    ]


# --- statistics ----------------------------------------------------------------------


@pytest.fixture
def finalised_march(township_a, in_township, django_capture_on_commit_callbacks):
    """甲镇 with petition, V01 (one green, one blue, one red), a hotline case; March final."""
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))  # red
        f.approved("V01-0002", "VO-03", D(2026, 3, 2))  # green
        receive_case(
            kind="hotline",
            reference="H-1",
            village=Village.objects.get(code="V01"),
            household=f.household("V01-0001"),
            petitioner_name="俞国明",
            summary="反映道路积水",
            received_at=at(D(2026, 3, 10)),
            by=f.person(),
        )
        with django_capture_on_commit_callbacks(execute=True):
            finalise_month(MARCH, by=f.person())
    return township_a


# The petition plugin's year-on-year figures when no case was received this year or last.
NO_YEAR = {
    f"{kind}_year{suffix}": 0
    for kind in ("hotline", "online", "petitions")
    for suffix in ("", "_last_year")
}


def test_statistics_follow_a_finalised_month_with_hotline_cases(county, finalised_march):
    body = gql(county, URL, STATISTICS)
    assert "errors" not in body
    rows = body["data"]["statistics"]
    jia = by_code(rows, "330502901", "townshipCode")
    assert jia["month"] == "2026-03" and jia["households"] == 3
    assert (jia["green"], jia["blue"], jia["red"]) == (1, 1, 1)
    assert jia["columns"] == [
        {"plugin": "petition", "name": "hotline_cases", "label": "Hotline cases", "value": 1},
        {"plugin": "petition", "name": "hotline_open", "label": "Open cases", "value": 1},
        # This year's cases to the end of March, beside the same days last year.
        {"plugin": "petition", "name": "hotline_year", "label": "12345 hotline cases", "value": 1},
        {"plugin": "petition", "name": "online_year", "label": "Online complaints", "value": 0},
        {"plugin": "petition", "name": "petitions_year", "label": "Petitions", "value": 0},
    ]
    assert jia["figures"] == {
        "petition": {"hotline_cases": 1, "hotline_open": 1, **NO_YEAR, "hotline_year": 1}
    }
    assert jia["refreshedAt"]
    yi = by_code(rows, "330502902", "townshipCode")
    assert yi["month"] is None and yi["households"] == 0 and yi["figures"] == {}
    assert [c["value"] for c in yi["columns"]] == [None] * 5  # petition not enabled there


def test_statistics_hold_no_personal_data(county, finalised_march):
    text = json.dumps(gql(county, URL, STATISTICS), ensure_ascii=False)
    for personal in ("俞国明", "沈红", "张小英", "V01-0001", "道路积水"):
        assert personal not in text
    fields = {f.name for f in TownshipStatistics._meta.get_fields()}
    assert not fields & {"head_name", "address", "phone", "petitioner_name"}


def test_refresh_statistics_mutation_recounts_the_named_townships(
    county, township_a, township_b, in_township
):
    with in_township(township_a):
        f.village(size=2)
    with in_township(township_b):
        f.village(size=4)
    body = gql(
        county,
        URL,
        """mutation { refreshStatistics(codes: ["330502901"]) {
             statistics { townshipCode households month columns { name value } }
             errors { field } } }""",
    )
    assert body["data"]["refreshStatistics"] == {
        "statistics": [
            {
                "townshipCode": "330502901",
                "households": 2,
                "month": None,
                "columns": [
                    {"name": "hotline_cases", "value": None},
                    {"name": "hotline_open", "value": None},
                    {"name": "hotline_year", "value": None},
                    {"name": "online_year", "value": None},
                    {"name": "petitions_year", "value": None},
                ],
            }
        ],
        "errors": [],
    }
    assert TownshipStatistics.objects.get(township=township_b).households == 0  # not asked

    everything = gql(county, URL, "mutation { refreshStatistics { statistics { households } } }")
    assert sorted(s["households"] for s in everything["data"]["refreshStatistics"]["statistics"])[
        -2:
    ] == [2, 4]
    unknown = gql(
        county,
        URL,
        'mutation { refreshStatistics(codes: ["330502999"]) { errors { field code } } }',
    )
    assert unknown["data"]["refreshStatistics"]["errors"] == [
        {"field": "codes", "code": "NOT_FOUND"}
    ]


def test_without_a_finalised_month_plugins_count_this_month(township_a, in_township):
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
        receive_case(
            kind="petition",
            reference="P-1",
            village=Village.objects.get(code="V01"),
            summary="反映噪音",
            received_at=timezone.now() - dt.timedelta(minutes=5),
            by=f.person(),
        )
    row = refresh_statistics(township_a)
    assert row.month is None
    assert row.extra == {
        "petition": {"hotline_cases": 1, "hotline_open": 1, **NO_YEAR, "petitions_year": 1}
    }


def test_statistics_columns_come_from_the_plugins_and_malformed_ones_are_left_out(
    monkeypatch, caplog
):
    from platform_core.plugins import manager
    from township_integrity import StatisticsColumn

    registry = manager.registry()
    declared = {
        "petition": [
            StatisticsColumn("hotline_cases", "信访与热线案件", "Hotline cases"),
            StatisticsColumn("hotline_cases", "重复", "Twice"),
            StatisticsColumn("Bad Key", "坏", "Bad"),
            "not a column",
        ]
    }
    monkeypatch.setattr(
        registry, "implements", lambda key, hook: key in declared and hook.endswith("columns")
    )
    monkeypatch.setattr(registry, "call", lambda hook, key: [declared[key]])
    assert [(key, c.key) for key, c in statistics_columns()] == [("petition", "hotline_cases")]
    assert "declared twice" in caplog.text and "'Bad Key'" in caplog.text
    assert "not a StatisticsColumn" in caplog.text


def test_the_contract_kit_checks_statistics_columns():
    from township_integrity import PluginMetadata, StatisticsColumn, hookimpl
    from township_integrity.testing import contract_problems

    class Columns:
        @hookimpl
        def township_plugin_metadata(self):
            return PluginMetadata("columns", "列", "Columns", "1.0.0")

        @hookimpl
        def township_statistics_columns(self):
            return [
                StatisticsColumn("Bad Key", "坏", ""),
                "cases",
                StatisticsColumn("ok", "好", "OK"),
            ]

    assert contract_problems(Columns()) == [
        "township_statistics_columns: column key 'Bad Key' is not lower-case letters, digits and _",
        "township_statistics_columns: column Bad Key: needs label_zh and label_en",
        "township_statistics_columns returned 'cases', not a column",
    ]


def test_statistics_columns_are_labelled_in_the_request_language(county, finalised_march):
    body = gql(county, URL, "{ statistics { columns { label } } }", language="zh-hans")
    labels = [c["label"] for c in body["data"]["statistics"][0]["columns"]]
    assert labels == ["信访与热线案件", "未办结案件", "12345热线", "网信件", "信访件"]


def test_plugin_figures_keep_only_counts(township_a, monkeypatch):
    class Hooks:
        def call(self, hook, **kwargs):
            assert hook == "township_statistics" and kwargs == {"period": MARCH}
            return [("good", {"hotline_cases": 2, "bad": -1, "text": "x"}), ("odd", [1])]

    monkeypatch.setattr("platform_core.plugins.manager.hooks_for", lambda township: Hooks())
    assert plugin_figures(township_a, MARCH) == {"good": {"hotline_cases": 2}}


# --- plugins per township --------------------------------------------------------------


def test_enabling_a_plugin_shows_in_townships_and_leaves_the_other_alone(
    county, township_a, township_b
):
    body = gql(county, URL, ENABLE, {"t": "330502901", "key": "petition", "settings": "{}"})
    payload = body["data"]["enablePlugin"]
    assert payload["errors"] == []
    assert payload["township"]["plugins"] == [{"key": "petition", "settings": {}}]
    listed = gql(county, URL, TOWNSHIPS)["data"]["townships"]
    assert [p["key"] for p in by_code(listed, "330502901")["plugins"]] == ["petition"]
    assert by_code(listed, "330502902")["plugins"] == []
    assert not PluginActivation.objects.filter(township=township_b).exists()


def test_bad_settings_name_the_settings_path(county, township_a):
    settings = json.dumps({"warning_months": 0})
    body = gql(county, URL, ENABLE, {"t": "330502901", "key": "petition", "settings": settings})
    payload = body["data"]["enablePlugin"]
    assert payload["township"] is None
    [error] = payload["errors"]
    assert error["field"] == "settings" and "settings.warning_months" in error["message"]
    assert not PluginActivation.objects.filter(township=township_a).exists()

    not_object = gql(county, URL, ENABLE, {"t": "330502901", "key": "petition", "settings": "[]"})
    assert not_object["data"]["enablePlugin"]["errors"][0]["field"] == "settings"


def test_unknown_plugin_and_township_name_their_field(county, township_a):
    body = gql(county, URL, ENABLE, {"t": "330502901", "key": "no_such_plugin"})
    [error] = body["data"]["enablePlugin"]["errors"]
    assert error["field"] == "key" and "no_such_plugin" in error["message"]
    nowhere = gql(county, URL, ENABLE, {"t": "330502999", "key": "petition"})
    assert nowhere["data"]["enablePlugin"]["errors"][0] == {
        "field": "townshipCode",
        "code": "NOT_FOUND",
        "message": "No township 330502999.",
    }


def test_configure_needs_an_enabled_plugin_and_disable_keeps_the_other(county, township_a):
    configure = """mutation($settings: JSONString!) {
      configurePlugin(townshipCode: "330502901", key: "petition", settings: $settings) {
        township { plugins { key settings } } errors { field message } } }"""
    refused = gql(county, URL, configure, {"settings": "{}"})["data"]["configurePlugin"]
    assert refused["errors"][0]["field"] == "key"

    gql(county, URL, ENABLE, {"t": "330502901", "key": "petition"})
    changed = gql(county, URL, configure, {"settings": '{"warning_minimum": 5}'})
    assert changed["data"]["configurePlugin"] == {
        "township": {"plugins": [{"key": "petition", "settings": {"warning_minimum": 5}}]},
        "errors": [],
    }

    disable = """mutation($key: String!) { disablePlugin(townshipCode: "330502901", key: $key) {
      township { plugins { key } } errors { field message } } }"""
    done = gql(county, URL, disable, {"key": "petition"})["data"]["disablePlugin"]
    assert done == {"township": {"plugins": []}, "errors": []}
    again = gql(county, URL, disable, {"key": "petition"})["data"]["disablePlugin"]
    assert again["errors"][0]["field"] == "key" and "not enabled" in again["errors"][0]["message"]


# --- onboarding and status ---------------------------------------------------------------


def test_onboarding_through_the_api_creates_a_township_with_statistics(county):
    body = gql(
        county,
        URL,
        ONBOARD,
        {"code": "330502120", "name": "洪桥镇", "slug": "hongqiao", "email": "a@hongqiao.cn"},
    )
    payload = body["data"]["onboardTownship"]
    assert payload["errors"] == []
    assert payload["township"] == {
        "code": "330502120",
        "name": "洪桥镇",
        "slug": "hongqiao",
        "countyCode": "330502",
        "status": "ACTIVE",
        "domains": ["hongqiao.localhost"],
        "statistics": {"households": 0, "month": None},
    }
    assert payload["adminEmail"] == "a@hongqiao.cn" and payload["adminPassword"]
    assert Township.objects.get(code="330502120").schema_name == "t_330502120"


@pytest.mark.parametrize(
    ("variables", "field", "words"),
    [
        ({"code": "12345", "name": "坏镇"}, "code", "9-digit"),
        ({"code": "330502901", "name": "甲镇"}, "code", "already exists"),
        ({"code": "330502121", "name": "重镇", "slug": "jia"}, "slug", "is taken"),
        ({"code": "330502122", "name": "邮镇", "email": "not-an-email"}, "adminEmail", "e-mail"),
        ({"code": "330502123", "name": " "}, "name", "name is empty"),
    ],
)
def test_onboarding_refusals_name_their_field(county, variables, field, words):
    before = Township.objects.count()
    [error] = gql(county, URL, ONBOARD, variables)["data"]["onboardTownship"]["errors"]
    assert error["field"] == field and words in error["message"]
    assert Township.objects.count() == before


def test_suspend_and_reactivate(county, township_a, client):
    suspend = (
        'mutation { suspendTownship(code: "330502901") { township { status } errors { code } } }'
    )
    assert gql(county, URL, suspend)["data"]["suspendTownship"] == {
        "township": {"status": "SUSPENDED"},
        "errors": [],
    }
    assert Township.objects.get(code="330502901").status == "suspended"
    reactivate = 'mutation { reactivateTownship(code: "330502901") { township { status } } }'
    assert gql(county, URL, reactivate)["data"]["reactivateTownship"] == {
        "township": {"status": "ACTIVE"}
    }
    assert Township.objects.get(code="330502901").status == "active"


def test_bad_plugin_settings_name_the_settings_field_in_chinese_too(client, township_a):
    from django.contrib.auth import get_user_model

    from platform_core.accounts.services import grant_role

    user = get_user_model().objects.create_user(username="c-zh@x.test", password="pw")
    grant_role(user, None, "county_admin")
    assert client.login(username="c-zh@x.test", password="pw")
    body = gql(
        client,
        "/graphql/",
        """mutation { enablePlugin(townshipCode: "330502901", key: "petition",
          settings: "{\\"warning_months\\": \\"many\\"}") { errors { field code message } } }""",
        language="zh-hans",
    )
    (error,) = body["data"]["enablePlugin"]["errors"]
    assert error["field"] == "settings" and "settings.warning_months" in error["message"]
