"""Reads: the township's settings, veterans, their activities and the station's month."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from plugins.veterans.conf import DEFAULTS, KEY
from plugins.veterans.models import ActivityKind, ServiceActivity, Veteran
from township_integrity import enabled_settings
from township_integrity.models import Household


def township_settings() -> dict:
    """The township's settings with defaults filled in; PluginError when not enabled."""
    return enabled_settings(
        KEY, DEFAULTS, refusal=_("the veterans' service station is not enabled")
    )


def veterans_of(household: Household) -> QuerySet[Veteran]:
    """The household's registered veterans (the eligibility hook's question, so no check)."""
    return Veteran.objects.filter(household=household).order_by("name")


def veteran_households() -> QuerySet[Household]:
    """Households with at least one registered veteran, by code."""
    township_settings()
    ids = Veteran.objects.values("household_id")
    return Household.objects.filter(pk__in=ids).order_by("code")


def activities_of(veteran: Veteran) -> QuerySet[ServiceActivity]:
    township_settings()
    return veteran.activities.order_by("-on", "-pk")


def activity_counts(start: dt.date, end: dt.date) -> dict[str, int]:
    """How many activities of each kind the station recorded on ``start`` .. ``end``."""
    township_settings()
    counts = dict(
        ServiceActivity.objects.filter(on__range=(start, end))
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {kind: counts.get(kind, 0) for kind in ActivityKind.values}
