"""Realistic demo data: one county, Hongqiao at the seed's scale and a smaller township.

Deterministic (fixed random seed), idempotent (an onboarded township is left as
it is), and only for PLATFORM_MODE=demo or test.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from platform_core.accounts.models import Role
from platform_core.accounts.services import grant_role
from platform_core.demo_spec import (
    COUNTY_ADMIN,
    COUNTY_CODE,
    COUNTY_NAME,
    DEMO_TOWNSHIPS,
    GIVEN,
    SURNAMES,
    VILLAGE_NAMES,
    DemoTownship,
)
from platform_core.households.models import Grid, Household, Village
from tenants.models import County, Township
from tenants.services import onboard_township


def seed(progress: Callable[[str], None] = print) -> list[Township]:
    """Create the demo county and townships that do not exist yet."""
    if settings.PRODUCTION:
        raise RuntimeError("Demo data is only created in PLATFORM_MODE=demo or test.")
    county, _ = County.objects.get_or_create(code=COUNTY_CODE, defaults={"name": COUNTY_NAME})
    _ensure_user(*COUNTY_ADMIN, superuser=True)
    grant_role(get_user_model().objects.get(username=COUNTY_ADMIN[0]), None, Role.COUNTY_ADMIN)
    townships = []
    for spec in DEMO_TOWNSHIPS:
        township = Township.objects.filter(code=spec.code).first()
        if township is None:
            progress(f"Onboarding {spec.name} ({spec.code}) ...")
            _ensure_user(*spec.admin)
            township = onboard_township(
                code=spec.code,
                name=spec.name,
                county=county.code,
                slug=spec.slug,
                admin_email=spec.admin[0],
            ).township
        with tenant_context(township):
            if not Household.objects.exists():
                count = populate(spec, progress)
                progress(f"  {spec.name}: {count} households in {spec.villages} villages")
        townships.append(township)
    return townships


def _ensure_user(email: str, password: str, superuser: bool = False) -> None:
    User = get_user_model()
    if not User.objects.filter(username=email).exists():
        User.objects.create_user(
            username=email, email=email, password=password, is_staff=True, is_superuser=superuser
        )


def populate(spec: DemoTownship, progress: Callable[[str], None]) -> int:
    """Villages, grids and households of one township (inside its schema)."""
    rng = random.Random(int(spec.code))
    total = 0
    for v in range(spec.villages):
        village = Village.objects.create(code=f"V{v + 1:02d}", name=VILLAGE_NAMES[v])
        grids = Grid.objects.bulk_create(
            Grid(village=village, name=f"第{g + 1}网格") for g in range(6)
        )
        Household.objects.bulk_create(
            (_household(rng, village, grids, n) for n in range(spec.households_per_village)),
            batch_size=2000,
        )
        total += spec.households_per_village
        progress(f"  {spec.name} {village.name}: {total} households")
    return total


def _household(rng: random.Random, village: Village, grids: list[Grid], n: int) -> Household:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return Household(
        code=f"{village.code}-{n + 1:04d}",
        village=village,
        grid=grids[n % len(grids)],
        head_name=rng.choice(SURNAMES) + given,
        members=rng.choice((1, 2, 3, 3, 4, 4, 5, 6)),
        address=f"{village.name}{rng.randint(1, 40)}组{rng.randint(1, 120)}号",
        phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
    )
