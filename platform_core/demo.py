"""Realistic demo data: one county, Hongqiao at the seed's scale and a smaller township.

Deterministic (fixed random seed), idempotent (an onboarded township is left as
it is), and only for PLATFORM_MODE=demo or test.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django_tenants.utils import tenant_context

from platform_core.accounts.models import Membership, Role
from platform_core.households.models import Grid, Household, Village
from tenants.models import County, Township
from tenants.services import onboard_township

COUNTY_CODE = "330502"
COUNTY_NAME = "示范县"
COUNTY_ADMIN = ("county@demo.local", "demo-county")

SURNAMES = "俞王李张陈沈钱吴周徐朱杨孙胡金姚施费潘邱严蒋谢顾许何韩冯曹"
GIVEN = "国建华明伟芳英红平军强林杰娟敏玉兰春海荣新根福宝金水生德文"
VILLAGE_NAMES = [
    "太湖村",
    "洪桥村",
    "新塘村",
    "百步村",
    "陈湾村",
    "西山村",
    "东港村",
    "桥头村",
    "南庄村",
    "北漾村",
    "横山村",
    "杨家埠村",
    "白莲村",
    "石桥村",
    "长田村",
    "湖滨社区",
    "渔港村",
    "花园村",
]


@dataclass(frozen=True)
class DemoTownship:
    code: str
    name: str
    slug: str
    villages: int
    households_per_village: int
    admin: tuple[str, str]


DEMO_TOWNSHIPS = [
    DemoTownship(
        "330502103", "洪桥镇", "hongqiao", 18, 600, ("admin@hongqiao.demo", "demo-hongqiao")
    ),
    DemoTownship("330502104", "和平镇", "heping", 4, 300, ("admin@heping.demo", "demo-heping")),
]


def seed(progress: Callable[[str], None] = print) -> list[Township]:
    """Create the demo county and townships that do not exist yet."""
    if settings.PRODUCTION:
        raise RuntimeError("Demo data is only created in PLATFORM_MODE=demo or test.")
    county, _ = County.objects.get_or_create(code=COUNTY_CODE, defaults={"name": COUNTY_NAME})
    _ensure_user(*COUNTY_ADMIN, superuser=True)
    Membership.objects.get_or_create(
        user=get_user_model().objects.get(username=COUNTY_ADMIN[0]),
        township=None,
        role=Role.COUNTY_ADMIN,
        village_code="",
    )
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
