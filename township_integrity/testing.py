"""The contract test kit: checks a plugin against the hookspecs.

Use it from a plugin's own tests (no database needed)::

    from township_integrity.testing import contract_problems
    import my_plugin.plugin

    def test_contract():
        assert contract_problems(my_plugin.plugin, settings={"threshold": 3}) == []

It is also a pytest plugin (registered as ``township_integrity``) providing the
fixture ``plugin_contract`` (the same function). It checks that the plugin's hook
implementations match the hookspecs (names and arguments), its metadata is valid
and compatible with this platform, its settings schema is a valid JSON Schema and
the given settings satisfy it, its rules are well-formed, and the hooks that need
no database return the declared types. Given a ``township`` (a test database with
the plugin enabled there), it also calls the hooks that read the township's data —
``township_dashboard_panels``, for the whole township and for its first village —
inside that township's schema and checks they return well-formed panels::

    assert contract_problems(my_plugin.plugin, settings={}, township=township) == []
"""

from __future__ import annotations

import datetime as dt

import pluggy
import pytest


def contract_problems(
    plugin, *, settings: dict | None = None, key: str | None = None, township=None
) -> list[str]:
    """Everything wrong with ``plugin`` (a module or object with hookimpls); [] when it passes.

    ``township``: also check the hooks that read a township's data, inside its schema.
    """
    from jsonschema import Draft202012Validator

    from platform_core.plugins import hookspecs
    from platform_core.plugins.manager import metadata_problem
    from township_integrity import CORE_VERSION

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.register(plugin, name="checked")
        pm.check_pending()  # a hookimpl whose name is no hookspec
    except pluggy.PluginValidationError as exc:
        return [f"does not match the hookspecs: {exc}"]
    metadata = pm.hook.township_plugin_metadata()
    if metadata is None:
        return ["implements no township_plugin_metadata hook"]
    problem = metadata_problem(metadata, key or getattr(metadata, "key", ""), CORE_VERSION)
    if problem:
        return [problem]
    problems: list[str] = []
    settings = {} if settings is None else settings
    for error in Draft202012Validator(metadata.settings_schema).iter_errors(settings):
        problems.append(f"settings {settings!r} do not match the schema: {error.message}")
    problems += _check_results(pm, settings)
    if township is not None:
        problems += _check_township_results(pm, settings, township)
    return problems


def _check_results(pm, settings: dict) -> list[str]:
    from platform_core.plugins.types import BenefitType, GraphQLContribution, PeriodicTask
    from platform_core.plugins.validation import rule_problems

    problems: list[str] = []

    def answers(hook: str, **kwargs):
        impls = getattr(pm.hook, hook).get_hookimpls()
        if not impls:
            return None
        return getattr(pm.hook, hook)(**kwargs)

    problems += rule_problems(_flatten(answers("township_covenant_rules", settings=settings)))
    for benefit in _flatten(answers("township_benefit_types", settings=settings)):
        if not isinstance(benefit, BenefitType) or not benefit.code:
            problems.append(f"township_benefit_types returned {benefit!r}, not a BenefitType")
    for task in _flatten(answers("township_periodic_tasks")):
        if not isinstance(task, PeriodicTask) or len(task.crontab.split()) != 5:
            problems.append(f"township_periodic_tasks returned {task!r}: needs a 5-field crontab")
    for contribution in answers("township_graphql_fields", settings=settings) or []:
        if contribution is not None and not isinstance(contribution, GraphQLContribution):
            problems.append(
                f"township_graphql_fields returned {type(contribution).__name__}, "
                "not GraphQLContribution"
            )
    return problems


def _check_township_results(pm, settings: dict, township) -> list[str]:
    from django_tenants.utils import tenant_context

    from platform_core.households.models import Village
    from platform_core.plugins.types import DashboardPanel

    hook = pm.hook.township_dashboard_panels
    if not hook.get_hookimpls():
        return []
    problems: list[str] = []
    with tenant_context(township):
        first = Village.objects.order_by("code").values_list("code", flat=True)[:1]
        for village_codes in (None, list(first)):
            try:
                results = hook(village_codes=village_codes, settings=settings)
            except Exception as exc:
                problems.append(f"township_dashboard_panels failed: {type(exc).__name__}: {exc}")
                continue
            for answer in results:
                if not isinstance(answer, list | tuple):
                    problems.append(
                        f"township_dashboard_panels returned {type(answer).__name__}, not a list"
                    )
                    continue
                for panel in answer:
                    if not isinstance(panel, DashboardPanel):
                        problems.append(
                            f"township_dashboard_panels returned {type(panel).__name__}, "
                            "not DashboardPanel"
                        )
                    else:
                        problems += [f"township_dashboard_panels: {p}" for p in panel.problems()]
    return sorted(set(problems), key=problems.index)


def _flatten(results) -> list:
    """A non-firstresult hook answers a list of per-plugin answers (here: one plugin)."""
    flat: list = []
    for answer in results or []:
        flat.extend(answer if isinstance(answer, list | tuple) else [answer])
    return flat


def last_month() -> tuple[dt.date, dt.date]:
    """(first day, last day) of the previous month: a convenient period for hook tests."""
    end = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


@pytest.fixture
def plugin_contract():
    """``plugin_contract(plugin, settings=...)`` -> list of problems ([] passes)."""
    return contract_problems
