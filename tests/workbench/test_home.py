"""The workbench home: who gets in, and what waits for them."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.scoring.services import record_entry
from tests import factories as f
from tests.workbench.conftest import work


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    reply = client.get(work(world))
    assert reply.status_code == 302
    assert "/accounts/login/" in reply["Location"]


def test_a_council_member_sees_entries_to_review_but_not_their_own(world, signed_in):
    with tenant_context(world):
        grid = f.person("grid", "grid_worker", "V01")
        council = f.person("council", "council_member")
        for code, recorder in (("V01-0001", grid), ("V01-0002", grid), ("V01-0003", council)):
            record_entry(
                household=f.household(code),
                rule=f.rule("PS-01"),
                occurred_on=timezone.localdate(),
                recorder=recorder,
                source="staff",
                evidence="seen",
                review=True,
            )
    reply = signed_in(council).get(work(world))
    assert reply.status_code == 200
    line = reply.content.decode().split('data-waiting="review"')[1].split("</li>")[0]
    assert '<span class="badge">2</span>' in line


def test_a_person_without_a_role_here_is_refused(world, township_b, signed_in):
    with tenant_context(township_b):
        elsewhere = f.person("elsewhere", "township_admin")
    reply = signed_in(elsewhere).get(work(world))
    assert reply.status_code == 403
    assert "holds no role" in reply.content.decode()


def test_a_household_sees_its_own_lines(world, signed_in):
    with tenant_context(world):
        household = f.person("home", "household", "V01", household_code="V01-0001")
    reply = signed_in(household).get(work(world))
    assert reply.status_code == 200
    assert 'data-waiting="mine"' in reply.content.decode()
    assert 'data-waiting="review"' not in reply.content.decode()
