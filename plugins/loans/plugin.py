"""The loans plugin's hooks."""

from __future__ import annotations

from township_integrity import PluginMetadata, hookimpl

KEY = "loans"


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="鸿信贷（诚信贷款）",
        name_en="Integrity loans",
        version="1.0.0",
        core_versions=">=0.3,<1",
    )
