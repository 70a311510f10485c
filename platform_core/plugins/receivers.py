"""The core's events, passed on to the hooks of the township's enabled plugins."""

from __future__ import annotations

from django.db import connection
from django.dispatch import receiver

from platform_core.evaluation.models import TierChange
from platform_core.evaluation.signals import month_finalised
from platform_core.plugins.manager import hooks_for


@receiver(month_finalised)
def tell_plugins_about_the_month(sender, period, village_ids, **kwargs) -> None:
    hooks = hooks_for(connection.tenant)
    per_household = hooks.implementers("township_tier_changed")
    batched = hooks.implementers("township_tier_changes")
    if per_household or batched:
        changes = list(
            TierChange.objects.filter(
                period=period, household__village_id__in=village_ids
            ).select_related("household")
        )
        if batched:
            hooks.notify("township_tier_changes", period=period, changes=changes)
        if per_household:
            for change in changes:
                hooks.notify("township_tier_changed", change=change)
    hooks.notify("township_evaluation_finalised", period=period, village_ids=village_ids)
