"""The points_shop plugin's hooks."""

from __future__ import annotations

from township_integrity import PluginMetadata, hookimpl

KEY = "points_shop"


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="积分兑换超市",
        name_en="Points exchange shop",
        version="1.0.0",
        core_versions=">=0.3,<1",
    )
