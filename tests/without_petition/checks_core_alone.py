"""The platform without the petition plugin (run by tests/test_without_petition.py only).

This module runs in a process where ``plugins.petition`` cannot be imported and its
entry points do not exist (``sitecustomize`` here): onboarding, a finalised month,
the statistics, both GraphQL endpoints, the beat dispatcher and the demo's plugin
data must all work. Any import of the petition plugin by the core fails here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from tests import factories as f

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def test_the_petition_plugin_is_not_installed():
    from platform_core.plugins.manager import registry

    assert "petition" not in registry().plugins and "garbage_sorting" in registry().plugins
    assert "plugins.petition" not in settings.INSTALLED_APPS
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("plugins.petition")


def test_a_township_onboards_enables_plugins_and_finalises_a_month(
    township_a, in_township, django_capture_on_commit_callbacks
):
    from platform_core.evaluation.services import finalise_month
    from platform_core.plugins.services import enable_plugin
    from tenants.models import TownshipStatistics

    enable_plugin(township_a, "garbage_sorting")
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "P7-04", dt.date(2026, 3, 2))
        with django_capture_on_commit_callbacks(execute=True):
            finalise_month(MARCH, by=f.person(role="township_admin"))
    row = TownshipStatistics.objects.get(township=township_a)  # refreshed on finalising
    assert row.month == MARCH and row.households == 3 and "petition" not in row.extra


def test_county_statistics_and_both_graphql_schemas(client, township_a, township_b):
    from graphql_api.assembly import snapshots
    from platform_core.townships.statistics import refresh_statistics, statistics_columns

    assert [key for key, _ in statistics_columns()] == []  # petition declared the only ones
    refresh_statistics(township_a)
    printed = snapshots()
    # The petition plugin's fields and types are all named petition... / Petition...;
    # other plugins may still speak of petitions (mediation refers cases to the office).
    assert re.findall(r"\b[pP]etition[A-Z]\w*", printed["township.all-plugins.graphql"]) == []
    with schema_context("public"):
        user = get_user_model().objects.create_user(username="c@test.cn", password="pw")
        from platform_core.accounts.services import grant_role

        grant_role(user, None, "county_admin")
    assert client.login(username="c@test.cn", password="pw")
    reply = client.post(
        "/graphql/",
        {"query": "{ statistics { townshipCode households columns { name value } } }"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    assert "errors" not in reply, reply
    assert {r["townshipCode"]: r["columns"] for r in reply["data"]["statistics"]}[
        township_a.code
    ] == []


def test_the_beat_dispatcher_and_plugin_schedules(township_a, monkeypatch):
    from platform_core import tasks
    from platform_core.plugins.selectors import periodic_tasks

    sent = []
    for task in (tasks.evaluate_township_month, tasks.publish_township_boards):
        monkeypatch.setattr(task, "apply_async", lambda *a, _n=task.name, **k: sent.append(_n))
    result = tasks.dispatch_due_work()
    assert result["failed"] == {}
    assert all(key != "petition" for key, _ in periodic_tasks())


def test_the_demo_seeds_without_it(monkeypatch, in_township):
    from platform_core import demo
    from platform_core.demo_spec import DemoTownship
    from plugins.garbage_sorting.models import Inspection
    from tenants.models import Township

    small = [DemoTownship("330502180", "演示镇", "yanshi", 1, 20, ("a@yanshi.demo", "pw-x"))]
    monkeypatch.setattr(demo, "DEMO_TOWNSHIPS", small)
    demo.seed(progress=lambda line: None)
    with in_township(Township.objects.get(code="330502180")):
        assert Inspection.objects.exists()


def test_the_demo_seeds_the_other_plugins(in_township, township_a):
    from platform_core.demo import populate_plugins
    from platform_core.demo_spec import DemoTownship
    from platform_core.plugins.services import enable_plugin

    enable_plugin(township_a, "garbage_sorting")
    lines = []
    with in_township(township_a):
        f.village()
        spec = DemoTownship(township_a.code, township_a.name, "a", 1, 3, ("a@a.demo", "pw"))
        populate_plugins(spec, f.person(role="township_admin"), lines.append)
    assert lines == [f"  {township_a.name}: 3 garbage inspections this month (garbage_sorting)"]
    assert connection.schema_name == "public"
