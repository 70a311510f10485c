"""The open datasets of a township: the core's ``tiers`` and its enabled plugins'.

A plugin's datasets come from its ``township_open_datasets`` hook; a malformed one
(a personal-looking column name among them) or a key already taken is logged and
left out, like any other plugin problem, and the others are still published.
"""

from __future__ import annotations

import logging

from platform_core.opendata.selectors import tier_rows
from platform_core.plugins.manager import hooks_for
from platform_core.plugins.selectors import well_formed
from platform_core.plugins.types import OpenColumn, OpenDataset

logger = logging.getLogger(__name__)

HOOK = "township_open_datasets"
CORE = ""  # the plugin key of the core's own datasets

TIERS = OpenDataset(
    key="tiers",
    title_zh="各村诚信等级户数（按月，已定稿）",
    title_en="Households per tier, by village and month (finalised)",
    columns=(
        OpenColumn("month", "月份（YYYY-MM）", "Month (YYYY-MM)", "month"),
        OpenColumn("village_code", "村代码", "Village code", "code"),
        OpenColumn("village_name", "村名称", "Village name", "label"),
        OpenColumn("households", "参评户数", "Households evaluated", "count"),
        OpenColumn("green", "绿色（诚信示范户）户数", "Green households (model)", "count"),
        OpenColumn("blue", "蓝色户数", "Blue households", "count"),
        OpenColumn("red", "红色（待提升户）户数", "Red households (to improve)", "count"),
    ),
    rows=tier_rows,
)


def datasets(township) -> list[tuple[str, OpenDataset]]:
    """(plugin key — "" for the core —, dataset) of the township, core first, then the
    enabled plugins' in the order of their keys. Call inside the township's schema."""
    found: list[tuple[str, OpenDataset]] = [(CORE, TIERS)]
    taken = {TIERS.key}
    hooks = hooks_for(township)
    for key in hooks.implementers(HOOK):
        try:
            answer = hooks.call_plugin(HOOK, key)
        except Exception:
            logger.exception("plugin %s failed in %s", key, HOOK)
            continue
        if answer is not None and not isinstance(answer, list | tuple):
            logger.warning("plugin %s: %s returned %r, not a list", key, HOOK, answer)
            continue
        for dataset in well_formed(key, answer or [], OpenDataset, "open dataset"):
            if dataset.key in taken:
                logger.warning("plugin %s: open dataset %s left out: key taken", key, dataset.key)
                continue
            taken.add(dataset.key)
            found.append((key, dataset))
    return found


def find(township, key: str) -> tuple[str, OpenDataset] | None:
    """The township's dataset ``key`` (None: no such dataset, or its plugin not enabled)."""
    return next(((p, d) for p, d in datasets(township) if d.key == key), None)
