"""The open datasets of a township: the core's (``tiers``, ``honour_totals``,
``three_none_villages``, ``year_on_year``) and its enabled plugins'.

A plugin's datasets come from its ``township_open_datasets`` hook; a malformed one
(a personal-looking column name among them) or a key already taken is logged and
left out, like any other plugin problem, and the others are still published.
"""

from __future__ import annotations

import logging

from platform_core.opendata.selectors import (
    honour_total_rows,
    three_none_rows,
    tier_rows,
    year_on_year_rows,
)
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

HONOUR_TOTALS = OpenDataset(
    key="honour_totals",
    title_zh="红黑榜上榜户数累计（按月，全镇）",
    title_en="Households on the honour boards, running totals by month (township)",
    columns=(
        OpenColumn("month", "月份（YYYY-MM）", "Month (YYYY-MM)", "month"),
        OpenColumn("commended", "当月上榜示范户", "Model households listed in the month", "count"),
        OpenColumn(
            "commended_year", "本年累计示范户", "Model households so far this year", "count"
        ),
        OpenColumn(
            "commended_total", "累计褒奖示范户", "Model households commended in total", "count"
        ),
        OpenColumn(
            "exposed", "当月曝光待提升户", "Households to improve listed in the month", "count"
        ),
        OpenColumn(
            "exposed_year", "本年累计待提升户", "Households to improve so far this year", "count"
        ),
        OpenColumn(
            "exposed_total", "累计曝光待提升户", "Households to improve exposed in total", "count"
        ),
    ),
    rows=honour_total_rows,
)

THREE_NONE = OpenDataset(
    key="three_none_villages",
    title_zh="三无村（无信访、无诉讼、无刑事案件；按村、按月）",
    title_en="Three-none villages (no petition, lawsuit or criminal case), by village and month",
    columns=(
        OpenColumn("month", "月份（YYYY-MM）", "Month (YYYY-MM)", "month"),
        OpenColumn("village_code", "村代码", "Village code", "code"),
        OpenColumn("village_name", "村名称", "Village name", "label"),
        OpenColumn("petitions", "信访件", "Petitions", "count"),
        OpenColumn("lawsuits", "诉讼", "Lawsuits", "count"),
        OpenColumn("criminal_cases", "刑事案件", "Criminal cases", "count"),
        OpenColumn(
            "settled_in_village", "村内化解纠纷", "Disputes settled in the village", "count"
        ),
        OpenColumn("three_none", "是否三无村（yes/no）", "Three-none (yes/no)", "code"),
    ),
    rows=three_none_rows,
)

YEAR_ON_YEAR = OpenDataset(
    key="year_on_year",
    title_zh="同比（今年以来与去年同期，按月，全镇）",
    title_en="Year on year: this year to date and the same days last year, by month (township)",
    columns=(
        OpenColumn("month", "月份（YYYY-MM）", "Month (YYYY-MM)", "month"),
        OpenColumn("plugin", "插件", "Plugin", "code"),
        OpenColumn(
            "figure", "指标（如hotline_year：12345热线）", "Figure (e.g. hotline_year)", "code"
        ),
        OpenColumn("this_year", "今年1月1日至当月末", "1 January to the month's end", "count"),
        OpenColumn("last_year", "去年同期", "The same days last year", "count"),
    ),
    rows=year_on_year_rows,
)

# The core's own datasets, published by every township before its plugins'.
CORE_DATASETS = (TIERS, HONOUR_TOTALS, THREE_NONE, YEAR_ON_YEAR)


def datasets(township) -> list[tuple[str, OpenDataset]]:
    """(plugin key — "" for the core —, dataset) of the township, core first, then the
    enabled plugins' in the order of their keys. Call inside the township's schema."""
    found: list[tuple[str, OpenDataset]] = [(CORE, d) for d in CORE_DATASETS]
    taken = {d.key for d in CORE_DATASETS}
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
