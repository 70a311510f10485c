"""The mediation plugin's part of ``make demo``: a handful of cases per village station."""

from __future__ import annotations

import datetime as dt
import random

from django.db import connection
from django.utils import timezone

from plugins.mediation.conf import DEMO_DISPUTES
from plugins.mediation.services import (
    accept,
    reach_agreement,
    record_follow_up,
    record_session,
    refer,
    request_mediation,
)
from township_integrity.models import Household, Village
from township_integrity.services import Actor

# What becomes of a demo case: still requested, accepted with a session, settled,
# settled and followed up (held / not held), referred elsewhere.
FATES = ("requested", "accepted", "settled", "held", "held", "not_held", "court", "petition")


def seed_demo_cases(actor: Actor, rng: random.Random, months: list[dt.date]) -> str:
    """Four cases per village in the last months, in various states.

    Draws from a generator of its own (seeded by the township's code), not from the
    shared ``rng``: adding this plugin leaves the other plugins' demo data as it was.
    """
    own = random.Random(f"mediation-{connection.tenant.code}")
    now = timezone.now()
    made = 0
    for village in Village.objects.order_by("code"):
        heads = list(
            Household.objects.filter(village=village)
            .order_by("code")
            .values_list("head_name", flat=True)[:20]
        ) or ["村民"]
        for n in range(4):
            fate = own.choice(FATES)
            category = own.choice(list(DEMO_DISPUTES))
            start = now - dt.timedelta(days=own.randint(40, 150), hours=own.randint(0, 8))
            phone = f"13{own.randint(100000000, 999999999)}"
            case = request_mediation(
                village=village,
                applicant_name=own.choice(heads),
                phone=phone,
                phone_again=phone,
                other_party=own.choice(heads) if n % 2 else "",
                category=category,
                description=own.choice(DEMO_DISPUTES[category]),
                at=start,
            )
            made += 1
            if fate == "requested":
                continue
            at = start + dt.timedelta(days=1)
            accept(case, by=actor, phone_confirmed=True, note="已电话联系申请人", at=at)
            at += dt.timedelta(days=own.randint(2, 6))
            record_session(
                case, by=actor, on=timezone.localdate(at), note="双方到和治楼当面调解", at=at
            )
            if fate == "accepted":
                continue
            at += dt.timedelta(days=own.randint(1, 5))
            if fate in ("court", "petition"):
                to = "court" if fate == "court" else "petition_office"
                refer(case, by=actor, to=to, note="双方分歧较大，调解不成", at=at)
                continue
            reach_agreement(case, by=actor, text="双方自愿达成调解协议，按约履行。", at=at)
            if fate == "settled":
                continue
            at += dt.timedelta(days=own.randint(10, 15))
            held = fate == "held"
            note = "回访：协议已履行" if held else "回访：一方未按约履行"
            record_follow_up(case, by=actor, on=timezone.localdate(at), held=held, note=note, at=at)
    return f"{made} mediation cases"
