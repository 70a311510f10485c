"""Reads of the alerts: what waits for whom, always narrowed to the viewer's villages."""

from __future__ import annotations

from django.db.models import QuerySet

from police_feed.models import Alert
from township_integrity.models import EntryStatus

ALERT_READ = ("household__village", "entry")


def alerts_in(village_codes: set[str] | None) -> QuerySet[Alert]:
    """Alerts of households in these villages (None: every village)."""
    alerts = Alert.objects.select_related(*ALERT_READ)
    return (
        alerts
        if village_codes is None
        else alerts.filter(household__village__code__in=village_codes)
    )


def unconfirmed(village_codes: set[str] | None) -> QuerySet[Alert]:
    """Alerts the police have not confirmed: kept, not scored."""
    return alerts_in(village_codes).filter(confirmed=False)


def proposed(village_codes: set[str] | None) -> QuerySet[Alert]:
    """Confirmed alerts whose entry still waits for the reviewers."""
    return alerts_in(village_codes).filter(entry__status=EntryStatus.PROPOSED)
