"""Unreasonable-petition deductions only on a formal finding (issue 16 item 10): the core's
P7-01/P7-02 (and every rule with requires_finding) are recorded only with the finding's
authority, document number and date and the advance warning, on every path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.scoring.imports import import_score_events
from platform_core.scoring.models import FormalFinding, ScoreEvent
from platform_core.scoring.services import LedgerError, record_entry
from platform_core.tabular import TableError
from tests import factories as f
from tests.api import endpoint, gql, token_for
from tests.workbench.conftest import work

pytestmark = pytest.mark.django_db

D = dt.date
FINDING = {
    "authority": "县信访局",
    "document_number": "信认字〔2026〕12号",
    "found_on": D(2026, 3, 10),
    "warned_on": D(2026, 3, 2),
    "warning": "书面告知：继续越级上访将扣减诚信积分",
}


MARCH_12 = D(2026, 3, 12)


def _record(rule="P7-01", on=MARCH_12, finding=None, **more):
    return record_entry(
        household=f.household("V01-0001"),
        rule=f.rule(rule),
        occurred_on=on,
        recorder=Actor.cli(),
        source="staff",
        evidence="县信访局认定书",
        finding=finding,
        **more,
    )


@pytest.fixture
def village_a(township_a):
    with tenant_context(township_a):
        f.village()
    return township_a


def test_p7_01_and_p7_02_need_a_formal_finding(village_a):
    with tenant_context(village_a):
        for code in ("P7-01", "P7-02"):
            with pytest.raises(LedgerError, match=f"rule {code} is recorded only on a formal"):
                _record(code)
        entry = _record("P7-01", finding=FINDING)
        finding = FormalFinding.objects.get(entry=entry)
        assert (finding.document_number, finding.found_on, finding.warned_on) == (
            "信认字〔2026〕12号",
            D(2026, 3, 10),
            D(2026, 3, 2),
        )
        # Other deductions need none.
        assert not FormalFinding.objects.filter(entry=_record("P7-03")).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"authority": " "}, "the formal finding needs authority"),
        ({"warned_on": None}, "the formal finding needs warned_on"),
        ({"warned_on": D(2026, 3, 10)}, "must be warned before the finding"),
        ({"warned_on": D(2026, 3, 11)}, "must be warned before the finding"),
        ({"found_on": D(2026, 3, 13)}, "before the finding of 2026-03-13"),
        ({"found_on": "2026-03-10"}, "are dates"),
        ({"document_number": "x" * 101}, "longer than 100"),
        ({"court": "x"}, "has no court"),
    ],
)
def test_bad_findings_are_refused_and_nothing_is_written(village_a, change, message):
    with tenant_context(village_a):
        with pytest.raises(LedgerError, match=message):
            _record(finding={**FINDING, **change})
        assert not ScoreEvent.objects.exists() and not FormalFinding.objects.exists()


def test_a_finding_belongs_to_a_deduction(village_a):
    with (
        tenant_context(village_a),
        pytest.raises(LedgerError, match="adds points: a formal finding belongs"),
    ):
        _record("VO-01", finding=FINDING)


RECORD = """mutation($finding: FormalFindingInput) {
  recordEntry(householdCode: "V01-0001", ruleCode: "P7-01", occurredOn: "2026-03-12",
              evidence: "认定书", finding: $finding) {
    entry { points finding { authority documentNumber foundOn warnedOn warning } }
    errors { field code message }
  }
}"""


def test_the_api_records_a_petition_deduction_only_with_its_finding(village_a, township_b):
    token = token_for(village_a, "vc@jia.test", "village_committee", "V01")
    url = endpoint(village_a)
    refused = gql(Client(), url, RECORD, {"finding": None}, token=token)["data"]["recordEntry"]
    assert refused["errors"][0]["field"] == "finding" and refused["entry"] is None
    finding = {
        "authority": "县信访局",
        "documentNumber": "信认字〔2026〕12号",
        "foundOn": "2026-03-10",
        "warnedOn": "2026-03-02",
        "warning": "书面告知",
    }
    late = gql(
        Client(), url, RECORD, {"finding": {**finding, "warnedOn": "2026-03-11"}}, token=token
    )
    assert "warned before the finding" in late["data"]["recordEntry"]["errors"][0]["message"]
    done = gql(Client(), url, RECORD, {"finding": finding}, token=token)["data"]["recordEntry"]
    assert (
        done["errors"] == [] and done["entry"]["finding"]["documentNumber"] == "信认字〔2026〕12号"
    )
    # Wrong role: a household cannot record; another township's token is refused.
    home = token_for(village_a, "home@jia.test", "household", household_code="V01-0001")
    assert gql(Client(), url, RECORD, {"finding": finding}, token=home)["errors"]
    other = token_for(township_b, "vc-b@yi.test", "village_committee", "V01")
    assert gql(Client(), url, RECORD, {"finding": finding}, token=other)["errors"]
    with tenant_context(village_a):
        assert FormalFinding.objects.count() == 1


def test_the_workbench_records_it_with_the_finding_fields(village_a):
    with tenant_context(village_a):
        committee = f.person("vc", "village_committee", "V01")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(committee.user)
    url = work(village_a, "record/")
    page = client.get(url).content.decode()
    assert 'name="finding_authority"' in page and 'name="warned_on"' in page
    with tenant_context(village_a):
        rule = f.rule("P7-01").pk
    form = {
        "household": "V01-0001",
        "rule": rule,
        "occurred_on": "2026-03-12",
        "evidence": "认定书",
        "submission": "s1",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400 and "recorded only on a formal finding" in refused.text
    done = client.post(
        url,
        {
            **form,
            "submission": "s2",
            "finding_authority": "县信访局",
            "finding_document": "信认字〔2026〕12号",
            "found_on": "2026-03-10",
            "warned_on": "2026-03-02",
            "warning": "书面告知",
        },
    )
    assert done.status_code == 302
    with tenant_context(village_a):
        assert FormalFinding.objects.get().entry.rule.code == "P7-01"


def test_the_import_carries_the_finding_in_five_columns(village_a, tmp_path):
    header = "户码,规则,日期,外部编号,认定机关,认定文号,认定日期,提醒日期,提醒方式\n"
    path = tmp_path / "events.csv"
    path.write_text(
        header + "V01-0001,P7-01,2026-03-12,p1,,,,,\n"
        "V01-0002,P7-02,2026-03-12,p2,县信访局,信认字1号,2026-03-10,2026-03-10,书面\n"
        "V01-0003,VO-01,2026-03-12,p3,县信访局,信认字2号,2026-03-10,2026-03-02,书面\n"
        "V01-0003,P7-01,2026-03-12,p4,县信访局,,2026-03-10,2026-03-02,书面\n",
        encoding="utf-8",
    )
    with tenant_context(village_a):
        # The cells first: the dates' order and a finding missing a cell.
        with pytest.raises(TableError) as caught:
            import_score_events(path, operator=Actor.cli(), approve=True)
        message = str(caught.value)
        assert "row 3, column 提醒日期 (warned_on)" in message
        assert "warned before the finding" in message
        assert "row 5, column 认定文号 (finding_document): missing value" in message
        path.write_text(
            header + "V01-0001,P7-01,2026-03-12,p1,,,,,\n"
            "V01-0003,VO-01,2026-03-12,p3,县信访局,信认字2号,2026-03-10,2026-03-02,书面\n",
            encoding="utf-8",
        )
        # Then the rules: a petition rule without a finding, a finding on a bonus.
        with pytest.raises(TableError) as caught:
            import_score_events(path, operator=Actor.cli(), approve=True)
        message = str(caught.value)
        assert "row 2" in message and "rule P7-01 is recorded only on a formal finding" in message
        assert "row 3" in message and "a formal finding belongs to a deduction" in message
        assert not ScoreEvent.objects.exists() and not FormalFinding.objects.exists()
        path.write_text(
            header + "V01-0001,P7-01,2026-03-12,p1,县信访局,信认字1号,2026-03-10,2026-03-02,书面\n"
            "V01-0002,P7-03,2026-03-12,p2,,,,,\n",
            encoding="utf-8",
        )
        result = import_score_events(path, operator=Actor.cli(), approve=True)
        assert result.recorded == 2
        finding = FormalFinding.objects.get()
        assert finding.entry.external_id == "p1" and finding.document_number == "信认字1号"
        # Importing the file again skips both rows and writes no second finding.
        assert import_score_events(path, operator=Actor.cli(), approve=True).recorded == 0
        assert FormalFinding.objects.count() == 1
