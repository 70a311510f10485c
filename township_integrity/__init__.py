"""The stable import path for plugin authors.

    from township_integrity import hookimpl, PluginMetadata, RuleSpec

Everything a plugin needs from the platform is re-exported here; the hooks are
documented in ``platform_core.plugins.hookspecs`` and ``docs/plugins/hooks.md``.
"""

import pluggy

from platform_core.plugins import CORE_VERSION  # the plugin API version the core implements
from platform_core.plugins.types import (
    BenefitType,
    Chart,
    ChartSeries,
    DashboardPanel,
    Eligibility,
    FeedOutcome,
    FeedSource,
    GraphQLContribution,
    OpenColumn,
    OpenDataset,
    PanelTable,
    PeriodicTask,
    PluginMetadata,
    PluginUrls,
    RuleSpec,
    ScoreEventSpec,
    StatisticsColumn,
    TierMove,
    VillageCaseCounts,
    WorkbenchScreen,
)


def enabled_settings(key: str, defaults: dict | None = None, *, refusal: str = "") -> dict:
    """Your settings in the township being served; PluginError if it has not enabled you."""
    from platform_core.plugins.selectors import enabled_settings as settings_of

    return settings_of(key, defaults, refusal=refusal)


#: The entry-point group naming a package's hook module (``my_plugin = "my_plugin.plugin"``):
#: how the platform finds an installed plugin.
ENTRY_POINT_GROUP = "township_integrity.plugins"
#: The entry-point group naming a plugin's Django app, when it has models: the app is
#: installed in every township's schema.
DJANGO_APPS_GROUP = "township_integrity.django_apps"

#: Marks a function of the hook module as a hook implementation (``@hookimpl``); the
#: hooks are in docs/plugins/hooks.md.
hookimpl = pluggy.HookimplMarker("township_integrity")

__all__ = [
    "CORE_VERSION",
    "DJANGO_APPS_GROUP",
    "ENTRY_POINT_GROUP",
    "BenefitType",
    "Chart",
    "ChartSeries",
    "DashboardPanel",
    "Eligibility",
    "FeedOutcome",
    "FeedSource",
    "GraphQLContribution",
    "OpenColumn",
    "OpenDataset",
    "PanelTable",
    "PeriodicTask",
    "PluginMetadata",
    "PluginUrls",
    "RuleSpec",
    "ScoreEventSpec",
    "StatisticsColumn",
    "TierMove",
    "VillageCaseCounts",
    "WorkbenchScreen",
    "enabled_settings",
    "hookimpl",
]
