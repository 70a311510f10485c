"""Reactions of the county records to township events: statistics follow finalised months."""

from __future__ import annotations

from django.db import connection
from django.dispatch import receiver

from platform_core.evaluation.signals import month_finalised
from platform_core.townships.statistics import refresh_quietly
from tenants.models import Township


@receiver(month_finalised)
def refresh_statistics_after_the_month(sender, **kwargs) -> None:
    """Sent after the finalising transaction commits, inside the township's schema."""
    township = connection.tenant
    if not isinstance(township, Township):  # e.g. a FakeTenant of a bare schema_context
        township = Township.objects.filter(schema_name=connection.schema_name).first()
    if township is not None:
        refresh_quietly(township)
