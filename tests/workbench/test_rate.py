"""Evaluators rate this month's assigned households on one list screen."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.evaluation.models import Assignment, EvaluationRound
from platform_core.evaluation.services import assign_linked_households, open_round
from platform_core.households.models import Village
from platform_core.scoring.models import ScoreEvent
from tests import factories as f
from tests.workbench.conftest import work


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


def row_of(html: str, code: str) -> str:
    return html.split(f'data-household="{code}"')[1].split("</li>")[0]


@pytest.fixture
def people(world):
    """A party member of V01 assigned the three V01 households, another one of V02."""
    with tenant_context(world):
        party = f.person("party", "party_member", "V01")
        other = f.person("party2", "party_member", "V02")
        month = timezone.localdate().replace(day=1)
        v01 = open_round(Village.objects.get(code="V01"), month, by=Actor.cli())
        v02 = open_round(Village.objects.get(code="V02"), month, by=Actor.cli())
        assign_linked_households(
            v01,
            party.user,
            [f.household(c) for c in ("V01-0001", "V01-0002", "V01-0003")],
            by=Actor.cli(),
        )
        assign_linked_households(v02, other.user, [f.household("V02-0001")], by=Actor.cli())
        return {
            "party": party,
            "other": other,
            "leader": f.person("leader", "group_leader", "V01"),
            "grid": f.person("grid", "grid_worker", "V01"),
            "council": f.person("council", "council_member"),
            "home": f.person("home", "household", "V01", household_code="V01-0001"),
            "rounds": (v01, v02),
        }


def ids(township, *codes: str) -> dict[str, int]:
    with tenant_context(township):
        households = {c: f.household(c).pk for c in codes}
        round_ = EvaluationRound.objects.get(village__code=codes[0][:3])
    return {c: f"{round_.pk}_{pk}" for c, pk in households.items()}


def test_an_evaluator_rates_the_list_at_once_and_refusals_stay_at_their_household(
    world, people, signed_in
):
    client = signed_in(people["party"])
    home = client.get(work(world)).content.decode()
    assert '<span class="badge">3</span>' in home.split('data-waiting="rate"')[1].split("</li>")[0]
    page = client.get(work(world, "rate/"))
    html = page.content.decode()
    assert page.status_code == 200 and html.count("data-household=") == 3
    assert "V02-0001" not in html  # another evaluator's
    k = ids(world, "V01-0001", "V01-0002", "V01-0003")
    with tenant_context(world):
        rule = f.rule("PS-01").pk
    reply = client.post(
        work(world, "rate/"),
        {
            "submission": key(page),
            f"rating_{k['V01-0001']}": "none",
            f"rating_{k['V01-0002']}": str(rule),
            f"evidence_{k['V01-0002']}": "on patrol every night",
            f"rating_{k['V01-0003']}": str(rule),
            f"evidence_{k['V01-0003']}": "",  # refused by the service: evidence is required
        },
    )
    assert reply.status_code == 400
    html = reply.content.decode()
    assert "2 households rated." in html
    assert "evidence is required" in row_of(html, "V01-0003")
    assert "data-done" in row_of(html, "V01-0001") and "data-done" in row_of(html, "V01-0002")
    with tenant_context(world):
        entry = ScoreEvent.objects.get()
        assert entry.household.code == "V01-0002" and entry.status == "proposed"
        assert entry.source == "evaluation" and entry.evaluation_round == people["rounds"][0]
        rated = set(
            Assignment.objects.filter(rated_at__isnull=False).values_list(
                "household__code", flat=True
            )
        )
        assert rated == {"V01-0001", "V01-0002"}
    # Corrected and sent again: only the refused household is still offered.
    data = {
        "submission": key(reply),
        f"rating_{k['V01-0001']}": "none",  # done already: ignored
        f"rating_{k['V01-0003']}": str(rule),
        f"evidence_{k['V01-0003']}": "on patrol on Friday",
    }
    first = client.post(work(world, "rate/"), data)
    second = client.post(work(world, "rate/"), data)  # a double tap
    assert first.status_code == second.status_code == 302
    with tenant_context(world):
        assert ScoreEvent.objects.count() == 2
        assert not Assignment.objects.filter(
            round=people["rounds"][0], rated_at__isnull=True
        ).exists()
    done = client.get(work(world, "rate/")).content.decode()
    assert done.count("data-done") == 3 and "Send the ratings" not in done


def test_another_evaluators_household_cannot_be_rated_by_forging_its_field(
    world, people, signed_in
):
    client = signed_in(people["party"])
    page = client.get(work(world, "rate/"))
    foreign = ids(world, "V02-0001")["V02-0001"]
    reply = client.post(
        work(world, "rate/"), {"submission": key(page), f"rating_{foreign}": "none"}
    )
    assert reply.status_code == 302
    with tenant_context(world):
        assert not Assignment.objects.filter(rated_at__isnull=False).exists()


def test_a_bad_rating_choice_is_refused_at_its_household(world, people, signed_in):
    client = signed_in(people["party"])
    page = client.get(work(world, "rate/"))
    k = ids(world, "V01-0001")["V01-0001"]
    reply = client.post(work(world, "rate/"), {"submission": key(page), f"rating_{k}": "999999"})
    assert reply.status_code == 400
    assert "Select a valid choice" in row_of(reply.content.decode(), "V01-0001")
    with tenant_context(world):
        assert not Assignment.objects.filter(rated_at__isnull=False).exists()


def test_a_finalised_round_is_not_offered(world, people, signed_in):
    with tenant_context(world):
        EvaluationRound.objects.filter(pk=people["rounds"][0].pk).update(
            status=EvaluationRound.Status.FINALISED
        )
    html = signed_in(people["party"]).get(work(world, "rate/")).content.decode()
    assert "data-household=" not in html and "No household is assigned" in html


@pytest.mark.parametrize(
    ("who", "status", "rows"),
    [
        ("party", 200, 3),
        ("other", 200, 1),
        ("leader", 200, 0),  # an evaluator without assignments: an empty list
        ("grid", 403, 0),
        ("council", 403, 0),
        ("home", 403, 0),
    ],
)
def test_who_opens_the_rating_list(world, township_b, people, signed_in, who, status, rows):
    client = signed_in(people[who])
    reply = client.get(work(world, "rate/"))
    assert reply.status_code == status
    if status == 200:
        assert reply.content.decode().count("data-household=") == rows
    assert client.get(work(township_b, "rate/")).status_code == 403
