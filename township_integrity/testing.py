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
no database return the declared types.
"""

from __future__ import annotations

import datetime as dt

import pluggy
import pytest


def contract_problems(plugin, *, settings: dict | None = None, key: str | None = None) -> list[str]:
    """Everything wrong with ``plugin`` (a module or object with hookimpls); [] when it passes."""
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
