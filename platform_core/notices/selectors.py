"""Reads of notices: a household's own, and addresses masked for listings."""

from __future__ import annotations

from django.db.models import QuerySet

from platform_core.households.models import Household
from platform_core.notices.models import Notice


def masked(address: str) -> str:
    """A phone or e-mail address as listings show it: 138****5678, l***@example.cn."""
    address = address or ""
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    if len(address) >= 7:
        return f"{address[:3]}{'*' * (len(address) - 7)}{address[-4:]}"
    return "*" * len(address)


def notices_of(household: Household) -> QuerySet[Notice]:
    """The household's notices, newest first, with their deductions."""
    return (
        Notice.objects.filter(household=household)
        .select_related("entry__rule")
        .order_by("-created_at", "-id")
    )
