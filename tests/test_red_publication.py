"""Red publication on boards lasts at most the township's months, and repair ends it early."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Village
from platform_core.publication.models import BoardEntry
from platform_core.publication.selectors import add_months, red_publishable, red_since
from platform_core.publication.services import publish_board
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.repair import apply_for_repair, decide_repair
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


class Clock:
    """``timezone.localdate()`` without an argument answers ``day`` (moved by the test)."""

    def __init__(self, monkeypatch, day: dt.date):
        self.day = day
        real = timezone.localdate

        def localdate(value=None, timezone=None):
            return self.day if value is None else real(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def red_township(township_a, in_township, monkeypatch):
    """甲镇 on 2026-04-10 with red households published for 4 months; V01 has 俞国明
    (green), 沈红 (red since January) and 张小英 (red since March); January to March are
    finalised. No response window, no posting: not what this file tests."""
    clock = Clock(monkeypatch, D(2026, 4, 10))
    township_a.response_days = 0
    township_a.posting_days = 0
    township_a.score_window = "lifetime"
    township_a.red_publication_months = 4
    township_a.publish_red_on_board = True
    township_a.save()
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "VO-01", D(2026, 1, 5))
        f.approved("V01-0002", "P7-03", D(2026, 1, 12))
        march = f.approved("V01-0003", "P7-03", D(2026, 3, 3))
        admin = f.person("admin", role="township_admin")
        for month in (1, 2, 3):
            finalise_month(D(2026, month, 1), by=admin)
        yield clock, admin, march


def page(township) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    return client.get(f"/t/{township.code}/boards/V01/2026-Q1/").content.decode()


def test_red_publication_stops_by_itself_after_the_township_months(red_township, township_a):
    clock, admin, _ = red_township
    board = publish_board(
        Village.objects.get(code="V01"), year=2026, quarter=1, publisher=admin, township=township_a
    )
    stored = set(board.entries.filter(kind="improve").values_list("household__code", flat=True))
    assert stored == {"V01-0002", "V01-0003"}
    assert "Households to improve (2)" in page(township_a)
    # 沈红 red since January: four months end on 1 May, though she is still red.
    clock.day = D(2026, 5, 1)
    text = page(township_a)
    assert "Households to improve (1)" in text and "沈某" not in text and "张*英" in text
    clock.day = D(2026, 7, 1)  # 张小英, red since March: ended on 1 July
    assert "Households to improve (0)" in page(township_a)


def test_repair_ending_publication(red_township, township_a):
    clock, admin, march = red_township
    publish_board(
        Village.objects.get(code="V01"), year=2026, quarter=1, publisher=admin, township=township_a
    )
    application = apply_for_repair(
        march,
        by=f.person("head", role="household", household_code="V01-0003"),
        action="volunteering",
        hours=20,
        evidence="20 hours of river patrol",
    )
    clock.day = D(2026, 4, 20)
    decide_repair(application, by=f.person("council"), grant=True, reason="patrolled")
    assert "张*英" not in page(township_a)  # the repair ends her publication at once
    clock.day = D(2026, 4, 19)
    assert "张*英" in page(township_a)  # before the decision day she was still shown


def test_a_board_published_after_the_period_leaves_the_household_out(red_township, township_a):
    clock, admin, _ = red_township
    clock.day = D(2026, 7, 10)
    for month in (4, 5, 6):
        finalise_month(D(2026, month, 1), by=admin)
    board = publish_board(
        Village.objects.get(code="V01"), year=2026, quarter=2, publisher=admin, township=township_a
    )
    # Both are red in June, both runs began more than four months before: not listed.
    assert not board.entries.filter(kind=BoardEntry.Kind.IMPROVE).exists()
    assert board.includes_red


def test_the_run_and_a_partial_repair(red_township):
    clock, admin, march = red_township
    ids = dict(Village.objects.get(code="V01").households.values_list("code", "pk"))
    since = red_since(ids.values(), D(2026, 3, 1))
    assert since == {ids["V01-0002"]: D(2026, 1, 1), ids["V01-0003"]: D(2026, 3, 1)}
    assert add_months(D(2026, 11, 1), 3) == D(2027, 2, 1)
    assert add_months(D(2026, 3, 1), -36) == D(2023, 3, 1)
    application = apply_for_repair(
        march,
        by=f.person("grid", role="grid_worker", village_code="V01"),
        action="other",
        evidence="apologised in the village meeting",
    )
    decide_repair(application, by=f.person("council"), grant=True, reason="ok")
    policy = ScoringPolicy(window="lifetime", red_publication_months=4)
    household = ids["V01-0003"]

    def shown(score: int, today: dt.date) -> bool:
        return household in red_publishable(
            D(2026, 3, 1), {household: score}, today=today, policy=policy
        )

    # Red without the repaired deduction too (90 + 5 < 100): still listed.
    assert shown(90, D(2026, 4, 10))
    # Red only because of it (95 + 5 = 100, blue): no more, from the decision day on.
    assert not shown(95, D(2026, 4, 10)) and shown(95, D(2026, 4, 9))
