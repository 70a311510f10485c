"""The county's figures per township, copied into the public schema.

The county endpoint must not visit every township's schema per request, so the
figures are computed here, inside one township's schema, and written to one
public row (``TownshipStatistics``): after a month is finalised, after onboarding
and on demand — the tier mix, the plugins' figures and the inputs of the county's
running totals (``totals``, answered by the dashboard through ``collecting_statistics``).
Only counts leave the township, never a household's personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Sum
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from platform_core.accounts.access import require_county_administrator
from platform_core.actors import Actor
from platform_core.plugins.types import StatisticsColumn
from tenants.models import Township, TownshipStatistics

logger = logging.getLogger(__name__)

#: Sent inside the township's schema while its row is recomputed (``today``: the day
#: the figures are of); each receiver answers {row field: value}. The dashboard answers
#: the county's running totals (``totals``: ``platform_core.dashboard.receivers``),
#: so this module needs no import of the dashboard, which sits above it.
collecting_statistics = Signal()


def refresh_statistics(township: Township) -> TownshipStatistics:
    """Recompute the township's row: households, latest finalised month, plugin figures."""
    with tenant_context(township):
        figures = _township_figures(township)
    with schema_context(get_public_schema_name()):  # callable from any schema
        row, _created = TownshipStatistics.objects.update_or_create(
            township=township, defaults={**figures, "refreshed_at": timezone.now()}
        )
    return row


def refresh_many(townships: Iterable[Township], *, by: Actor) -> list[TownshipStatistics]:
    """Refresh on demand: ``by`` acts for the county of every township (checked first)."""
    townships = list(townships)
    for township in townships:
        require_county_administrator(by, township, what=_("refresh statistics"))
    return [refresh_statistics(township) for township in townships]


def refresh_quietly(township: Township) -> TownshipStatistics | None:
    """Refresh, logging a failure: stale statistics must never undo a finalised month."""
    try:
        with transaction.atomic():  # a failed query must not break the caller's transaction
            return refresh_statistics(township)
    except Exception:
        logger.exception("statistics of township %s could not be refreshed", township.code)
        return None


def _township_figures(township: Township) -> dict:
    from platform_core.evaluation.models import EvaluationRound, VillageSnapshot
    from platform_core.households.models import Household

    month = EvaluationRound.objects.filter(status=EvaluationRound.Status.FINALISED).aggregate(
        latest=Max("period")
    )["latest"]
    tiers = {"green": 0, "blue": 0, "red": 0}
    if month is not None:
        sums = VillageSnapshot.objects.filter(period=month).aggregate(
            green=Sum("green"), blue=Sum("blue"), red=Sum("red")
        )
        tiers = {tier: sums[tier] or 0 for tier in tiers}
    extra = plugin_figures(township, month or timezone.localdate().replace(day=1))
    figures = {"month": month, "households": Household.objects.count(), **tiers, "extra": extra}
    today = timezone.localdate()
    for _receiver, answer in collecting_statistics.send(Township, township=township, today=today):
        figures.update(answer)
    return figures


def plugin_figures(township: Township, period: dt.date) -> dict[str, dict[str, int]]:
    """{plugin key: {figure: count}} from the enabled plugins (the township_statistics hook).

    Only non-negative integers are kept: anything else is a plugin's bug, logged
    and left out rather than shown to the county.
    """
    from platform_core.plugins.manager import hooks_for

    found: dict[str, dict[str, int]] = {}
    for key, answer in hooks_for(township).call("township_statistics", period=period):
        if not isinstance(answer, dict):
            logger.warning("plugin %s: township_statistics returned %r, not a dict", key, answer)
            continue
        kept = {name: value for name, value in answer.items() if _is_count(name, value)}
        if len(kept) != len(answer):
            logger.warning("plugin %s: township_statistics figures left out: %r", key, answer)
        found[key] = kept
    return found


def _is_count(name, value) -> bool:
    return isinstance(name, str) and type(value) is int and value >= 0


def statistics_columns() -> list[tuple[str, StatisticsColumn]]:
    """(plugin key, column) of every loaded plugin (the township_statistics_columns hook).

    Plugins in the order of their keys, each plugin's columns in its order; a
    malformed column or a key declared twice is logged and left out.
    """
    from platform_core.plugins.manager import registry
    from platform_core.plugins.selectors import well_formed

    hook = "township_statistics_columns"
    reg = registry()
    found: list[tuple[str, StatisticsColumn]] = []
    for key in sorted(reg.plugins):
        if not reg.implements(key, hook):
            continue
        try:
            answers = reg.call(hook, key)
        except Exception:
            logger.exception("plugin %s failed in %s", key, hook)
            continue
        declared = [column for answer in answers if answer for column in answer]
        kept = well_formed(key, declared, StatisticsColumn, "column")
        found += [(key, column) for column in kept]
    return found


def column_values(
    row: TownshipStatistics | None, columns: list[tuple[str, StatisticsColumn]]
) -> list[int | None]:
    """The row's figure of each column (None: not refreshed, plugin not enabled or no figure)."""
    extra = row.extra if row is not None else {}
    return [extra.get(plugin, {}).get(column.key) for plugin, column in columns]
