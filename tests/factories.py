"""Small builders for engine tests (call them inside a township's schema)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.db import connection

from platform_core.accounts.services import grant_role
from platform_core.actors import Actor
from platform_core.households import services as households
from platform_core.households.models import Household, Village
from platform_core.scoring.models import Rule
from platform_core.scoring.services import record_entry, review_entry

_users = itertools.count(1)


def person(
    name: str | None = None, role: str | None = "council_member", village_code: str = "", **scope
) -> Actor:
    """A user with ``role`` in the township whose schema is active (None: no role).

    ``scope``: ``household_code`` for the household role, ``alliance_member_code``
    for the alliance member role.
    """
    name = name or f"staff{next(_users)}"
    email = f"{name}@test.local"
    user = get_user_model().objects.create_user(username=email, email=email)
    if role:
        grant_role(user, connection.tenant, role, village_code, **scope)
    return Actor.of(user)


NAMES = ["俞国明", "沈红", "张小英", "李建国", "王芳", "陈志强"]


def village(code: str = "V01", name: str = "太湖村", size: int = 3) -> Village:
    """A village with one grid and ``size`` households coded ``<code>-0001`` ..."""
    created = households.create_village(code=code, name=name)
    grid = households.create_grid(village=created, name="第1网格")
    for n in range(size):
        households.create_household(
            code=f"{code}-{n + 1:04d}", village=created, grid=grid, head_name=NAMES[n % len(NAMES)]
        )
    return created


def household(code: str) -> Household:
    return Household.objects.get(code=code)


def rule(code: str) -> Rule:
    return Rule.objects.get(code=code)


def approved(
    code: str, rule_code: str, on: dt.date, points: int | None = None, by=None, reviewer=None
):
    """An approved entry recorded by one person and approved by another (under a rule
    that needs a formal finding, with one found that day after a warning the day before)."""
    by = by or person()
    reviewer = reviewer or person()
    found = rule(rule_code)
    entry = record_entry(
        household=household(code),
        rule=found,
        occurred_on=on,
        recorder=by,
        source="staff",
        evidence="seen by the grid worker",
        points=points,
        finding=finding(on) if found.requires_finding else None,
    )
    if entry.status == "proposed":
        review_entry(entry, reviewer=reviewer, approve=True)
    entry.refresh_from_db()
    return entry


def finding(found_on: dt.date) -> dict:
    """A formal finding of ``found_on``, the petitioner warned the day before."""
    return {
        "authority": "县信访局",
        "document_number": f"信认字〔{found_on.year}〕1号",
        "found_on": found_on,
        "warned_on": found_on - dt.timedelta(days=1),
        "warning": "已告知：继续无理信访将扣减诚信积分",
    }
