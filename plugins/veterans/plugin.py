"""The veterans plugin's hooks."""

from __future__ import annotations

from township_integrity import PluginMetadata, hookimpl

KEY = "veterans"


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="退役军人服务站",
        name_en="Veterans' service station",
        version="1.0.0",
        core_versions=">=0.3,<1",
    )
