"""The dashboard's part of a township's statistics row: the county's running totals
and tier mix by month."""

from __future__ import annotations

import datetime as dt

from django.dispatch import receiver

from platform_core.dashboard.selectors import stored_tier_months
from platform_core.dashboard.totals import stored_totals
from platform_core.townships.statistics import collecting_statistics


@receiver(collecting_statistics)
def running_totals(sender, township, today: dt.date, **kwargs) -> dict:
    """Inside the township's schema, at its refresh: what the county dashboard sums
    (``county_totals`` and ``county_tiers_by_month``)."""
    return {"totals": {**stored_totals(township, today), "tier_months": stored_tier_months()}}
