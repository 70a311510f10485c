"""The month's finalisation, passed on to the hooks of the township's enabled plugins;
the ledger's decisions that change a standing at once, recomputed.

Evaluation's own receivers: one reads the month's tier changes and calls the plugin
manager, which sits below evaluation; the other recomputes a household's standing
when an objection is upheld or a repair granted (``scoring.signals.standing_changed``).
"""

from __future__ import annotations

from django.db import connection
from django.dispatch import receiver

from platform_core.evaluation.models import TierChange
from platform_core.evaluation.signals import month_finalised
from platform_core.evaluation.standing import recompute_standing
from platform_core.plugins.manager import hooks_for
from platform_core.plugins.types import TierMove
from platform_core.scoring.signals import standing_changed


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


@receiver(standing_changed)
def recompute_at_once(sender, household, reason, by, **kwargs) -> None:
    """An upheld objection or a granted repair: the standing is recomputed now."""
    recompute_standing(household, reason=reason, by=by)
