"""The selections plugin's part of ``make demo``: one awarded round, one taking nominations.

The awarded round is a 最美家庭 of three villages: green households
nominated by their committees, five council members voting, the results posted a
month ago, one objection dismissed, and the award entries in
the ledger. The demo's committee and council are named people without accounts
(``Actor(label=…)``, as a command's operator is), so separation of duties holds by
name. Its timestamps are moved back to the posting's weeks (the demo's history).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from plugins.selections.models import Nomination, SelectionRound, Vote
from plugins.selections.services import (
    award,
    cast_vote,
    create_round,
    decide_objection,
    file_objection,
    nominate,
    open_voting,
    post_results,
)
from township_integrity.models import Household, Village
from township_integrity.services import Actor, current_tier

REASONS = [
    "孝老爱亲，照顾瘫痪婆婆十余年",
    "邻里和睦，热心调解邻里纠纷",
    "积极参加志愿服务和垃圾分类",
    "家风淳朴，子女勤学上进",
    "庭院整洁美观，带头移风易俗",
]


def seed_demo_rounds(actor: Actor, rng: random.Random, months: list[dt.date]) -> str | None:
    """An awarded 最美家庭 round (posted a month ago); this year's 最美庭院 takes nominations."""
    if SelectionRound.objects.exists() or not months:
        return None
    villages = list(Village.objects.order_by("code")[:3])
    if not villages:
        return None
    today = timezone.localdate()
    council = [Actor(label=f"demo-council-{n}@selections.demo") for n in range(1, 6)]
    posted_on = today - dt.timedelta(days=30)
    finished = create_round(
        category="family",
        year=posted_on.year,
        village_codes=[v.code for v in villages],
        places=1,
        by=actor,
    )
    nominations = []
    for village in villages:
        committee = Actor(label=f"demo-committee-{village.code}@selections.demo")
        for household in _green(village, 3):
            nominations.append(
                nominate(finished, household=household, reason=rng.choice(REASONS), by=committee)
            )
    if not nominations:
        return None
    open_voting(finished, by=actor)
    for nomination in nominations:
        for member in council:
            cast_vote(nomination, in_favour=rng.random() < 0.7, by=member)
    _backdate(finished, posted_on)
    finished = post_results(finished, by=actor, posted_on=posted_on)
    winners = list(finished.nominations.filter(selected=True))
    if winners:
        objection = file_objection(
            winners[0],
            text="听说该户与邻居有过争执",
            name="王某某",
            phone="13800000000",
            received_on=posted_on,
        )
        decide_objection(
            objection, uphold=False, reason="经村调解员核实，双方早已和好", by=council[0]
        )
    entries = []
    if finished.posting_ends_on < today:  # a posting period of over 20 working days waits
        awarded_on = finished.posting_ends_on + dt.timedelta(days=1)
        entries = award(finished, by=actor, awarded_on=awarded_on)
    nominating = create_round(
        category="courtyard",
        year=today.year,
        village_codes=[v.code for v in villages],
        places=2,
        by=actor,
    )
    for village in villages[:1]:
        committee = Actor(label=f"demo-committee-{village.code}@selections.demo")
        for household in _green(village, 2):
            nominate(nominating, household=household, reason="庭院整洁美观", by=committee)
    return (
        f"{finished.title_zh}: {len(nominations)} nominations, {len(entries)} awarded; "
        f"{nominating.title_zh} taking nominations"
    )


def _green(village: Village, count: int) -> list[Household]:
    found = []
    for household in Household.objects.filter(village=village).order_by("code")[:60]:
        if current_tier(household) == "green":
            found.append(household)
            if len(found) == count:
                break
    return found


def _backdate(round_: SelectionRound, posted_on: dt.date) -> None:
    """The demo's history: nominations and votes in the days before the posting."""
    opened = timezone.make_aware(dt.datetime.combine(posted_on - dt.timedelta(days=7), dt.time(9)))
    SelectionRound.objects.filter(pk=round_.pk).update(
        voting_opened_at=opened, created_at=opened - dt.timedelta(days=21)
    )
    Nomination.objects.filter(round=round_).update(nominated_at=opened - dt.timedelta(days=7))
    Vote.objects.filter(nomination__round=round_).update(cast_at=opened + dt.timedelta(days=2))
