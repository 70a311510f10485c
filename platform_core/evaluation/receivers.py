"""The month's finalisation, passed on to the hooks of the township's enabled plugins.

Evaluation's own receiver: it reads the month's tier changes and calls the plugin
manager, which sits below evaluation.
"""

from __future__ import annotations

from django.db import connection
from django.dispatch import receiver

from platform_core.evaluation.models import TierChange
from platform_core.evaluation.signals import month_finalised
from platform_core.plugins.manager import hooks_for
from platform_core.plugins.types import TierMove


@receiver(month_finalised)
def tell_plugins_about_the_month(sender, period, village_ids, **kwargs) -> None:
    hooks = hooks_for(connection.tenant)
    per_household = hooks.implementers("township_tier_changed")
    batched = hooks.implementers("township_tier_changes")
    month = TierChange.objects.filter(period=period, household__village_id__in=village_ids)
    if batched:
        moves = [
            TierMove(*row) for row in month.values_list("household_id", "old_tier", "new_tier")
        ]
        hooks.notify("township_tier_changes", period=period, changes=moves)
    if per_household:
        for change in month.select_related("household").iterator(chunk_size=2000):
            hooks.notify("township_tier_changed", change=change)
    hooks.notify("township_evaluation_finalised", period=period, village_ids=village_ids)
