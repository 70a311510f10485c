"""Found by the role matrix: who may be assigned as an evaluator, and objections filed by
staff. An evaluator must hold the evaluator role for the round's village in this township;
an unknown e-mail and a person without the role get the same answer (no account probing);
staff objecting for a household are recorded as objecting on its behalf."""

from __future__ import annotations

import pytest
from django.utils import timezone

from platform_core.actors import Actor
from platform_core.evaluation.models import Assignment
from platform_core.evaluation.services import EvaluationError, assign_linked_households, open_round
from platform_core.scoring.services import file_objection
from tests import factories as f
from tests.api import endpoint, gql, member

ASSIGN = """
mutation($round: ID!, $email: String!) {
  assignHouseholds(roundId: $round, evaluatorEmail: $email, householdCodes: ["V01-0001"]) {
    assigned errors { field code message }
  }
}"""


def test_only_an_evaluator_of_the_village_is_assigned(township_a, in_township):
    with in_township(township_a):
        f.village("V01")
        f.village("V02", "南浔村")
        round_ = open_round(f.household("V01-0001").village, timezone.localdate(), by=Actor.cli())
        elsewhere = f.person("pm-v02", "party_member", "V02").user
        grid = f.person("grid", "grid_worker", "V01").user
        evaluator = f.person("pm-v01", "party_member", "V01").user
        for user in (elsewhere, grid):
            with pytest.raises(EvaluationError, match="is not a party-member evaluator of"):
                assign_linked_households(round_, user, [f.household("V01-0001")], by=Actor.cli())
        assert (
            assign_linked_households(round_, evaluator, [f.household("V01-0001")], by=Actor.cli())
            == 1
        )
        assert Assignment.objects.get().evaluator_id == evaluator.pk


def test_the_api_answers_unknown_and_role_less_people_alike(client, township_a, in_township):
    from graphql_api.core import TownshipGlobalID

    with in_township(township_a):
        f.village("V01")
        round_ = open_round(f.household("V01-0001").village, timezone.localdate(), by=Actor.cli())
        round_id = TownshipGlobalID.to_global_id("EvaluationRound", round_.pk)
    client.force_login(member(township_a, "admin-x@jia.test", "township_admin"))
    replies = []
    for email in ("no-such-person@nowhere.test", "admin-x@jia.test"):
        body = gql(client, endpoint(township_a), ASSIGN, {"round": round_id, "email": email})
        errors = body["data"]["assignHouseholds"]["errors"]
        assert [e["field"] for e in errors] == ["evaluatorEmail"]
        replies.append(errors[0]["message"].replace(email, "<email>"))
    assert replies[0] == replies[1]


def test_staff_objecting_for_a_household_do_so_on_its_behalf(township_a, in_township):
    with in_township(township_a):
        f.village("V01")
        grid = f.person("grid", "grid_worker", "V01")
        deduction = f.approved("V01-0001", "P7-02", timezone.localdate())
        objection = file_objection(deduction, by=grid, reason="the head was away")
        assert objection.on_behalf  # not recorded as the household's own objection
