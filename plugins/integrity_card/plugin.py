"""The integrity_card plugin's hooks."""

from __future__ import annotations

from township_integrity import PluginMetadata, hookimpl

KEY = "integrity_card"


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="鸿信卡",
        name_en="Integrity card",
        version="1.0.0",
        core_versions=">=0.3,<1",
    )
