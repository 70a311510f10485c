"""Writes of villages, grids and households (run inside a township's schema)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

from platform_core.households.models import Grid, Household, Village


def hash_id_number(id_number: str) -> str:
    """Keyed hash of a national ID number: comparable, never reversible without the key."""
    normalized = id_number.strip().upper()
    return hmac.new(settings.ID_HASH_KEY.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def create_village(*, code: str, name: str) -> Village:
    return Village.objects.create(code=code, name=name)


def create_grid(*, village: Village, name: str) -> Grid:
    return Grid.objects.create(village=village, name=name)


def create_household(
    *,
    code: str,
    village: Village,
    head_name: str,
    members: int = 1,
    address: str = "",
    phone: str = "",
    grid: Grid | None = None,
    id_number: str | None = None,
) -> Household:
    return Household.objects.create(
        code=code,
        village=village,
        grid=grid,
        head_name=head_name,
        members=members,
        address=address,
        phone=phone,
        id_number_hash=hash_id_number(id_number) if id_number else "",
    )
