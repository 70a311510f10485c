"""Reads of villages and households (township schema)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from platform_core.households.models import Household, Village


def mask_name(name: str) -> str:
    """Masked display name: 俞某 for two characters, 俞*明 for three or more."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "某"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def villages_with_counts() -> QuerySet[Village]:
    return Village.objects.annotate(household_count=Count("households")).order_by("code")


def household_count() -> int:
    return Household.objects.count()
