"""Reads of garbage-sorting inspections."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from plugins.garbage_sorting.models import Inspection


def model_households(start: dt.date, end: dt.date, minimum: int) -> list[tuple[str, int]]:
    """(household code, correct inspections) with >= ``minimum`` correct and no fault."""
    rows = (
        Inspection.objects.filter(inspected_on__range=(start, end))
        .values("household__code")
        .annotate(
            correct=Count("id", filter=Q(result=Inspection.Result.CORRECT)),
            faults=Count("id", filter=~Q(result=Inspection.Result.CORRECT)),
        )
        .filter(correct__gte=minimum, faults=0)
        .order_by("household__code")
    )
    return [(row["household__code"], row["correct"]) for row in rows]
