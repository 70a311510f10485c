"""The plugin system: discovery, per-township enabling, settings, dependencies, hooks, kit."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import EntryPoint
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from platform_core.actors import Actor
from platform_core.evaluation import services as evaluation
from platform_core.plugins import CORE_VERSION, manager
from platform_core.plugins.docs import hook_reference, undocumented_hooks
from platform_core.plugins.manager import hooks_for, registry
from platform_core.plugins.services import (
    PluginError,
    collect_plugin_events,
    disable_plugin,
    enable_plugin,
)
from platform_core.plugins.types import RULE_CATEGORIES
from platform_core.scoring.models import Rule, ScoreEvent
from tests import factories as f
from tests import plugin_samples
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

GROUP = "township_integrity.plugins"
SAMPLES = {
    "sample_recorder": "tests.plugin_samples:recorder",
    "sample_dependent": "tests.plugin_samples:needs_recorder",
    "sample_old": "tests.plugin_samples:incompatible",
    "sample_wrong_args": "tests.plugin_samples:wrong_arguments",
    "sample_broken": "tests.no_such_module",
    "sample_bad": "tests.plugin_samples:bad_contract",
}
MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def samples(monkeypatch):
    """The installed plugins plus the samples (and a broken one) as if pip-installed."""
    real = manager.entry_points
    fakes = [EntryPoint(name=k, value=v, group=GROUP) for k, v in SAMPLES.items()]

    def with_samples(group):
        found = list(real(group=group))
        return found + fakes if group == GROUP else found

    monkeypatch.setattr(manager, "entry_points", with_samples)
    plugin_samples.recorder.calls.clear()
    manager.reload()
    yield plugin_samples.recorder
    monkeypatch.undo()
    manager.reload()


def test_discovery_reports_and_skips_broken_plugins(samples):
    reg = registry()
    assert {"garbage_sorting", "petition", "sample_recorder", "sample_dependent"} <= set(
        reg.plugins
    )
    assert "cannot be imported: ModuleNotFoundError" in reg.failed["sample_broken"]
    assert f"needs platform <0.1, this is {CORE_VERSION}" in reg.failed["sample_old"]
    assert "does not match the hookspecs" in reg.failed["sample_wrong_args"]
    out = StringIO()
    call_command("plugins", stdout=out)
    listing = out.getvalue()
    assert "sample_recorder 1.2.3  记录器 / Recorder" in listing
    assert "hooks: township_benefit_types, township_covenant_rules" in listing
    assert "sample_broken SKIPPED: cannot be imported" in listing
    assert "330502901 甲镇: -" in listing


def test_settings_are_validated_with_the_path_of_the_bad_field(samples, township_a):
    with pytest.raises(PluginError) as caught:
        enable_plugin(township_a, "sample_recorder", {"households": ["V01-0001", 7], "bonus": 9})
    message = str(caught.value)
    assert "settings.bonus: 9 is greater than the maximum of 5" in message
    assert "settings.households[1]: 7 is not of type 'string'" in message
    with pytest.raises(PluginError, match="unknown plugin 'nope'"):
        enable_plugin(township_a, "nope")
    with pytest.raises(PluginError, match="was skipped: needs platform"):
        enable_plugin(township_a, "sample_old")


def test_dependencies_are_checked_both_ways(samples, township_a):
    with pytest.raises(PluginError, match="sample_dependent needs sample_recorder enabled first"):
        enable_plugin(township_a, "sample_dependent")
    enable_plugin(township_a, "sample_recorder")
    enable_plugin(township_a, "sample_dependent")
    with pytest.raises(PluginError, match="sample_dependent depend on it; disable them first"):
        disable_plugin(township_a, "sample_recorder")
    disable_plugin(township_a, "sample_dependent")
    disable_plugin(township_a, "sample_recorder")


def test_townships_see_only_their_plugins_rules_and_hook_calls(
    samples, township_a, township_b, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "sample_recorder", {"households": ["V01-0001"]})
    enable_plugin(township_b, "garbage_sorting")
    with in_township(township_a):
        assert Rule.objects.filter(code="SAMPLE-1", plugin="sample_recorder").exists()
        assert not Rule.objects.filter(code__startswith="GSI-").exists()
        f.village()
        with django_capture_on_commit_callbacks(execute=True):
            evaluation.finalise_month(MARCH, by=f.person())
        entry = ScoreEvent.objects.get(source="sample_recorder")
        assert (entry.household.code, entry.occurred_on, entry.recorded_by_label) == (
            "V01-0001",
            dt.date(2026, 3, 31),
            "plugin:sample_recorder",
        )
    with in_township(township_b):
        assert Rule.objects.filter(code__startswith="GSI-").count() == 4
        assert not Rule.objects.filter(code="SAMPLE-1").exists()
        f.village()
        with django_capture_on_commit_callbacks(execute=True):
            evaluation.finalise_month(MARCH, by=f.person())
    schemas = {schema for schema, _ in samples.calls}
    assert schemas == {township_a.schema_name}
    hooks = {hook for _, hook in samples.calls}
    assert {"township_score_events", "township_tier_changed", "township_tier_changes"} <= hooks
    assert "township_evaluation_finalised" in hooks


def test_a_disabled_plugin_is_never_called_and_enabling_again_restores_it(
    samples, township_a, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "sample_recorder", {"households": ["V01-0001"]})
    with in_township(township_a):
        rule = Rule.objects.get(code="SAMPLE-1")
        rule.title_en = "Edited by the township"
        rule.save()
    disable_plugin(township_a, "sample_recorder")
    samples.calls.clear()
    with in_township(township_a):
        assert not Rule.objects.get(code="SAMPLE-1").active
        f.village()
        with django_capture_on_commit_callbacks(execute=True):
            evaluation.finalise_month(MARCH, by=f.person())
        assert not ScoreEvent.objects.filter(source="sample_recorder").exists()
    assert samples.calls == []
    enable_plugin(township_a, "sample_recorder", {"households": ["V01-0002"]})
    with in_township(township_a):
        rule = Rule.objects.get(code="SAMPLE-1")
        assert rule.active and rule.title_en == "Edited by the township"


def test_hooks_are_cached_per_township_and_never_touch_the_shared_manager(
    samples, township_a, township_b, django_assert_num_queries
):
    enable_plugin(township_a, "sample_recorder")
    registered = list(registry().pm.get_plugins())
    first = hooks_for(township_a)
    with django_assert_num_queries(0):
        assert hooks_for(township_a) is first
    assert list(first.enabled) == ["sample_recorder"]
    assert hooks_for(township_b).enabled == {}
    assert [k for k, _ in first.call("township_benefit_types")] == ["sample_recorder"]
    assert hooks_for(township_b).call("township_benefit_types") == []
    assert list(registry().pm.get_plugins()) == registered  # nothing (un)registered
    enable_plugin(township_a, "sample_recorder", {"bonus": 2})  # a new activation version
    assert hooks_for(township_a) is not first
    assert hooks_for(township_a).enabled["sample_recorder"] == {"bonus": 2}


def test_benefits_eligibility_graphql_and_tasks_come_from_enabled_plugins(
    samples, township_a, township_b, in_township
):
    from platform_core.plugins import selectors

    enable_plugin(township_a, "sample_recorder")
    with in_township(township_a):
        f.village()
        household = f.household("V01-0001")
        assert [k for k, _ in selectors.benefit_types(township_a)] == ["sample_recorder"]
        answer = selectors.eligibility(township_a, household, "sample_discount", "red")
        assert not answer.eligible and answer.reason == "tier is red"
        assert selectors.eligibility(township_a, household, "other", "green") is None
        assert [k for k, _ in selectors.graphql_contributions(township_a)] == ["sample_recorder"]
    assert selectors.benefit_types(township_b) == []
    assert ("sample_recorder", "0 2 * * *") in [
        (k, t.crontab) for k, t in selectors.periodic_tasks()
    ]


def test_plugin_entries_are_idempotent_and_checked(samples, township_a, in_township):
    enable_plugin(township_a, "sample_recorder", {"households": ["V01-0001"]})
    with in_township(township_a):
        f.village()
        assert collect_plugin_events(MARCH, dt.date(2026, 3, 31), township_a) == 1
        collect_plugin_events(MARCH, dt.date(2026, 3, 31), township_a)
        assert ScoreEvent.objects.filter(source="sample_recorder").count() == 1
    enable_plugin(township_a, "sample_recorder", {"households": ["NOPE-1"]})
    with in_township(township_a), pytest.raises(PluginError, match="sample_recorder: entry NOPE-1"):
        collect_plugin_events(MARCH, dt.date(2026, 3, 31), township_a)


def test_the_county_default_set_is_enabled_at_onboarding(in_township):
    from platform_core.townships.services import onboard_township
    from tenants.models import County, PluginActivation, Township

    County.objects.create(code="330599", name="插件县", default_plugins=["garbage_sorting"])
    onboard_township(code="330599001", name="默认镇", by=Actor.cli())
    township = Township.objects.get(code="330599001")
    assert PluginActivation.objects.get(township=township).plugin == "garbage_sorting"
    with in_township(township):
        assert Rule.objects.filter(plugin="garbage_sorting", active=True).count() == 4


def test_contract_kit_passes_the_builtins_and_names_problems(samples):
    import plugins.garbage_sorting.plugin
    import plugins.petition.plugin

    assert (
        contract_problems(plugins.garbage_sorting.plugin, settings={"record_correct": False}) == []
    )
    assert contract_problems(plugins.petition.plugin) == []
    assert contract_problems(plugin_samples.recorder, settings={"households": ["V01-0001"]}) == []
    problems = contract_problems(plugin_samples.bad_contract)
    assert any("category 'gossip'" in p for p in problems)
    assert any("needs title_zh and title_en" in p for p in problems)
    assert any("points must be a whole number, not 0" in p for p in problems)
    assert any("5-field crontab" in p for p in problems)
    assert contract_problems(plugin_samples.recorder, settings={"bonus": 0})[0].startswith(
        "settings {'bonus': 0} do not match the schema"
    )
    assert "does not match the hookspecs" in contract_problems(plugin_samples.wrong_arguments)[0]


def test_rule_categories_match_the_covenant():
    assert tuple(Rule.Category.values) == RULE_CATEGORIES


def test_hook_reference_is_current_and_every_hook_documented():
    from django.conf import settings

    written = (settings.BASE_DIR / "docs" / "plugins" / "hooks.md").read_text(encoding="utf-8")
    assert written == hook_reference(), "run: python manage.py plugin_docs"
    assert undocumented_hooks() == []


def test_every_hook_is_exercised_by_the_suite(
    samples, township_a, in_township, django_capture_on_commit_callbacks
):
    """Every hook reaches a plugin through the platform's own entry point (never
    ``pm.hook`` directly), in this one test: a hook the platform stops calling, or a
    new hook without a trigger below, fails here in any run, not only a full one."""
    from platform_core.dashboard import three_none
    from platform_core.demo import populate_plugins
    from platform_core.demo_spec import DemoTownship
    from platform_core.opendata.registry import datasets as open_datasets
    from platform_core.plugins import selectors
    from platform_core.plugins import urls as plugin_urls
    from platform_core.townships.statistics import plugin_figures, statistics_columns
    from platform_core.workbench.screens import enabled_screens

    demo_spec = DemoTownship(township_a.code, township_a.name, "a", 1, 1, ("a@a.demo", "pw"))

    household = {}

    def in_a(call):
        def run():
            with in_township(township_a):
                return call()

        return run

    def enable():
        enable_plugin(township_a, "sample_recorder", {"households": ["V01-0001"]})
        enable_plugin(township_a, "petition")
        with in_township(township_a):
            f.village()
            household["V01-0001"] = f.household("V01-0001")

    def finalise():
        with in_township(township_a), django_capture_on_commit_callbacks(execute=True):
            evaluation.finalise_month(MARCH, by=f.person())

    triggers = [
        (["township_plugin_metadata"], manager.reload),
        (["township_covenant_rules"], enable),
        (
            [
                "township_score_events",
                "township_tier_changed",
                "township_tier_changes",
                "township_evaluation_finalised",
            ],
            finalise,
        ),
        (["township_benefit_types"], in_a(lambda: selectors.benefit_types(township_a))),
        (
            ["township_eligibility"],
            in_a(
                lambda: selectors.eligibility(
                    township_a, household["V01-0001"], "sample_discount", "green"
                )
            ),
        ),
        (["township_graphql_fields"], in_a(lambda: selectors.graphql_contributions(township_a))),
        (["township_periodic_tasks"], selectors.periodic_tasks),
        (["township_feed_sources"], in_a(selectors.feed_sources)),
        (["township_statistics"], in_a(lambda: plugin_figures(township_a, MARCH))),
        (["township_statistics_columns"], statistics_columns),
        (
            ["township_demo_data"],
            in_a(lambda: populate_plugins(demo_spec, f.person(role="township_admin"), print)),
        ),
        (["township_dashboard_panels"], in_a(lambda: selectors.dashboard_panels(township_a))),
        (["township_workbench_screens"], in_a(lambda: enabled_screens(township_a))),
        (["township_urls"], plugin_urls.all_urls),
        (["township_open_datasets"], in_a(lambda: open_datasets(township_a))),
        (
            ["township_village_case_counts"],
            in_a(lambda: three_none.month_status(township_a, MARCH)),
        ),
    ]
    triggered = [hook for hooks, _ in triggers for hook in hooks]
    assert sorted(triggered) == sorted(manager.HOOK_NAMES), "give each new hook a trigger here"
    saved = set(manager.CALLED_HOOKS)
    try:
        for hooks, trigger in triggers:
            manager.CALLED_HOOKS.clear()
            trigger()
            missing = sorted(set(hooks) - manager.CALLED_HOOKS)
            assert missing == [], f"{trigger.__name__} did not call {missing}"
    finally:
        manager.CALLED_HOOKS.update(saved)
    noted = {hook for schema, hook in samples.calls if schema == township_a.schema_name}
    # The recorder's implementations were reached, not only the platform's call sites
    # (it does not note its metadata, periodic tasks or addresses, asked once per process
    # outside any township; built-in plugins answer the rest).
    implemented = {name for name in manager.HOOK_NAMES if hasattr(type(samples), name)}
    once = {"township_plugin_metadata", "township_periodic_tasks", "township_urls"}
    assert noted == implemented - once


def test_cross_township_plugin_state(samples, township_a, township_b, in_township):
    enable_plugin(township_a, "garbage_sorting")
    with in_township(township_b):
        assert not Rule.objects.filter(plugin="garbage_sorting").exists()
    assert connection.schema_name == "public"


def test_enabling_again_keeps_settings_and_rules_the_township_switched_off(
    samples, township_a, in_township
):
    from tenants.models import PluginActivation

    enable_plugin(township_a, "sample_recorder", {"bonus": 2})
    with in_township(township_a):
        Rule.objects.filter(code="SAMPLE-REVIEW").update(active=False)  # the township's choice
    disable_plugin(township_a, "sample_recorder")
    enable_plugin(township_a, "sample_recorder")
    assert PluginActivation.objects.get(township=township_a).settings == {"bonus": 2}
    with in_township(township_a):
        assert Rule.objects.get(code="SAMPLE-1").active
        assert not Rule.objects.get(code="SAMPLE-REVIEW").active


def test_a_failed_change_leaves_no_stale_hooks(samples, township_a):
    version = township_a.plugins_version
    with pytest.raises(PluginError):
        enable_plugin(township_a, "sample_dependent")
    assert township_a.plugins_version == version
    assert hooks_for(township_a).enabled == {}
    with pytest.raises(PluginError, match="sample_bad supplies bad rules: .*category 'gossip'"):
        enable_plugin(township_a, "sample_bad")
    assert hooks_for(township_a).enabled == {}


def test_plugin_entries_awaiting_review_survive_a_refused_finalisation(
    samples, township_a, in_township
):
    enable_plugin(township_a, "sample_recorder", {"households": ["V01-0001"], "review": True})
    with in_township(township_a):
        f.village()
        with pytest.raises(evaluation.EvaluationError, match="await review"):
            evaluation.finalise_month(MARCH, by=f.person())
        entry = ScoreEvent.objects.get(source="sample_recorder")
        assert entry.status == "proposed"


def test_county_default_set_must_name_installed_plugins():
    from django.core.exceptions import ValidationError

    from platform_core.townships.admin import CountyForm
    from platform_core.townships.services import check_default_plugins

    with pytest.raises(ValidationError, match="Unknown plugins: nope"):
        check_default_plugins(["garbage_sorting", "nope"])
    data = {"code": "330598", "name": "县", "default_plugins": '["garbage_sorting", "nope"]'}
    form = CountyForm(data=data)
    assert not form.is_valid()
    assert form.errors["default_plugins"] == ["Unknown plugins: nope"]
    assert CountyForm(data={**data, "default_plugins": '["garbage_sorting"]'}).is_valid()
