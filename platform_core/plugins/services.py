"""Enabling, configuring and disabling plugins per township, and running their data hooks.

A plugin's settings are validated against the JSON Schema from its metadata (a
refusal names the offending field's path); dependencies are checked both ways;
enabling adds the plugin's rules to the township's covenant. Disabling keeps all
of the plugin's data (its rules are only deactivated) so enabling again restores it.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from contextlib import contextmanager

from django.db import transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context
from jsonschema import Draft202012Validator

from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.plugins.manager import hooks_for, registry
from platform_core.plugins.types import RuleSpec, ScoreEventSpec
from platform_core.plugins.validation import rule_problems


class PluginError(PlatformError):
    """A plugin's refusal: not enabled in this township, bad settings, or its own rule."""


class InvalidSettings(PluginError):
    """Settings that do not fit the plugin's schema (the API names the ``settings`` input).

    ``problems`` maps each offending top-level setting (``""``: the object as a whole)
    to its messages, so that a form generated from the schema shows them at the field.
    """

    def __init__(self, *args, problems: dict[str, list[str]] | None = None):
        super().__init__(*args, field="settings")
        self.problems = problems or {}


def validate_settings(key: str, settings: dict | None) -> dict:
    """The settings, checked against the plugin's schema; PluginError names the bad field."""
    plugin = _loaded(key)
    settings = {} if settings is None else settings
    validator = Draft202012Validator(plugin.metadata.settings_schema)
    errors = sorted(validator.iter_errors(settings), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        problems: dict[str, list[str]] = {}
        for error in errors[:10]:
            path = "settings" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path
            )
            lines.append(f"{path}: {error.message}")
            for name in _setting_names(error, settings):
                problems.setdefault(name, []).append(error.message)
        raise InvalidSettings(
            _("plugin %(plugin)s: invalid settings — %(problems)s")
            % {"plugin": key, "problems": "; ".join(lines)},
            problems=problems,
        )
    return settings


def _setting_names(error, settings) -> list[str]:
    """The top-level settings a schema error is about (a missing required one included)."""
    path = list(error.absolute_path)
    if path:
        return [str(path[0])]
    if error.validator == "required" and isinstance(settings, dict):
        return [name for name in error.validator_value if name not in settings] or [""]
    return [""]


def configure_plugin(township, key: str, settings: dict) -> None:
    """Change the settings of a plugin the township has enabled (refused if it has not)."""
    from tenants.models import PluginActivation

    enabled = PluginActivation.objects.filter(township=township, plugin=key, enabled=True)
    if not enabled.exists():
        raise PluginError(
            _("Plugin %(key)s is not enabled in %(township)s; enable it first.")
            % {"key": key, "township": township.name}
        )
    enable_plugins(township, {key: settings})


def enable_plugin(township, key: str, settings: dict | None = None) -> None:
    """Enable ``key`` for the township, or change its settings, and add its rules.

    ``settings=None`` keeps the settings stored from before (``{}`` for a first time).
    """
    enable_plugins(township, {key: settings})


def enable_plugins(township, wanted: dict[str, dict | None]) -> None:
    """Enable several plugins at once, dependencies first (onboarding uses this)."""
    from tenants.models import PluginActivation

    with _changing(township) as enabled:
        stored = dict(
            PluginActivation.objects.filter(township=township).values_list("plugin", "settings")
        )
        checked = {
            key: validate_settings(key, stored.get(key, {}) if settings is None else settings)
            for key, settings in wanted.items()
        }
        with tenant_context(township):  # hooks run in the township's schema
            rules = {key: _plugin_rules(key, checked[key]) for key in checked}
        for key in _dependency_order(checked):
            missing = [d for d in _loaded(key).metadata.depends_on if d not in enabled]
            if missing:
                raise PluginError(
                    _("plugin %(plugin)s needs %(needed)s enabled first in %(township)s")
                    % {"plugin": key, "needed": ", ".join(missing), "township": township.name}
                )
            activation, _created = PluginActivation.objects.update_or_create(
                township=township, plugin=key, defaults={"enabled": True, "settings": checked[key]}
            )
            enabled.add(key)
            with tenant_context(township):
                _install_rules(key, rules[key], activation.suspended_rules)
            activation.suspended_rules = []
            activation.save(update_fields=["suspended_rules"])


def disable_plugin(township, key: str) -> None:
    """Disable ``key``: its hooks stop being called; its data and rules are kept (inactive)."""
    from platform_core.scoring.models import Rule
    from tenants.models import PluginActivation

    with _changing(township) as enabled:
        if key not in enabled:
            raise PluginError(
                _("plugin %(plugin)s is not enabled in %(township)s")
                % {"plugin": key, "township": township.name}
            )
        needing = sorted(
            other
            for other in enabled - {key}
            if other in registry().plugins and key in registry().plugins[other].metadata.depends_on
        )
        if needing:
            raise PluginError(
                _(
                    "plugin %(plugin)s cannot be disabled in %(township)s: "
                    "%(dependants)s depend on it; disable them first"
                )
                % {"plugin": key, "township": township.name, "dependants": ", ".join(needing)}
            )
        with tenant_context(township):
            active = Rule.objects.filter(plugin=key, active=True)
            suspended = list(active.values_list("code", flat=True))
            active.update(active=False)
        PluginActivation.objects.filter(township=township, plugin=key).update(
            enabled=False, suspended_rules=suspended
        )


@contextmanager
def _changing(township):
    """One transaction per change, the township row locked (no racing dependency checks).

    Yields the keys enabled now; afterwards the township gets a new activation
    version, or, if the change failed, keeps its old one (no stale cached hooks).
    """
    from tenants.models import PluginActivation

    before = township.plugins_version
    try:
        with transaction.atomic():
            type(township).objects.select_for_update().filter(pk=township.pk).exists()
            enabled = set(
                PluginActivation.objects.filter(township=township, enabled=True).values_list(
                    "plugin", flat=True
                )
            ) & set(registry().plugins)
            yield enabled
            _bump(township)
    except BaseException:
        township.plugins_version = before
        raise


def collect_plugin_events(period_start: dt.date, period_end: dt.date, township) -> int:
    """Record what enabled plugins produce for the period, all or nothing (idempotent)."""
    with transaction.atomic():
        recorded = _record_plugin_events(period_start, period_end, township)
    return recorded


def _record_plugin_events(period_start: dt.date, period_end: dt.date, township) -> int:
    from platform_core.households.models import Household
    from platform_core.scoring.models import Rule
    from platform_core.scoring.services import LedgerError, record_entry

    recorded = 0
    answers = hooks_for(township).call(
        "township_score_events", period_start=period_start, period_end=period_end
    )
    for key, specs in answers:
        for spec in specs:
            if not isinstance(spec, ScoreEventSpec):
                raise PluginError(
                    _("plugin %(plugin)s returned %(type)s, not ScoreEventSpec")
                    % {"plugin": key, "type": type(spec).__name__}
                )
            if not period_start <= spec.occurred_on <= period_end:
                raise PluginError(
                    _("plugin %(plugin)s: entry %(entry)s is outside the period")
                    % {"plugin": key, "entry": spec.external_id}
                )
            try:
                record_entry(
                    household=Household.objects.get(code=spec.household_code),
                    rule=Rule.objects.get(code=spec.rule_code),
                    occurred_on=spec.occurred_on,
                    recorder=Actor.plugin(key),
                    source=key,
                    evidence=spec.evidence,
                    points=spec.points,
                    note=spec.note,
                    external_id=spec.external_id,
                )
            except (Household.DoesNotExist, Rule.DoesNotExist, LedgerError) as exc:
                raise PluginError(
                    _("plugin %(plugin)s: entry %(entry)s: %(problem)s")
                    % {"plugin": key, "entry": spec.external_id, "problem": exc}
                ) from exc
            recorded += 1
    return recorded


def _plugin_rules(key: str, settings: dict) -> list[RuleSpec]:
    """The rules plugin ``key`` supplies, checked (only this plugin is called)."""
    answer = registry().call("township_covenant_rules", key, settings=copy.deepcopy(settings))
    rules = answer[0] if answer else []
    problems = rule_problems(rules)
    if problems:
        raise PluginError(
            _("plugin %(plugin)s supplies bad rules: %(problems)s")
            % {"plugin": key, "problems": "; ".join(problems[:5])}
        )
    return rules


def _install_rules(key: str, rules: list[RuleSpec], suspended: list[str]) -> None:
    """Add the plugin's new rules; reactivate the ones disabling switched off (only those)."""
    from platform_core.scoring.models import Rule
    from platform_core.scoring.services import install_rules

    install_rules((vars(spec) for spec in rules), plugin=key)
    if suspended:
        Rule.objects.filter(plugin=key, code__in=suspended).update(active=True)


def _bump(township) -> None:
    """New activation version: cached hooks are rebuilt; save() also clears cached townships."""
    township.plugins_version = uuid.uuid4()
    with schema_context(get_public_schema_name()):  # callable from any township's schema
        township.save(update_fields=["plugins_version"])


def _loaded(key: str):
    reg = registry()
    if key in reg.plugins:
        return reg.plugins[key]
    if key in reg.failed:
        raise PluginError(
            _("plugin %(plugin)s is installed but was skipped: %(reason)s")
            % {"plugin": key, "reason": reg.failed[key]}
        )
    known = ", ".join(sorted(reg.plugins)) or _("none")
    raise PluginError(
        _("unknown plugin %(plugin)s; installed plugins: %(known)s")
        % {"plugin": repr(key), "known": known}
    )


def _dependency_order(keys) -> list[str]:
    """Keys with every plugin's dependencies (among ``keys``) before it."""
    ordered: list[str] = []

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in ordered:
            return
        if key in path:
            raise PluginError(
                _("plugins depend on each other in a circle: %(circle)s")
                % {"circle": " → ".join(path)}
            )
        for dep in _loaded(key).metadata.depends_on:
            if dep in keys:
                visit(dep, (*path, key))
        ordered.append(key)

    for key in sorted(keys):
        visit(key, ())
    return ordered
