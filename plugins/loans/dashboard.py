"""The loans plugin's dashboard panel: credit granted and drawn per bank."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language

from plugins.loans.selectors import bank_totals
from township_integrity import Chart, ChartSeries, DashboardPanel, PanelTable

TITLE_ZH = "鸿信贷授信（按银行）"
TITLE_EN = "Integrity loans granted, by bank"


def bank_panels(village_codes: Iterable[str] | None) -> list[DashboardPanel]:
    """Credit granted and drawn per bank (yuan), with lines and frozen undrawn credit.

    Sums per bank only (over the households of ``village_codes`` when narrowed).
    """
    totals = [(row.bank, row.totals) for row in bank_totals(village_codes)]
    if not totals:  # say so rather than leave the panel out
        english = (get_language() or "").startswith("en")
        note = "No bank offers an integrity loan yet." if english else "尚无银行发布鸿信贷产品。"
        return [DashboardPanel(key="banks", title_zh=TITLE_ZH, title_en=TITLE_EN, warnings=(note,))]
    names = tuple(bank.name for bank, _ in totals)
    return [
        DashboardPanel(
            key="banks",
            title_zh=TITLE_ZH,
            title_en=TITLE_EN,
            chart=Chart(
                kind="grouped_bar",
                labels=names,
                series=(
                    ChartSeries(
                        "授信额度", "Granted", tuple(t.granted for _, t in totals), "#1e8e3e"
                    ),
                    ChartSeries("已用信", "Drawn", tuple(t.drawn for _, t in totals), "#1a73e8"),
                ),
                y_label_zh="元",
                y_label_en="yuan",
            ),
            table=PanelTable(
                headers_zh=("银行", "授信笔数", "授信额度（元）", "已用信（元）", "冻结未用（元）"),
                headers_en=(
                    "Bank",
                    "Credit lines",
                    "Granted (yuan)",
                    "Drawn (yuan)",
                    "Frozen undrawn (yuan)",
                ),
                rows=tuple(
                    (bank.name, t.lines, t.granted, t.drawn, t.frozen_undrawn) for bank, t in totals
                ),
            ),
        )
    ]
