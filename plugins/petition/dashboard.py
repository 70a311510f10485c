"""The petition plugin's dashboard panels: cases per month by kind; villages and warnings.

Counts per village and month only: no petitioner, household or case summary.
"""

from __future__ import annotations

from django.db.models import Count, DateField
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language, override

from plugins.petition.conf import KIND_COLOURS, TREND_MONTHS
from plugins.petition.models import KIND_ZH, Case, Kind
from plugins.petition.selectors import (
    add_months,
    early_warnings,
    overdue_by_village,
    received_between,
    village_status,
)
from township_integrity import Chart, ChartSeries, DashboardPanel, PanelTable
from township_integrity.services import month_end


def panels(village_codes: list[str] | None) -> list[DashboardPanel]:
    """The trend of the last 12 months and this month's villages (``village_codes``: only
    these villages; None: the whole township)."""
    this_month = timezone.localdate().replace(day=1)
    return [
        trend_panel(this_month, village_codes),
        villages_panel(this_month, village_codes),
        satisfaction_panel(this_month, village_codes),
    ]


def trend_panel(this_month, village_codes: list[str] | None) -> DashboardPanel:
    first = add_months(this_month, 1 - TREND_MONTHS)
    months = [add_months(first, n) for n in range(TREND_MONTHS)]
    cases = Case.objects.filter(received_between(first, month_end(this_month)))
    if village_codes is not None:
        cases = cases.filter(village__code__in=village_codes)
    per_month = (
        cases.annotate(month=TruncMonth("received_at", output_field=DateField()))
        .values_list("month", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(month, kind): n for month, kind, n in per_month}
    with override("en"):
        kind_en = {kind: str(label) for kind, label in Kind.choices}
    return DashboardPanel(
        key="trend",
        title_zh="信访与热线案件（近12个月）",
        title_en="Petition and hotline cases, last 12 months",
        chart=Chart(
            kind="stacked_bar",
            labels=tuple(f"{m:%Y-%m}" for m in months),
            series=tuple(
                ChartSeries(
                    KIND_ZH[kind],
                    kind_en[kind],
                    tuple(counts.get((m, kind), 0) for m in months),
                    KIND_COLOURS[kind],
                )
                for kind in KIND_COLOURS
            ),
            y_label_zh="件",
            y_label_en="cases",
        ),
    )


def villages_panel(this_month, village_codes: list[str] | None) -> DashboardPanel:
    zh = (get_language() or "").startswith("zh")
    status = village_status(this_month, month_end(this_month))
    warnings = early_warnings(this_month)
    overdue = overdue_by_village()  # now, whatever the month they were received
    if village_codes is not None:
        status = [s for s in status if s.village.code in village_codes]
        warnings = [w for w in warnings if w.village.code in village_codes]
    yes, no = ("是", "否") if zh else ("yes", "no")
    return DashboardPanel(
        key="villages",
        title_zh=f"三无村与预警（{this_month:%Y-%m}）",
        title_en=f"Three-none villages and early warnings, {this_month:%Y-%m}",
        table=PanelTable(
            headers_zh=(
                "村",
                "信访",
                "12345热线",
                "网信件",
                "诉讼",
                "刑事案件",
                "三无村",
                "逾期案件",
            ),
            headers_en=(
                "Village",
                "Petitions",
                "Hotline",
                "Online",
                "Lawsuits",
                "Criminal cases",
                "Three-none",
                "Overdue cases",
            ),
            rows=tuple(
                (
                    s.village.name,
                    s.cases.get("petition", 0),
                    s.cases.get("hotline", 0),
                    s.cases.get("online", 0),
                    s.cases.get("lawsuit", 0),
                    s.cases.get("criminal", 0),
                    yes if s.three_none else no,
                    overdue.get(s.village.pk, 0),
                )
                for s in status
            ),
        ),
        warnings=tuple(
            f"{w.village.name}：{w.month:%Y-%m}收到{w.cases}件，"
            f"前{w.months}个月平均每月{w.average:.1f}件"
            if zh
            else w.describe()
            for w in warnings
        ),
    )


# How many months the satisfaction panel shows (this month and the ones before).
SATISFACTION_MONTHS = 6


def satisfaction_panel(this_month, village_codes: list[str] | None) -> DashboardPanel:
    """The satisfaction rate at the follow-up call per village and month (``loop``):
    satisfied and basically satisfied over the calls made; "—" without a call."""
    from plugins.petition.loop import months_between, satisfaction_rates
    from township_integrity.models import Village

    first = add_months(this_month, 1 - SATISFACTION_MONTHS)
    months = months_between(first, this_month)
    rates = {
        (r.village.pk, r.month): r
        for r in satisfaction_rates(first, month_end(this_month), village_codes)
    }
    villages = Village.objects.order_by("code")
    if village_codes is not None:
        villages = villages.filter(code__in=village_codes)

    def cell(village, month) -> str:
        rate = rates.get((village.pk, month))
        if rate is None:
            return "—"
        return f"{rate.rate:.0%} ({rate.satisfied}/{rate.followed_up})"

    labels = tuple(f"{m:%Y-%m}" for m in months)
    return DashboardPanel(
        key="satisfaction",
        title_zh=f"回访满意率（近{SATISFACTION_MONTHS}个月）",
        title_en=f"Satisfaction at the follow-up call, last {SATISFACTION_MONTHS} months",
        table=PanelTable(
            headers_zh=("村", *labels),
            headers_en=("Village", *labels),
            rows=tuple((v.name, *(cell(v, m) for m in months)) for v in villages),
        ),
    )
