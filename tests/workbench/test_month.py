"""The month page: progress per village, finalising and publishing the boards."""

from __future__ import annotations

import datetime as dt

from django_tenants.utils import tenant_context

from platform_core.evaluation.models import EvaluationRound
from platform_core.publication.models import HonourBoard
from platform_core.scoring.services import record_entry
from tests import factories as f
from tests.workbench.conftest import work


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


def test_the_administrator_finalises_when_nothing_awaits_review_and_publishes_boards(
    world, signed_in
):
    with tenant_context(world):
        admin = f.person("admin", "township_admin")
        grid = f.person("grid", "grid_worker", "V01")
        waiting = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("PS-01"),
            occurred_on=dt.date(2026, 9, 10),
            recorder=grid,
            source="staff",
            evidence="seen",
            review=True,
        )
    client = signed_in(admin)
    page = client.get(work(world, "month/?month=2026-09"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-village="V01" data-status="none"' in html
    refused = client.post(
        work(world, "month/?month=2026-09"),
        {"submission": key(page), "action": "finalise"},
        follow=True,
    )
    assert "still await review" in refused.content.decode()
    with tenant_context(world):
        assert not EvaluationRound.objects.filter(status="finalised").exists()
        from platform_core.scoring.services import review_entry

        review_entry(waiting, reviewer=admin, approve=True)
    page = client.get(work(world, "month/?month=2026-09"))
    client.post(
        work(world, "month/?month=2026-09"), {"submission": key(page), "action": "finalise"}
    )
    with tenant_context(world):
        assert (
            EvaluationRound.objects.filter(period=dt.date(2026, 9, 1), status="finalised").count()
            == 2
        )
    page = client.get(work(world, "month/?month=2026-09"))
    assert "Publish the honour boards of 2026 Q3" in page.content.decode()
    data = {"submission": key(page), "action": "publish"}
    client.post(work(world, "month/?month=2026-09"), data)
    client.post(work(world, "month/?month=2026-09"), data)  # double submit: nothing twice
    with tenant_context(world):
        assert HonourBoard.objects.filter(year=2026, quarter=3).count() == 2


def test_who_sees_the_month_page(world, township_b, signed_in):
    with tenant_context(world):
        committee = f.person("v2", "village_committee", "V02")
        grid = f.person("grid", "grid_worker", "V01")
        council = f.person("council", "council_member")
    html = signed_in(committee).get(work(world, "month/")).content.decode()
    assert 'data-village="V02"' in html and 'data-village="V01"' not in html
    assert signed_in(council).get(work(world, "month/")).status_code == 200
    assert signed_in(grid).get(work(world, "month/")).status_code == 403
    assert signed_in(council).get(work(township_b, "month/")).status_code == 403
    assert signed_in(council).get(work(world, "month/?month=99999-99")).status_code == 200


def test_a_village_committee_cannot_finalise_the_township(world, signed_in):
    with tenant_context(world):
        committee = f.person("v2", "village_committee", "V02")
    client = signed_in(committee)
    page = client.get(work(world, "month/?month=2026-09"))
    reply = client.post(
        work(world, "month/?month=2026-09"),
        {"submission": key(page), "action": "finalise"},
        follow=True,
    )
    assert "may not finalise evaluation months" in reply.content.decode()
    with tenant_context(world):
        assert not EvaluationRound.objects.filter(status="finalised").exists()
