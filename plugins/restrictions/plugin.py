"""The restrictions plugin's hooks."""

from __future__ import annotations

from township_integrity import PluginMetadata, hookimpl

KEY = "restrictions"


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="待提升户限制",
        name_en="Restrictions for households to improve",
        version="1.0.0",
        core_versions=">=0.3,<1",
    )
