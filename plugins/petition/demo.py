"""The petition plugin's part of ``make demo``: half a year of cases through their loop,
and the same months a year before (more cases: a visible year-on-year drop)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from plugins.petition.conf import DEMO_CASE_SUMMARIES
from plugins.petition.loop import record_follow_up
from plugins.petition.services import advance, determine, receive_case, warn_petitioner
from township_integrity.models import Household
from township_integrity.services import Actor

# The kinds of the demo's cases, drawn with these weights (half of them 12345 calls).
KINDS = ("hotline", "hotline", "online", "petition")
# The demo's follow-up answers (satisfaction, score), drawn 7 : 2 : 1.
DEMO_FOLLOW_UPS = (("satisfied", 5), ("basically_satisfied", 3), ("unsatisfied", 2))


def seed_demo_cases(actor: Actor, rng: random.Random, months: list[dt.date]) -> str:
    """3–8 cases a month, each closed at its follow-up call; about four in ten petitions
    determined unreasonable. The same months a year before hold 7–11 cases each (closed,
    none determined), so the dashboards' year-on-year figures show a drop, as the seed's
    "12345同比下降" does; this month so far holds a few open cases, and the same days a
    year before more (``_this_month_so_far``)."""
    households = list(Household.objects.order_by("?")[:40])
    cases = 0
    for month in months:
        for n in range(rng.randint(3, 8)):
            _demo_case(actor, rng, households, month, n, determine_some=True)
            cases += 1
    earlier = 0
    for month in months:
        a_year_before = month.replace(year=month.year - 1)
        for n in range(rng.randint(7, 11)):
            _demo_case(actor, rng, households, a_year_before, n, determine_some=False)
            earlier += 1
    now, before = _this_month_so_far(actor, households)
    return (
        f"{cases + now} petition and hotline cases ({now} open this month; "
        f"{earlier + before} in the same days last year)"
    )


def _this_month_so_far(actor: Actor, households: list) -> tuple[int, int]:
    """This month's cases up to yesterday, still open, and more on the same days a year
    before (closed), so the year on year reads as a drop whenever the demo is seeded,
    January included (its finished months are then all of last year). A generator of its
    own: the other plugins' demo data stays the same. (This month's, last year's) count."""
    today = timezone.localdate()
    if today.day == 1 or not households:
        return 0, 0
    rng = random.Random(today.toordinal())
    first = today.replace(day=1)
    kinds = ["hotline", *(rng.choice(KINDS) for _ in range(rng.randint(1, 3)))]
    for n, kind in enumerate(kinds):
        _received_case(actor, rng, households, first, n, days=today.day - 1, kind=kind)
    # A year before: each of this month's kinds, and one more of every kind.
    before = [*kinds, "hotline", "online", "petition"]
    a_year_before = first.replace(year=first.year - 1)
    for n, kind in enumerate(before):
        _demo_case(
            actor,
            rng,
            households,
            a_year_before,
            n,
            determine_some=False,
            days=today.day - 1,
            kind=kind,
        )
    return len(kinds), len(before)


def _demo_case(
    actor: Actor,
    rng: random.Random,
    households: list,
    month: dt.date,
    n: int,
    *,
    determine_some: bool,
    days: int = 27,
    kind: str = "",
) -> None:
    case = _received_case(actor, rng, households, month, n, days=days, kind=kind)
    at = case.received_at
    for status in ("assigned", "handling", "responded"):
        at += dt.timedelta(hours=rng.randint(2, 48))
        advance(case, status, by=actor, at=at, note="按期办理")
    # The follow-up call (回访) closes the case: mostly satisfied, some not.
    at += dt.timedelta(hours=rng.randint(2, 48))
    satisfied, score = rng.choices(DEMO_FOLLOW_UPS, weights=(7, 2, 1))[0]
    record_follow_up(case, actor, "电话回访，已告知办理结果", score, satisfied, at=at)
    if not determine_some:
        return
    warned = at + dt.timedelta(hours=1)
    found_on = timezone.localdate(warned) + dt.timedelta(days=rng.randint(3, 20))
    if (
        case.kind == "petition"
        and rng.random() < 0.4
        and warned <= timezone.now()
        and found_on <= timezone.localdate()
    ):
        # 先提醒、后扣分: the warning first, the deduction on a later formal finding.
        warn_petitioner(
            case, warning="已告知信访人：继续无理上访将扣减诚信积分。", by=actor, at=warned
        )
        determine(
            case,
            "unreasonable",
            reviewer=actor,
            reason="诉求已依法处理完毕，仍反复上访",
            finding={
                "authority": "县信访局",
                "document_number": f"信认字〔{found_on.year}〕{case.pk}号",
                "found_on": found_on,
            },
        )


def _received_case(
    actor: Actor,
    rng: random.Random,
    households: list,
    month: dt.date,
    n: int,
    *,
    days: int,
    kind: str = "",
):
    """A case received on one of the first ``days`` days of ``month`` (open)."""
    household = rng.choice(households)
    kind = kind or rng.choice(KINDS)
    received = timezone.make_aware(dt.datetime.combine(month, dt.time(9)))
    received += dt.timedelta(days=rng.randrange(days), hours=rng.randrange(8))
    return receive_case(
        kind=kind,
        reference=f"{month:%Y%m}-{n + 1:03d}",
        village=household.village,
        household=household,
        petitioner_name=household.head_name,
        summary=rng.choice(DEMO_CASE_SUMMARIES),
        received_at=received,
        by=actor,
    )
