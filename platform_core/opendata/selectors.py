"""Reads behind the core's open dataset ``tiers`` (finalised months only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

from platform_core.evaluation.models import EvaluationRound, VillageSnapshot
from platform_core.scoring.policy import month_end


def tier_rows(first: dt.date, last: dt.date) -> Iterator[dict]:
    """Households per tier, per village and finalised month from ``first`` to ``last``.

    The village snapshots a finalised month keeps (what the month's evaluation decided;
    a later correction of one household's standing does not change them), each dated
    by the day its round was finalised (local date): the publication date.
    """
    finalised = {
        (village_id, period): at
        for village_id, period, at in EvaluationRound.objects.filter(
            status=EvaluationRound.Status.FINALISED, period__gte=first, period__lte=month_end(last)
        ).values_list("village_id", "period", "finalised_at")
    }
    snapshots = (
        VillageSnapshot.objects.filter(period__gte=first, period__lte=month_end(last))
        .order_by("period", "village__code")
        .values_list(
            "period",
            "village_id",
            "village__code",
            "village__name",
            "households",
            "green",
            "blue",
            "red",
        )
    )
    for period, village_id, code, name, households, green, blue, red in snapshots:
        at = finalised.get((village_id, period))
        if at is None:  # a snapshot of a round not (or no longer) finalised is not published
            continue
        yield {
            "month": period,
            "village_code": code,
            "village_name": name,
            "households": households,
            "green": green,
            "blue": blue,
            "red": red,
            "published": timezone.localdate(at),
        }


def honour_total_rows(first: dt.date, last: dt.date) -> Iterator[dict]:
    """Households on the township's published honour boards, per month from ``first`` to
    ``last`` (a board counts in its ``based_on`` month, the quarter's last): distinct
    households listed that month, so far that year and so far in total, as model
    households (commended) and as households to improve (exposed). Three aggregate
    queries; counts only."""
    from django.db.models import Min

    from platform_core.publication.models import BoardEntry
    from platform_core.publication.selectors import add_months

    end = month_end(last)
    entries = BoardEntry.objects.filter(
        board__based_on__lte=end, kind__in=(BoardEntry.Kind.MODEL, BoardEntry.Kind.IMPROVE)
    )
    names = {BoardEntry.Kind.MODEL: "commended", BoardEntry.Kind.IMPROVE: "exposed"}

    def firsts(*by: str) -> dict[tuple, int]:
        """{(kind, month[, year]): households first listed then}, per ``by`` grouping."""
        counted: dict[tuple, int] = {}
        rows = entries.values_list("household_id", "kind", *by).annotate(at=Min("board__based_on"))
        for row in rows.order_by():
            key = (names[row[1]], row[-1].replace(day=1))
            counted[key] = counted.get(key, 0) + 1
        return counted

    total, in_year = firsts(), firsts("board__year")
    in_month = firsts("board__based_on")
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    for month in months:
        row = {"month": month}
        for name in names.values():
            row[name] = in_month.get((name, month), 0)
            row[f"{name}_year"] = sum(
                n
                for (kind, at), n in in_year.items()
                if kind == name and at.year == month.year and at <= month
            )
            row[f"{name}_total"] = sum(
                n for (kind, at), n in total.items() if kind == name and at <= month
            )
        yield row


def three_none_rows(first: dt.date, last: dt.date) -> Iterator[dict]:
    """Each village's petitions, lawsuits and criminal cases per month, summed over the
    enabled plugins (``platform_core.dashboard.three_none``), and whether it was
    three-none; a month no plugin reported is left out (no data, not three-none)."""
    from django.db import connection

    from platform_core.dashboard.three_none import month_status
    from platform_core.households.models import Village
    from platform_core.publication.selectors import add_months

    villages = list(Village.objects.order_by("code").only("code", "name"))
    month = first
    while month <= last:
        status = month_status(connection.tenant, month, villages)
        if status.reported:
            for v in status.villages:
                yield {
                    "month": month,
                    "village_code": v.code,
                    "village_name": v.name,
                    "petitions": v.petitions,
                    "lawsuits": v.lawsuits,
                    "criminal_cases": v.criminal_cases,
                    "settled_in_village": v.settled_in_village,
                    "three_none": "yes" if v.three_none else "no",
                }
        month = add_months(month, 1)


def year_on_year_rows(first: dt.date, last: dt.date) -> Iterator[dict]:
    """The enabled plugins' year-on-year figures (``StatisticsColumn(year_on_year=True)``)
    per month: from 1 January to the month's end (today, for the current month) and the
    same days a year before. One ``township_statistics`` call per plugin and month."""
    from django.db import connection

    from platform_core.dashboard.totals import year_on_year_of
    from platform_core.publication.selectors import add_months
    from platform_core.townships.statistics import plugin_figures, statistics_columns

    columns = statistics_columns()
    if not any(column.year_on_year for _plugin, column in columns):
        return
    month = first
    while month <= last:
        for f in year_on_year_of(plugin_figures(connection.tenant, month), columns):
            yield {
                "month": month,
                "plugin": f.plugin,
                "figure": f.key,
                "this_year": f.this_year,
                "last_year": f.last_year,
            }
        month = add_months(month, 1)
