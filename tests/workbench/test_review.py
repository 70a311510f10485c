"""The council's queues in the workbench: entries to review and objections to decide."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.scoring.models import Objection, ScoreEvent
from platform_core.scoring.services import file_objection, record_entry
from tests import factories as f
from tests.workbench.conftest import work


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


@pytest.fixture
def pending(world):
    """Three proposed entries by a grid worker of V01, one by the council member, one in V02."""
    with tenant_context(world):
        grid = f.person("grid", "grid_worker", "V01")
        council = f.person("council", "council_member")
        for code, by in (
            ("V01-0001", grid),
            ("V01-0002", grid),
            ("V01-0003", grid),
            ("V02-0001", council),
        ):
            record_entry(
                household=f.household(code),
                rule=f.rule("PS-01"),
                occurred_on=timezone.localdate(),
                recorder=by,
                source="staff",
                evidence="seen",
                review=True,
            )
    return {"grid": grid, "council": council}


def test_the_council_approves_in_bulk_and_rejects_with_a_reason(world, pending, signed_in):
    client = signed_in(pending["council"])
    page = client.get(work(world, "review/"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("data-entry=") == 3  # its own V02 entry is not offered
    with tenant_context(world):
        ids = list(
            ScoreEvent.objects.filter(household__village__code="V01")
            .order_by("id")
            .values_list("pk", flat=True)
        )
    reply = client.post(
        work(world, "review/"),
        {"submission": key(page), "action": "reject", "entries": [ids[0]], "reason": ""},
    )
    assert reply.status_code == 302
    with tenant_context(world):
        assert ScoreEvent.objects.get(pk=ids[0]).status == "proposed"  # no reason: nothing done
    page = client.get(work(world, "review/"))
    client.post(
        work(world, "review/"),
        {
            "submission": key(page),
            "action": "reject",
            "entries": [ids[0]],
            "reason": "photo shows another house",
        },
    )
    page = client.get(work(world, "review/"))
    data = {"submission": key(page), "action": "approve", "entries": ids[1:]}
    client.post(work(world, "review/"), data)
    client.post(work(world, "review/"), data)  # a double submit changes nothing twice
    with tenant_context(world):
        statuses = dict(ScoreEvent.objects.filter(pk__in=ids).values_list("pk", "status"))
        assert statuses == {ids[0]: "rejected", ids[1]: "approved", ids[2]: "approved"}
        assert ScoreEvent.objects.get(pk=ids[1]).reviewed_by_id == pending["council"].user.pk


def test_nobody_reviews_their_own_entry_even_by_posting_its_id(world, pending, signed_in):
    client = signed_in(pending["council"])
    with tenant_context(world):
        own = ScoreEvent.objects.get(household__code="V02-0001")
    page = client.get(work(world, "review/"))
    client.post(
        work(world, "review/"), {"submission": key(page), "action": "approve", "entries": [own.pk]}
    )
    with tenant_context(world):
        own.refresh_from_db()
        assert own.status == "proposed"


def test_wrong_roles_and_other_townships_are_refused(world, township_b, pending, signed_in):
    assert signed_in(pending["grid"]).get(work(world, "review/")).status_code == 403
    assert signed_in(pending["grid"]).get(work(world, "objections/")).status_code == 403
    assert signed_in(pending["council"]).get(work(township_b, "review/")).status_code == 403
    with tenant_context(world):
        committee = f.person("v2", "village_committee", "V02")
    html = signed_in(committee).get(work(world, "review/")).content.decode()
    assert html.count("data-entry=") == 1  # V02 only


def test_an_objection_is_upheld_with_a_reason_and_the_deduction_reversed(world, signed_in):
    with tenant_context(world):
        grid = f.person("grid", "grid_worker", "V01")
        council = f.person("council", "council_member")
        home = f.person("home", "household", "V01", household_code="V01-0001")
        deduction = f.approved("V01-0001", "P7-02", timezone.localdate(), by=grid)
        objection = file_objection(deduction, by=home, reason="it was the neighbour")
    client = signed_in(council)
    listing = client.get(work(world, "objections/"))
    assert f'data-objection="{objection.pk}"' in listing.content.decode()
    page = client.get(work(world, f"objections/{objection.pk}/"))
    refused = client.post(
        work(world, f"objections/{objection.pk}/"),
        {"submission": key(page), "decision": "uphold", "reason": ""},
    )
    assert refused.status_code == 400
    assert "required" in refused.content.decode().split('data-field="reason"')[1]
    reply = client.post(
        work(world, f"objections/{objection.pk}/"),
        {
            "submission": key(page),
            "decision": "uphold",
            "reason": "the photo shows the neighbour's door",
        },
    )
    assert reply.status_code == 302
    with tenant_context(world):
        objection.refresh_from_db()
        assert objection.status == Objection.Status.UPHELD
        deduction.refresh_from_db()
        assert deduction.status == "reversed"
    assert signed_in(grid).get(work(world, f"objections/{objection.pk}/")).status_code == 403
    assert client.get(work(world, "objections/999999/")).status_code == 404


def test_the_queue_pages_in_date_order_without_gaps_and_a_bad_page_shows_the_first(
    world, pending, signed_in
):
    """The page's entries are chosen by id, then fetched: the order and the paging hold."""
    client = signed_in(pending["council"])
    with tenant_context(world):
        expected = [
            str(pk)
            for pk in ScoreEvent.objects.filter(household__village__code="V01")
            .order_by("occurred_on", "id")
            .values_list("pk", flat=True)
        ]
    shown = []
    for number in (1, 2):
        html = client.get(work(world, f"review/?size=2&page={number}")).content.decode()
        shown += re.findall(r'<tr data-entry="(\d+)">', html)
    assert shown == expected
    html = client.get(work(world, "review/?size=2&page=x")).content.decode()
    assert re.findall(r'<tr data-entry="(\d+)">', html) == expected[:2]
    assert "3 entries await your review." in html
