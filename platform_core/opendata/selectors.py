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
