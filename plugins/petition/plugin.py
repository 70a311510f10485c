"""The petition plugin's hooks: who it is, its settings and the deductions it brings."""

from __future__ import annotations

from township_integrity import (
    Chart,
    ChartSeries,
    DashboardPanel,
    PanelTable,
    PluginMetadata,
    RuleSpec,
    hookimpl,
)

KEY = "petition"

# A reviewer's determination -> the rule its deduction is recorded under.
RULE_FOR_DETERMINATION = {
    "unreasonable": "PET-UNREASONABLE",
    "repeated": "PET-REPEATED",
    "skip_level": "PET-SKIP-LEVEL",
}

# Defaults of the early warning (used when a township leaves a key out).
DEFAULTS = {"warning_months": 6, "warning_factor": 2.0, "warning_minimum": 3}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "warning_months": {
            "type": "integer",
            "minimum": 1,
            "maximum": 36,
            "description": "How many previous months make a village's own average (default 6)",
        },
        "warning_factor": {
            "type": "number",
            "exclusiveMinimum": 1,
            "description": "Warn when a month's cases exceed this many times the average "
            "(default 2.0)",
        },
        "warning_minimum": {
            "type": "integer",
            "minimum": 1,
            "description": "Never warn for fewer cases than this in a month (default 3)",
        },
    },
    "additionalProperties": False,
}


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="信访与热线",
        name_en="Petitions and hotline",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Petition, 12345-hotline and online cases in a closed loop; a reviewer's "
        "determination of an unreasonable, repeated or skip-level petition is a deduction.",
    )


@hookimpl
def township_covenant_rules(settings):
    # needs_review=False: the reviewer's determination is itself the review.
    return [
        RuleSpec(
            "PET-UNREASONABLE",
            "无理信访",
            "Unreasonable petition",
            "prohibition",
            -10,
            needs_review=False,
        ),
        RuleSpec(
            "PET-REPEATED",
            "缠访（重复信访）",
            "Repeated petition on a settled matter",
            "prohibition",
            -10,
            needs_review=False,
        ),
        RuleSpec(
            "PET-SKIP-LEVEL",
            "越级上访",
            "Skip-level petition",
            "prohibition",
            -10,
            needs_review=False,
        ),
    ]


# Kinds that reach the township through the petition and hotline channels (lawsuits and
# criminal cases are registered only for the "three-none" status).
CHANNEL_KINDS = ("petition", "hotline", "online")


@hookimpl
def township_statistics(period, settings):
    """For the county: cases received in the month, and cases up to its end not closed yet."""
    import datetime as dt

    from django.utils import timezone

    from platform_core.scoring.policy import month_end
    from plugins.petition.models import Case, Status

    start, end = (
        timezone.make_aware(dt.datetime.combine(day, dt.time()))
        for day in (period, month_end(period) + dt.timedelta(days=1))
    )
    channel = Case.objects.filter(kind__in=CHANNEL_KINDS, received_at__lt=end)
    return {
        "hotline_cases": channel.filter(received_at__gte=start).count(),
        "hotline_open": channel.exclude(status=Status.CLOSED).count(),
    }


@hookimpl
def township_workbench_screens():
    """The plugin's queue in the township workbench (``plugins.petition.workbench``)."""
    from plugins.petition.workbench import screens

    return screens()


@hookimpl
def township_graphql_fields(settings):
    """Cases, villages' status, warnings and the loop's steps; graphene is imported lazily."""
    from plugins.petition.graphql import contribution

    return contribution()


# Colours of the case kinds in the dashboard's chart.
KIND_COLOURS = {
    "petition": "#c5221f",
    "hotline": "#1a73e8",
    "online": "#12b5cb",
    "lawsuit": "#f29900",
    "criminal": "#5f6368",
}
TREND_MONTHS = 12


@hookimpl
def township_dashboard_panels(village_codes, settings):
    """Cases per month by kind (the last 12 months); villages' three-none status and warnings.

    Counts per village and month only: no petitioner, household or case summary.
    """
    from django.db.models import Count, DateField
    from django.db.models.functions import TruncMonth
    from django.utils import timezone
    from django.utils.translation import get_language, override

    from platform_core.scoring.policy import month_end
    from plugins.petition.models import KIND_ZH, Case, Kind
    from plugins.petition.selectors import (
        _add_months,
        early_warnings,
        received_between,
        village_status,
    )

    zh = (get_language() or "").startswith("zh")
    this_month = timezone.localdate().replace(day=1)
    first = _add_months(this_month, 1 - TREND_MONTHS)
    months = [_add_months(first, n) for n in range(TREND_MONTHS)]
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
    trend = DashboardPanel(
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

    status = village_status(this_month, month_end(this_month))
    warnings = early_warnings(this_month)
    if village_codes is not None:
        status = [s for s in status if s.village.code in village_codes]
        warnings = [w for w in warnings if w.village.code in village_codes]
    yes, no = ("是", "否") if zh else ("yes", "no")
    villages = DashboardPanel(
        key="villages",
        title_zh=f"三无村与预警（{this_month:%Y-%m}）",
        title_en=f"Three-none villages and early warnings, {this_month:%Y-%m}",
        table=PanelTable(
            headers_zh=("村", "信访", "12345热线", "网信件", "诉讼", "刑事案件", "三无村"),
            headers_en=(
                "Village",
                "Petitions",
                "Hotline",
                "Online",
                "Lawsuits",
                "Criminal cases",
                "Three-none",
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
    return [trend, villages]
