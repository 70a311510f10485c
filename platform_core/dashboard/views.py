"""The dashboards' pages: thin views over ``selectors`` (figures) and ``charts`` (SVG)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from platform_core.accounts.viewer import Viewer, viewer_of
from platform_core.dashboard import charts, selectors, totals


def _signed_in(request) -> bool:
    return request.user.is_authenticated


def _login(request):
    return redirect_to_login(request.get_full_path(), reverse("login"))


def township_dashboard(request):
    """Tier mix by month and village, this month's evaluation, the plugins' panels."""
    if not _signed_in(request):
        return _login(request)
    viewer = viewer_of(request)
    scope = selectors.township_scope(viewer)
    if scope is None:
        raise PermissionDenied
    data = selectors.township_dashboard(request.township, None if scope == selectors.ALL else scope)
    zh = (get_language() or "").startswith("zh")
    with_tiers = [v for v in data.villages if v.tiers is not None]
    context = {
        "township": request.township,
        "data": data,
        "tier_months": charts.tier_chart(
            "tiers-by-month", [m.label for m in data.months], [m.tiers for m in data.months]
        )
        if data.months
        else None,
        "tier_villages": charts.tier_chart(
            "tiers-by-village", [v.name for v in with_tiers], [v.tiers for v in with_tiers]
        )
        if with_tiers
        else None,
        "panels": [charts.show_panel(key, panel, zh) for key, panel in data.panels],
        **_totals(
            "township",
            totals.township_totals(request.township, timezone.localdate(), data.village_codes),
            zh,
        ),
    }
    return render(request, "dashboard/township.html", context)


def _totals(prefix: str, found: totals.RunningTotals, zh: bool) -> dict:
    """The context of ``dashboard/_totals.html``: statements, figures and charts."""
    return {
        "prefix": prefix,
        "totals": found,
        "statements": found.statements(zh),
        "year_on_year": [
            {
                "plugin": f.plugin,
                "key": f.key,
                "label": f.label(zh),
                "this_year": f.this_year,
                "last_year": f.last_year,
                "change": f.change,
            }
            for f in found.year_on_year
        ],
        "charts": charts.totals_charts(prefix, found, zh),
    }


def _column_label(column, zh: bool) -> str:
    """A county column's heading; a year-on-year figure says it counts this year."""
    label = column.label(zh)
    return _("%(label)s, this year to date") % {"label": label} if column.year_on_year else label


def county_dashboard(request):
    """Tier mix and the plugins' columns per township, tier mix by month across townships."""
    if not _signed_in(request):
        return _login(request)
    if not selectors.county_allowed(Viewer.of(request.user, None)):
        raise PermissionDenied
    from platform_core.townships.selectors import administered_townships
    from platform_core.townships.statistics import statistics_columns

    mine = administered_townships(request.user)  # a county administrator's own county
    zh = (get_language() or "").startswith("zh")
    columns = statistics_columns()
    townships = selectors.county_figures(mine, columns)
    months = selectors.county_tiers_by_month(mine)
    names = [t.name for t in townships]
    context = {
        "townships": townships,
        "months": months,
        "tier_townships": charts.tier_chart("county-tiers", names, [t.tiers for t in townships])
        if townships
        else None,
        "column_labels": [_column_label(column, zh) for _plugin, column in columns],
        "columns_chart": charts.draw(
            "grouped_bar",
            "county-columns",
            names,
            [
                charts.Line(
                    _column_label(column, zh),
                    tuple(t.columns[n] or 0 for t in townships),
                    "",
                    f"{plugin}-{column.key}",
                )
                for n, (plugin, column) in enumerate(columns)
            ],
        )
        if townships and columns
        else None,
        "tier_months": charts.tier_chart(
            "county-tiers-by-month", [m.label for m in months], [m.tiers for m in months]
        )
        if months
        else None,
        **_totals(
            "county",
            totals.county_totals(list(mine), timezone.localdate()),
            zh,
        ),
    }
    return render(request, "dashboard/county.html", context)
