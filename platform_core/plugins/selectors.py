"""Reads through the plugins: benefit types, eligibility, GraphQL fields, periodic tasks,
dashboard panels, feed sources.

The API (issue: GraphQL), the alliance module and the beat schedule build on
these; each asks only the township's enabled plugins.
"""

from __future__ import annotations

import copy
import logging

from platform_core.plugins.manager import hooks_for, registry
from platform_core.plugins.types import (
    BenefitType,
    DashboardPanel,
    Eligibility,
    FeedSource,
    GraphQLContribution,
    PeriodicTask,
)

logger = logging.getLogger(__name__)


def benefit_types(township) -> list[tuple[str, BenefitType]]:
    """(plugin key, benefit type) offered by the township's enabled plugins."""
    found = []
    for key, types in hooks_for(township).call("township_benefit_types"):
        found += [(key, t) for t in types if isinstance(t, BenefitType)]
    return found


def eligibility(township, household, benefit_code: str, tier: str) -> Eligibility | None:
    """The first enabled plugin's answer for ``benefit_code`` (None: no plugin offers it)."""
    answered = answered_eligibility(township, household, benefit_code, tier)
    return answered[1] if answered else None


def answered_eligibility(
    township, household, benefit_code: str, tier: str
) -> tuple[str, Eligibility] | None:
    """(plugin key, answer) of the first enabled plugin that answers for ``benefit_code``."""
    answer = hooks_for(township).first(
        "township_eligibility", household=household, benefit_code=benefit_code, tier=tier
    )
    return answer if answer and isinstance(answer[1], Eligibility) else None


def graphql_contributions(township) -> list[tuple[str, GraphQLContribution]]:
    """What the township's enabled plugins add to its GraphQL schema."""
    return [
        (key, value)
        for key, value in hooks_for(township).call("township_graphql_fields")
        if isinstance(value, GraphQLContribution)
    ]


def dashboard_panels(
    township, village_codes: list[str] | None = None
) -> list[tuple[str, DashboardPanel]]:
    """(plugin key, panel) of the township's enabled plugins, for its dashboard.

    ``village_codes`` (None: the whole township) narrows the figures to those villages;
    then only plugins whose implementation takes ``village_codes`` are asked. A
    plugin that fails or answers anything but well-formed panels is logged and its
    bad answer left out: the dashboard still shows the rest.
    """
    hook = "township_dashboard_panels"
    hooks = hooks_for(township)
    narrowing = _takes_village_codes(hooks.registry) if village_codes is not None else None
    codes = None if village_codes is None else sorted(village_codes)
    found: list[tuple[str, DashboardPanel]] = []
    for key in hooks.implementers(hook):
        if narrowing is not None and key not in narrowing:
            continue
        try:
            answer = hooks.call_plugin(hook, key, village_codes=codes)
        except Exception:
            logger.exception("plugin %s failed in %s", key, hook)
            continue
        if answer is not None and not isinstance(answer, list | tuple):
            logger.warning("plugin %s: %s returned %r, not a list", key, hook, answer)
            continue
        for panel in answer or []:
            problems = (
                panel.problems()
                if isinstance(panel, DashboardPanel)
                else [f"{panel!r} is not a DashboardPanel"]
            )
            if problems:
                logger.warning("plugin %s: panel left out: %s", key, "; ".join(problems))
            else:
                found.append((key, panel))
    return found


def _takes_village_codes(reg) -> set[str]:
    impls = reg.pm.hook.township_dashboard_panels.get_hookimpls()
    return {impl.plugin_name for impl in impls if "village_codes" in impl.argnames}


def well_formed(plugin_key: str, declared, kind: type, what: str) -> list:
    """The items of ``kind`` a plugin declared that pass their own ``problems()`` check,
    each key once; the others are logged and left out, so one plugin's slip costs only
    that item (feed sources, statistics columns)."""
    kept, seen = [], set()
    for item in declared:
        problems = (
            item.problems() if isinstance(item, kind) else [f"{item!r} is not a {kind.__name__}"]
        )
        if not problems and item.key in seen:
            problems = [f"{what} key {item.key} is declared twice"]
        if problems:
            logger.warning("plugin %s: %s left out: %s", plugin_key, what, "; ".join(problems))
            continue
        seen.add(item.key)
        kept.append(item)
    return kept


def feed_sources(township=None) -> list[tuple[str, FeedSource]]:
    """(plugin key, feed source) of the township's enabled plugins (default: the one served).

    A plugin that fails, answers no list, a malformed source or a feed key twice is
    logged and that answer left out: the other feeds still run.
    """
    from django.db import connection

    township = township if township is not None else connection.tenant
    hook = "township_feed_sources"
    hooks = hooks_for(township)
    found: list[tuple[str, FeedSource]] = []
    for key in hooks.implementers(hook):
        try:
            answer = hooks.call_plugin(hook, key)
        except Exception:
            logger.exception("plugin %s failed in %s", key, hook)
            continue
        if answer is not None and not isinstance(answer, list | tuple):
            logger.warning("plugin %s: %s returned %r, not a list", key, hook, answer)
            continue
        found += [(key, source) for source in well_formed(key, answer or [], FeedSource, "feed")]
    return found


def periodic_tasks() -> list[tuple[str, PeriodicTask]]:
    """(plugin key, task) of every loaded plugin; run for the townships that enabled it."""
    reg = registry()
    found = []
    for key in sorted(reg.plugins):
        if not reg.implements(key, "township_periodic_tasks"):
            continue
        for answer in reg.call("township_periodic_tasks", key):
            found += [(key, task) for task in answer if isinstance(task, PeriodicTask)]
    return found


def enabled_settings(key: str, defaults: dict | None = None, *, refusal: str = "") -> dict:
    """Plugin ``key``'s settings in the current township, over ``defaults`` (a copy).

    Raises PluginError — "``refusal`` in <township>", default "plugin <key> is not
    enabled" — when the township has not enabled it: a plugin's services call this
    first, so nothing of a disabled plugin runs.
    """
    from django.db import connection
    from django.utils.translation import gettext as _

    from platform_core.plugins.services import PluginError

    township = connection.tenant
    enabled = hooks_for(township).enabled
    if key not in enabled:
        refusal = refusal or _("plugin %(plugin)s is not enabled") % {"plugin": key}
        raise PluginError(
            _("%(refusal)s in %(township)s") % {"refusal": refusal, "township": township.name}
        )
    return {**(defaults or {}), **copy.deepcopy(enabled[key] or {})}
