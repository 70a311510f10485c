"""Issue 13, finding 2: idempotency keys are scoped, and a retry never reads someone else's row.

``recordEntry`` with an ``externalId`` returns the existing entry only for the same
source, household and rule; anything else is refused on ``externalId`` without
naming the other entry. The wallet's spend references, the points shop's order
references and ledger imports follow the same rule.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from platform_core.scoring.imports import import_score_events
from platform_core.scoring.models import ScoreEvent, WalletSpend
from platform_core.scoring.services import (
    ExternalIdConflict,
    LedgerError,
    record_entry,
    spend_points,
)
from platform_core.tabular import TableError
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for

pytestmark = pytest.mark.django_db

D = dt.date

RECORD = """mutation($household: String!, $rule: String!, $ext: String) {
  recordEntry(householdCode: $household, ruleCode: $rule, occurredOn: "2026-03-05",
              evidence: "seen", externalId: $ext) {
    entry { id status evidence recordedByLabel householdCode }
    errors { field code message }
  }
}"""


@pytest.fixture
def jia(township_a, in_township):
    with in_township(township_a):
        f.village()
        f.village("V05", "白雀村", size=2)
    return township_a


def _record(township, token, household: str, ext: str | None, rule: str = "P7-03") -> dict:
    variables = {"household": household, "rule": rule, "ext": ext}
    return gql(Client(), endpoint(township), RECORD, variables, token=token)


def test_finding_2_record_entry_idempotency_is_scoped_to_household_and_rule(jia):
    """The issue's case: V01's grid worker reuses an external id of a V05 entry."""
    v05 = token_for(jia, "gw5@jia.test", "grid_worker", "V05")
    v01 = token_for(jia, "gw1@jia.test", "grid_worker", "V01")
    theirs = _record(jia, v05, "V05-0001", "feed-17")["data"]["recordEntry"]
    assert theirs["errors"] == [] and theirs["entry"]["householdCode"] == "V05-0001"

    probe = _record(jia, v01, "V01-0001", "feed-17")
    payload = probe["data"]["recordEntry"]
    assert payload["entry"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("externalId", "REFUSED")
    assert "feed-17 is already used by another entry" in error["message"]
    assert "V05" not in str(probe) and "gw5@" not in str(probe)  # nothing of the other entry

    # The same event again (same household and rule): the first entry, once.
    again = _record(jia, v05, "V05-0001", "feed-17")["data"]["recordEntry"]
    assert again["errors"] == [] and again["entry"]["id"] == theirs["entry"]["id"]
    # The same household under another rule is another event: refused too.
    other_rule = _record(jia, v05, "V05-0001", "feed-17", rule="P7-04")["data"]["recordEntry"]
    assert other_rule["errors"][0]["field"] == "externalId"


def test_finding_2_the_same_key_in_another_township_is_another_entry(jia, township_b, in_township):
    with in_township(township_b):
        f.village()
    here = token_for(jia, "gw@jia.test", "grid_worker", "V01")
    there = token_for(township_b, "gw@yi.test", "grid_worker", "V01")
    first = _record(jia, here, "V01-0001", "feed-1")["data"]["recordEntry"]
    second = _record(township_b, there, "V01-0001", "feed-1")["data"]["recordEntry"]
    assert first["errors"] == second["errors"] == []
    with in_township(township_b):
        assert ScoreEvent.objects.get(external_id="feed-1").recorded_by_label.startswith("gw@yi")


def test_finding_2_wrong_role_and_bad_input_are_refused_before_any_lookup(jia):
    v05 = token_for(jia, "gw5@jia.test", "grid_worker", "V05")
    _record(jia, v05, "V05-0001", "feed-9")
    household = token_for(jia, "head@jia.test", "household", household_code="V01-0001")
    assert codes(_record(jia, household, "V01-0001", "feed-9")) == ["FORBIDDEN"]
    # A grid worker of V01 cannot reach V05's household at all.
    v01 = token_for(jia, "gw1@jia.test", "grid_worker", "V01")
    hidden = _record(jia, v01, "V05-0001", "feed-9")["data"]["recordEntry"]
    assert hidden["entry"] is None and hidden["errors"][0]["field"] == "householdCode"
    unknown_rule = _record(jia, v01, "V01-0001", "feed-9", rule="NOPE")["data"]["recordEntry"]
    assert unknown_rule["errors"][0]["field"] == "ruleCode"


def test_finding_2_the_service_refuses_a_key_of_another_household(jia, in_township):
    with in_township(jia):
        staff = f.person()
        common = {
            "rule": f.rule("P7-03"),
            "occurred_on": D(2026, 3, 5),
            "recorder": staff,
            "source": "feed",
            "evidence": "seen",
            "external_id": "k-1",
        }
        first = record_entry(household=f.household("V05-0001"), **common)
        assert record_entry(household=f.household("V05-0001"), **common).pk == first.pk
        with pytest.raises(ExternalIdConflict, match="another household or rule"):
            record_entry(household=f.household("V01-0001"), **common)
        # Another source may use the same key.
        other = record_entry(household=f.household("V01-0001"), **{**common, "source": "other"})
        assert other.pk != first.pk


def test_finding_2_a_wallet_reference_is_scoped_to_its_household(jia, in_township):
    with in_township(jia):
        for code in ("V01-0001", "V05-0001"):
            f.approved(code, "VO-03", D(2026, 3, 2))  # +10 in each wallet
        mine, theirs = f.household("V01-0001"), f.household("V05-0001")
        first = spend_points(theirs, amount=4, reference="r-1", description="soap", by=f.person())
        again = spend_points(theirs, amount=4, reference="r-1", description="soap", by=f.person())
        assert again.pk == first.pk
        with pytest.raises(LedgerError, match="r-1 is already used by another spend"):
            spend_points(mine, amount=4, reference="r-1", description="soap", by=f.person())
        with pytest.raises(LedgerError, match="another household or amount"):
            spend_points(theirs, amount=5, reference="r-1", description="soap", by=f.person())
        assert WalletSpend.objects.count() == 1


def test_finding_2_an_import_refuses_a_key_of_another_household(jia, in_township, tmp_path):
    with in_township(jia):
        staff = f.person()
        record_entry(
            household=f.household("V05-0001"),
            rule=f.rule("P7-03"),
            occurred_on=D(2026, 3, 5),
            recorder=staff,
            source="import",
            evidence="earlier",
            external_id="ev-1",
        )
        same = tmp_path / "same.csv"
        same.write_text(
            "household_code,rule_code,occurred_on,external_id\n"
            "V05-0001,P7-03,2026-03-05,ev-1\nV01-0001,P7-03,2026-03-05,ev-2\n",
            encoding="utf-8",
        )
        result = import_score_events(same, operator=staff)
        assert (result.recorded, result.skipped) == (1, 1)
        other = tmp_path / "other.csv"
        other.write_text(
            "household_code,rule_code,occurred_on,external_id\n"
            "V01-0002,P7-03,2026-03-05,ev-1\nV01-0003,P7-03,2026-03-05,ev-3\n",
            encoding="utf-8",
        )
        with pytest.raises(TableError) as refused:
            import_score_events(other, operator=staff)
        assert "row 2" in str(refused.value) and "ev-1 is already used by another entry" in str(
            refused.value
        )
        assert not ScoreEvent.objects.filter(external_id="ev-3").exists()  # nothing written
