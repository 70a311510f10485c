"""The township's due-process periods (issue 16, item 13): response window, posting,
objection answer period and red publication, set on the policy page and by the service."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError
from platform_core.scoring.policy import ScoringPolicy
from platform_core.townships import policy
from tenants.models import Township
from tests import factories as f
from tests.api import endpoint, gql
from tests.workbench.conftest import work
from tests.workbench.test_staff import field_error, key

BASE = {"green_above": 100, "red_below": 100, "score_window": "calendar_year", "objection_days": 15}


@pytest.fixture
def admin(world):
    with tenant_context(world):
        return f.person("boss", "township_admin")


def send(client, township, **changes):
    page = client.get(work(township, "policy/"))
    return client.post(work(township, "policy/"), {"submission": key(page), **BASE, **changes})


def test_the_administrator_sets_the_due_process_periods(world, admin, signed_in):
    client = signed_in(admin)
    html = client.get(work(world, "policy/")).content.decode()
    for name in (
        "response_days",
        "posting_days",
        "objection_answer_days",
        "red_publication_months",
    ):
        assert f'data-field="{name}"' in html
    reply = send(
        client,
        world,
        response_days=0,
        posting_days=0,
        objection_answer_days=15,
        red_publication_months=36,
    )
    assert reply.status_code == 302
    stored = Township.objects.get(pk=world.pk)
    assert (
        stored.response_days,
        stored.posting_days,
        stored.objection_answer_days,
        stored.red_publication_months,
    ) == (0, 0, 15, 36)
    assert ScoringPolicy.of(stored).objection_answer_days == 15


def test_periods_left_empty_keep_their_values(world, admin, signed_in):
    Township.objects.filter(pk=world.pk).update(response_days=4, posting_days=3)
    assert send(signed_in(admin), world, green_above=105).status_code == 302
    stored = Township.objects.get(pk=world.pk)
    assert stored.green_above == 105
    assert (stored.response_days, stored.posting_days) == (4, 3)
    assert (stored.objection_answer_days, stored.red_publication_months) == (20, 12)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"red_publication_months": 37}, "red_publication_months", "for 3 to 36 months"),
        ({"red_publication_months": 2}, "red_publication_months", "for 3 to 36 months"),
        ({"response_days": -1}, "response_days", "between 0 and 60 working days"),
        ({"posting_days": 61}, "posting_days", "between 0 and 60 working days"),
        ({"objection_answer_days": 0}, "objection_answer_days", "within 1 to 60 working days"),
        ({"objection_answer_days": "soon"}, "objection_answer_days", "Enter a whole number"),
    ],
)
def test_bad_periods_are_refused_at_their_field(world, admin, signed_in, changes, field, message):
    reply = send(signed_in(admin), world, **changes)
    assert reply.status_code == 400
    assert message in field_error(reply, field)
    stored = Township.objects.get(pk=world.pk)
    assert (stored.red_publication_months, stored.objection_answer_days) == (12, 20)


def test_the_service_refuses_bad_periods_and_other_roles(world):
    chosen = policy.Policy(100, 100, "calendar_year", 15, False, red_publication_months=37)
    with pytest.raises(PlatformError) as refused:
        policy.set_policy(world, chosen, by=Actor.cli())
    assert refused.value.field == "red_publication_months"
    with tenant_context(world):
        council = f.person("council", "council_member")
    fine = policy.Policy(100, 100, "calendar_year", 15, False, posting_days=7)
    with pytest.raises(NotAllowed):
        policy.set_policy(world, fine, by=council)
    assert Township.objects.get(pk=world.pk).posting_days == 0  # the test townships' value


def test_another_townships_administrator_cannot_set_them(world, signed_in, township_b):
    with tenant_context(township_b):
        other = f.person("b-boss", "township_admin")
    reply = signed_in(other).post(
        work(world, "policy/"), {"submission": "x", **BASE, "response_days": 9}
    )
    assert reply.status_code == 403
    with pytest.raises(NotAllowed):
        policy.set_policy(
            world, policy.Policy(100, 100, "calendar_year", 15, False, response_days=9), by=other
        )
    assert Township.objects.get(pk=world.pk).response_days == 0


def test_the_api_reads_the_periods(world, admin, signed_in):
    reply = gql(
        signed_in(admin),
        endpoint(world),
        "{ township { policy { responseDays postingDays objectionAnswerDays "
        "redPublicationMonths } } }",
    )
    assert reply["data"]["township"]["policy"] == {
        "responseDays": 0,  # the test townships' values (tests/conftest.py)
        "postingDays": 0,
        "objectionAnswerDays": 20,
        "redPublicationMonths": 12,
    }
