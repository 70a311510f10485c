"""The dashboard's part of a township's statistics row: the county's running totals."""

from __future__ import annotations

import datetime as dt

from django.dispatch import receiver

from platform_core.dashboard.totals import stored_totals
from platform_core.townships.statistics import collecting_statistics


@receiver(collecting_statistics)
def running_totals(sender, township, today: dt.date, **kwargs) -> dict:
    """Inside the township's schema, at its refresh: what ``county_totals`` sums."""
    return {"totals": stored_totals(township, today)}
