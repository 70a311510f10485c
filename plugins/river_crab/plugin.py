"""The river_crab plugin's hooks."""

from __future__ import annotations

from township_integrity import PluginMetadata, hookimpl

KEY = "river_crab"


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="河蟹合作社",
        name_en="River-crab cooperative",
        version="1.0.0",
        core_versions=">=0.3,<1",
    )
