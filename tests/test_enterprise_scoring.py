"""Merchants and firms scored (issue 19, item 1): their own covenant, the same ledger
guarantees, a monthly tier of their own, a board section and alliance eligibility with
consent; and not one household figure moved by them (docs/subjects.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.alliance.lookup import subject_for_check
from platform_core.alliance.models import EligibilityCheck
from platform_core.alliance.selectors import answer_for_asker
from platform_core.alliance.services import add_member, check_eligibility, grant_consent
from platform_core.errors import NotAllowed
from platform_core.evaluation.models import EnterpriseSnapshot, HouseholdSnapshot, VillageSnapshot
from platform_core.evaluation.selectors import month_result, month_scores, official_standing
from platform_core.evaluation.services import finalise_month
from platform_core.evaluation.whatif import covenant_whatif
from platform_core.households.credit_codes import check_character
from platform_core.households.models import Enterprise, Household, Village
from platform_core.plugins.services import enable_plugin
from platform_core.publication.models import BoardEntry
from platform_core.publication.services import publish_board
from platform_core.scoring import imports
from platform_core.scoring.imports import import_score_events
from platform_core.scoring.models import EntryStatus, Rule, RuleSubjects, ScoreEvent
from platform_core.scoring.services import (
    LedgerError,
    correct_entry,
    decide_objection,
    file_objection,
    record_entry,
    review_entry,
)
from platform_core.tabular import TableError
from tests import factories as f
from tests.api import endpoint, gql, token_for
from tests.test_pages_boards import cid, pdf_text
from tests.workbench.conftest import work

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)
CREDIT_M1 = "91350100M000100Y43"  # a valid code (GB 32100-2015 check character)
NAME_M1 = "太湖村桥头农家乐"
NAME_F1 = "湖州南浔诚信竹木制品有限公司"


def credit_code(first17: str) -> str:
    return first17 + check_character(first17)


CREDIT_F1 = credit_code("91330503MA2B00010")


def merchant(code: str, name: str, credit: str, village: str = "V01", kind="merchant"):
    return Enterprise.objects.create(
        kind=kind,
        head_name=name,
        credit_code=credit,
        legal_representative="俞国明",
        village=Village.objects.get(code=village),
        code=code,
    )


def entry(subject, rule_code: str, on: dt.date, by=None, **extra) -> ScoreEvent:
    return record_entry(
        household=subject,
        rule=Rule.objects.get(code=rule_code),
        occurred_on=on,
        recorder=by or f.person(),
        source="staff",
        evidence="市场监管所检查记录",
        **extra,
    )


def approved(subject, rule_code: str, on: dt.date) -> ScoreEvent:
    recorded = entry(subject, rule_code, on)
    if recorded.status == EntryStatus.PROPOSED:
        review_entry(recorded, reviewer=f.person(), approve=True)
    recorded.refresh_from_db()
    return recorded


@pytest.fixture
def town(township_a):
    """甲镇 V01 (3 households) with merchant V01-M001 and firm V01-F001."""
    with tenant_context(township_a):
        f.village()
        merchant("V01-M001", NAME_M1, CREDIT_M1)
        merchant("V01-F001", NAME_F1, CREDIT_F1, kind="firm")
    return township_a


# --- the covenant -----------------------------------------------------------------


def test_every_township_has_the_merchants_covenant_with_its_basis(town):
    with tenant_context(town):
        rules = Rule.objects.filter(applies_to=RuleSubjects.ENTERPRISES)
        titles = set(rules.values_list("title_zh", flat=True))
        assert {"明码标价", "按时足额发放工资", "虚假宣传", "拖欠工资"} <= titles
        assert all(r.basis for r in rules) and any(r.points < 0 for r in rules)
        # The households' covenant is as it was: every other rule is theirs.
        assert Rule.objects.get(code="GS-01").applies_to == RuleSubjects.HOUSEHOLDS


def test_a_rule_of_the_other_covenant_is_refused_in_the_service(town):
    with tenant_context(town):
        m1, household = Household.subjects.get(code="V01-M001"), f.household("V01-0001")
        with pytest.raises(LedgerError, match="households' covenant") as refused:
            entry(m1, "GS-01", D(2026, 3, 2))
        assert refused.value.field == "rule"
        with pytest.raises(LedgerError, match="merchants' and firms' covenant") as refused:
            entry(household, "EB-02", D(2026, 3, 2))
        assert refused.value.field == "rule"
        assert not ScoreEvent.objects.exists()


def test_the_api_refuses_a_merchants_rule_on_a_household(town):
    token = token_for(town, "grid@jia.test", "council_member")
    body = gql(
        Client(),
        endpoint(town),
        """mutation { recordEntry(householdCode: "V01-0001", ruleCode: "EB-12",
            occurredOn: "2026-03-02", evidence: "seen") { errors { field message } } }""",
        token=token,
    )
    errors = body["data"]["recordEntry"]["errors"]
    assert errors and "merchants' and firms' covenant" in errors[0]["message"]
    with tenant_context(town):
        assert not ScoreEvent.objects.exists()


@pytest.mark.parametrize("reader", ["server", "python"])
def test_both_import_readers_refuse_the_wrong_covenant_naming_the_rule_column(
    town, tmp_path, monkeypatch, reader
):
    used = []
    server = imports._stage_on_server

    def spy(*args, **kwargs):
        rows = server(*args, **kwargs) if reader == "server" else None
        used.append(rows)
        return rows

    monkeypatch.setattr(imports, "_stage_on_server", spy)
    path = Path(tmp_path) / "ledger.csv"
    path.write_text(
        "户码,规则,日期\n"
        "V01-0001,GS-01,2026-03-02\n"  # fine
        "V01-M001,EB-02,2026-03-02\n"  # fine
        "V01-0002,EB-12,2026-03-02\n"  # a merchant's rule on a household
        "V01-F001,P7-03,2026-03-02\n",  # a household rule on a firm
        encoding="utf-8",
    )
    with tenant_context(town):
        with pytest.raises(TableError) as refused:
            import_score_events(path, operator=Actor.cli())
        text = str(refused.value)
        assert "row 4" in text and "row 5" in text and "规则" in text
        assert "rule EB-12 belongs to the merchants' and firms' covenant" in text
        assert "rule P7-03 belongs to the households' covenant" in text
        assert "row 2" not in text and "row 3" not in text
        assert not ScoreEvent.objects.exists()  # nothing half-written
        if reader == "server":
            assert used and used[0] == 4  # PostgreSQL read it
        # The right rows alone import, for the merchant as for the household.
        path.write_text(
            "户码,规则,日期\nV01-0001,GS-01,2026-03-02\nV01-M001,EB-02,2026-03-02\n",
            encoding="utf-8",
        )
        done = import_score_events(path, operator=Actor.cli(), approve=True)
        assert done.recorded == 2
        assert ScoreEvent.objects.get(household__code="V01-M001").status == "approved"


# --- the ledger, with the same guarantees ----------------------------------------------


def test_a_merchants_entries_are_reviewed_objected_noticed_and_corrected_like_a_households(
    town, django_capture_on_commit_callbacks
):
    with tenant_context(town):
        Household.subjects.filter(code="V01-M001").update(phone="13812345678")
        m1 = Household.subjects.get(code="V01-M001")
        grid = f.person("grid")
        deduction = entry(m1, "EB-12", D(2026, 3, 2), by=grid)
        assert deduction.status == EntryStatus.PROPOSED
        # Separation of duties: nobody approves what they recorded.
        with pytest.raises((LedgerError, NotAllowed)):
            review_entry(deduction, reviewer=grid, approve=True)
        with django_capture_on_commit_callbacks(execute=True):
            review_entry(deduction, reviewer=f.person("council"), approve=True)
        deduction.refresh_from_db()
        assert deduction.status == EntryStatus.APPROVED and deduction.points == -10
        # Notice before a deduction counts: the merchant is told, as a household is.
        from platform_core.notices.models import Notice

        assert Notice.objects.filter(entry=deduction).exists()
        # The database refuses to change or delete an approved entry.
        for statement in (
            "UPDATE scoring_scoreevent SET points = -1 WHERE id = %s",
            "DELETE FROM scoring_scoreevent WHERE id = %s",
        ):
            with (
                pytest.raises(IntegrityError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, [deduction.pk])
        # An objection, upheld by the council: a compensating entry, never an edit.
        representative = f.person("rep", "household", household_code="V01-M001")
        objection = file_objection(deduction, by=representative, reason="广告内容属实")
        decided = decide_objection(
            objection, decider=f.person("council2"), uphold=True, reason="核实广告属实"
        )
        deduction.refresh_from_db()
        assert deduction.status == EntryStatus.REVERSED
        assert decided.compensating_entry.points == 10
        # A positive entry approved in error is corrected the same way.
        bonus = approved(m1, "EB-02", D(2026, 3, 3))
        correction = correct_entry(bonus, by=f.person("council3"), reason="重复记录")
        assert correction.points == -bonus.points and correction.corrects_id == bonus.pk


def test_wrong_roles_on_a_merchants_ledger(town):
    with tenant_context(town):
        m1 = Household.subjects.get(code="V01-M001")
        other_head = f.person("head2", "household", household_code="V01-0002")
        with pytest.raises(NotAllowed):
            entry(m1, "EB-02", D(2026, 3, 2), by=other_head)
        proposed = entry(m1, "EB-12", D(2026, 3, 2))
        with pytest.raises(NotAllowed):
            review_entry(proposed, reviewer=other_head, approve=True)
        review_entry(proposed, reviewer=f.person(), approve=True)
        proposed.refresh_from_db()
        # Only the merchant (its representative's account) or staff object for it.
        with pytest.raises(NotAllowed):
            file_objection(proposed, by=other_head, reason="not ours")


def test_bad_input_on_a_merchants_ledger(town):
    with tenant_context(town):
        m1 = Household.subjects.get(code="V01-M001")
        with pytest.raises(LedgerError) as refused:
            entry(m1, "EB-02", D(2026, 3, 2), points=-2)
        assert refused.value.field == "points"
        with pytest.raises(LedgerError) as refused:
            record_entry(
                household=m1,
                rule=Rule.objects.get(code="EB-02"),
                occurred_on=D(2026, 3, 2),
                recorder=f.person(),
                source="staff",
                evidence=" ",
            )
        assert refused.value.field == "evidence"
        assert not ScoreEvent.objects.exists()


# --- the monthly tier ---------------------------------------------------------------


def _household_figures(village_code: str):
    rows = HouseholdSnapshot.objects.filter(village__code=village_code).order_by("household__code")
    village = VillageSnapshot.objects.get(village__code=village_code)
    return (
        [(s.household.code[-4:], s.score, s.tier, s.change, s.deductions, s.index) for s in rows],
        (village.households, village.green, village.blue, village.red, village.average_score),
    )


def test_merchants_get_their_month_and_no_household_figure_moves(township_a, tmp_path):
    """Two villages alike; V02 also has a merchant and a firm with entries. Every
    household figure of V02 equals V01's; the merchants have snapshots of their own."""
    with tenant_context(township_a):
        f.village("V01", "太湖村")
        f.village("V02", "白雀村")
        for village in ("V01", "V02"):
            f.approved(f"{village}-0001", "VO-03", D(2026, 3, 3))
            f.approved(f"{village}-0002", "P7-03", D(2026, 3, 4))
        m2 = merchant("V02-M001", NAME_M1, CREDIT_M1, village="V02")
        f2 = merchant("V02-F001", NAME_F1, CREDIT_F1, village="V02", kind="firm")
        approved(m2, "EB-01", D(2026, 3, 5))
        approved(f2, "EB-13", D(2026, 3, 6))
        approved(f2, "EB-12", D(2026, 3, 7))

        preview = month_result(MARCH)
        assert preview.households == 6  # merchants are not households
        scores = list(month_scores(MARCH))
        assert [code for code, *_ in scores] == [
            "V01-0001", "V01-0002", "V01-0003", "V02-0001", "V02-0002", "V02-0003",
        ]  # fmt: skip
        proposal = Path(tmp_path) / "proposal.csv"
        proposal.write_text(
            "code,title_zh,title_en,category,points,needs_review,active\n"
            "EB-01,守法经营,Honest,business,1,true,\n"
            "EB-13,拖欠工资,Wages,business,-50,true,\n"
            "VO-03,获评最美,Most beautiful,volunteering,10,true,false\n",
            encoding="utf-8",
        )
        checked = covenant_whatif(proposal, first=MARCH, last=MARCH, by=Actor.cli())
        assert {c.household_code for c in checked.changes} == {"V01-0001", "V02-0001"}
        assert [(v.village_code, v.households) for v in checked.villages] == [
            ("V01", 3),
            ("V02", 3),
        ]

        result = finalise_month(MARCH, by=f.person())
        assert (result.households, result.green, result.blue, result.red) == (6, 2, 2, 2)
        v01, v02 = _household_figures("V01"), _household_figures("V02")
        assert v01 == v02
        assert not HouseholdSnapshot.objects.filter(household__kind__in=["merchant", "firm"])
        month = {
            s.household.code: (s.score, s.tier, s.change, s.deductions)
            for s in EnterpriseSnapshot.objects.select_related("household")
        }
        assert month == {"V02-M001": (105, "green", None, 0), "V02-F001": (75, "red", None, 2)}
        assert official_standing(m2).tier == "green"
        # Finalising again changes nothing.
        before = list(EnterpriseSnapshot.objects.order_by("pk").values())
        again = finalise_month(MARCH, by=f.person())
        assert again.villages_finalised_now == 0
        assert list(EnterpriseSnapshot.objects.order_by("pk").values()) == before


def test_the_merchants_month_sums_only_their_own_entries(town):
    """Their scores come from each subject's own entries (the ledger's household index),
    not from the whole ledger grouped again: a month's finalisation reads the ledger once
    for households and only a few rows more for merchants and firms."""
    from platform_core.evaluation.selectors import scores_query
    from platform_core.scoring.policy import ScoringPolicy

    with tenant_context(town):
        policy = ScoringPolicy.of(town)
        plans = {}
        for enterprises in (False, True):
            sql, params = scores_query(MARCH, policy, None, enterprises=enterprises)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql, params)
                plans[enterprises] = "\n".join(row[0] for row in cursor.fetchall())
    assert "Group Key: e.household_id" in plans[False]  # households: one grouped pass
    assert "Group Key" not in plans[True] and "household_id = h.id" in plans[True]


def test_a_village_with_pending_merchant_entries_is_not_finalised(town):
    with tenant_context(town):
        entry(Household.subjects.get(code="V01-M001"), "EB-12", D(2026, 3, 2))
        with pytest.raises(Exception, match="await review"):
            finalise_month(MARCH, by=f.person())
        with pytest.raises(NotAllowed):
            finalise_month(MARCH, by=f.person("grid", "grid_worker", "V01"))


# --- the board section ----------------------------------------------------------------


@pytest.fixture
def board(town):
    with tenant_context(town):
        f.approved("V01-0001", "VO-03", D(2026, 3, 3))
        approved(Household.subjects.get(code="V01-M001"), "EB-01", D(2026, 3, 3))
        approved(Household.subjects.get(code="V01-F001"), "EB-12", D(2026, 3, 3))
        finalise_month(MARCH, by=f.person())
        publish_board(Village.objects.get(code="V01"), year=2026, quarter=1, publisher=f.person())
    return town


def test_the_board_lists_integrity_merchants_by_registered_name(board):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/t/{board.code}/boards/V01/2026-Q1/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Integrity merchants and firms (1)" in text
    assert f"<li>{NAME_M1}</li>" in text  # public, unmasked
    assert NAME_F1 not in text  # red: not an integrity firm
    assert "<li>俞*明</li>" in text and "Model households (1)" in text  # households unchanged
    with tenant_context(board):
        kinds = sorted(BoardEntry.objects.values_list("kind", flat=True))
        assert kinds == ["business", "model"]
    body = Client().get(f"/t/{board.code}/boards/V01/2026-Q1.pdf").content
    shown = pdf_text(body)
    assert cid(NAME_M1) in shown and cid("诚信商户") in shown and cid(NAME_F1) not in shown


def test_the_api_shows_the_boards_merchant_section_apart(board, township_b):
    query = """{ boards { edges { node { year quarter enterprises
        entries { kind maskedName } } } } }"""
    token = token_for(board, "viewer@jia.test", "council_member")
    (edge,) = gql(Client(), endpoint(board), query, token=token)["data"]["boards"]["edges"]
    assert edge["node"]["enterprises"] == [NAME_M1]
    assert edge["node"]["entries"] == [{"kind": "model", "maskedName": "俞*明"}]
    other = token_for(township_b, "viewer@yi.test", "council_member")
    assert gql(Client(), endpoint(township_b), query, token=other)["data"]["boards"]["edges"] == []


def test_running_totals_and_open_data_count_households_only(board):
    from platform_core.dashboard.totals import board_totals
    from platform_core.opendata.selectors import honour_total_rows

    with tenant_context(board):
        totals = board_totals()
        assert (totals.commended, totals.exposed) == (1, 0)
        assert [(y.year, y.commended) for y in totals.years] == [(2026, 1)]
        (row,) = list(honour_total_rows(MARCH, MARCH))
        assert row["commended"] == 1 and row["commended_total"] == 1


def test_a_board_without_merchants_has_no_merchant_section(township_a):
    with tenant_context(township_a):
        f.village()
        f.approved("V01-0001", "VO-03", D(2026, 3, 3))
        finalise_month(MARCH, by=f.person())
        publish_board(Village.objects.get(code="V01"), year=2026, quarter=1, publisher=f.person())
    text = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/t/{township_a.code}/boards/V01/2026-Q1/")
    assert "Integrity merchants" not in text.content.decode()


def test_another_townships_boards_and_ledger_know_nothing_of_a_merchant(board, township_b):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/t/{township_b.code}/boards/V01/2026-Q1/")
    assert page.status_code == 404 and NAME_M1 not in page.content.decode()
    with tenant_context(township_b):
        assert subject_for_check("V01-M001") is None
        assert subject_for_check(CREDIT_M1) is None
        assert not ScoreEvent.objects.exists() and not EnterpriseSnapshot.objects.exists()


def test_only_administrators_publish_the_board(town):
    with tenant_context(town):
        finalise_month(MARCH, by=f.person())
        with pytest.raises(NotAllowed):
            publish_board(
                Village.objects.get(code="V01"),
                year=2026,
                quarter=1,
                publisher=f.person("grid", "grid_worker", "V01"),
            )


# --- alliance eligibility with consent ---------------------------------------------------


@pytest.fixture
def alliance(board):
    """Restrictions on; bank B1 with a clerk; M1 green, F1 red after March."""
    enable_plugin(board, "restrictions")
    with tenant_context(board):
        add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        f.person("clerk", "alliance_member", alliance_member_code="B1")
    return board


def test_a_member_checks_a_merchant_by_credit_code_with_and_without_consent(alliance):
    with tenant_context(alliance):
        from platform_core.alliance.models import AllianceMember

        bank = AllianceMember.objects.get(code="B1")
        clerk = f.person("clerk2", "alliance_member", alliance_member_code="B1")
        firm = subject_for_check(CREDIT_F1.lower())
        assert firm.code == "V01-F001" and subject_for_check("V01-0001").code == "V01-0001"
        narrowed = check_eligibility(firm, "bank_loan", by=clerk, member=bank)
        assert narrowed.narrowed and not narrowed.eligible and narrowed.tier == "red"
        shown = answer_for_asker(narrowed)
        assert (shown.tier, shown.reason, shown.legal_basis) == ("", "", "")
        # The legal representative consents (on a signed paper form, entered by staff).
        consent = grant_consent(firm, bank, scope="standing", channel="paper", by=f.person())
        full = check_eligibility(firm, "bank_loan", by=clerk, member=bank)
        assert not full.narrowed and full.consent == consent
        assert answer_for_asker(full).tier == "red"
        green = check_eligibility(subject_for_check(CREDIT_M1), "bank_loan", by=clerk, member=bank)
        assert green.eligible and green.narrowed
        assert EligibilityCheck.objects.filter(household__kind="firm").count() == 2


def test_eligibility_of_a_merchant_through_the_workbench_and_the_api(alliance):
    with tenant_context(alliance):
        clerk = f.person("clerk3", "alliance_member", alliance_member_code="B1")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(clerk.user)
    response = client.post(
        work(alliance, "eligibility/"),
        {"household": CREDIT_M1, "benefit": "bank_loan", "institution": "B1"},
    )
    assert response.status_code == 302
    with tenant_context(alliance):
        check = EligibilityCheck.objects.get()
        assert check.household.code == "V01-M001" and check.narrowed
    token = token_for(alliance, "b1@jia.test", "alliance_member", alliance_member_code="B1")
    ask = """mutation($h: String!) { checkEligibility(householdCode: $h, benefit: "bank_loan") {
      answer { eligible narrowed } errors { field code } } }"""
    done = gql(Client(), endpoint(alliance), ask, {"h": "V01-F001"}, token=token)
    assert done["data"]["checkEligibility"]["answer"] == {"eligible": False, "narrowed": True}
    bad = gql(Client(), endpoint(alliance), ask, {"h": "91350100M000100Y44"}, token=token)
    assert bad["data"]["checkEligibility"]["errors"][0]["field"] == "householdCode"
    # A household may not ask about a merchant.
    head = token_for(alliance, "h1@jia.test", "household", household_code="V01-0001")
    refused = gql(Client(), endpoint(alliance), ask, {"h": "V01-M001"}, token=head)
    assert refused.get("errors") or refused["data"]["checkEligibility"]["errors"]


def test_eligibility_of_a_merchant_is_refused_to_wrong_roles_and_other_townships(
    alliance, township_b
):
    with tenant_context(alliance):
        from platform_core.alliance.models import AllianceMember

        bank = AllianceMember.objects.get(code="B1")
        firm = subject_for_check(CREDIT_F1)
        with pytest.raises(NotAllowed):
            check_eligibility(
                firm,
                "bank_loan",
                by=f.person("head", "household", household_code="V01-0001"),
                member=bank,
            )
    token = token_for(township_b, "b@yi.test", "alliance_member", alliance_member_code="B1")
    ask = """mutation($h: String!) { checkEligibility(householdCode: $h, benefit: "bank_loan") {
      answer { eligible } errors { field code } } }"""
    body = gql(Client(), endpoint(township_b), ask, {"h": CREDIT_M1}, token=token)
    assert body.get("errors") or body["data"]["checkEligibility"]["errors"]
    with tenant_context(township_b):
        assert not EligibilityCheck.objects.exists()


# --- the demo -------------------------------------------------------------------------


def test_the_demo_scores_its_merchants_under_their_own_covenant(town):
    import csv
    import io
    import random

    from platform_core.demo import _enterprise_rows

    with tenant_context(town):
        out = io.StringIO()
        months = [D(2026, m, 1) for m in range(1, 7)]
        _enterprise_rows(csv.writer(out), random.Random(1), months, D(2026, 7, 1))
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        assert rows and {r[0] for r in rows} <= {"V01-M001", "V01-F001"}
        merchant_rules = set(
            Rule.objects.filter(applies_to="enterprises").values_list("code", flat=True)
        )
        assert {r[1] for r in rows} <= merchant_rules


def test_the_rules_file_says_whom_a_rule_applies_to(town, tmp_path):
    from platform_core.scoring.imports import export_rules, import_rules

    path = Path(tmp_path) / "rules.csv"
    path.write_text(
        "编码,名称,类别,分值,依据,适用对象\n"
        "EB-21,诚信纳税,诚信经营,3,《商户诚信公约》EB-21条,商户企业\n"
        "GS-09,门前三包,garbage_sorting,1,,\n",
        encoding="utf-8",
    )
    with tenant_context(town):
        import_rules(path, by=Actor.cli())
        assert Rule.objects.get(code="EB-21").applies_to == "enterprises"
        assert Rule.objects.get(code="GS-09").applies_to == "households"
        # A wrong word names its row and column; nothing is written.
        path.write_text("code,title_zh,category,points,applies_to\nX-1,x,other,1,商户\n")
        with pytest.raises(TableError, match="applies_to") as refused:
            import_rules(path, by=Actor.cli())
        assert "row 2" in str(refused.value) and not Rule.objects.filter(code="X-1").exists()
        # Once the ledger uses a rule, whom it scores stays.
        approved(Household.subjects.get(code="V01-M001"), "EB-21", D(2026, 3, 2))
        path.write_text("code,title_zh,category,points,applies_to\nEB-21,x,business,3,households\n")
        with pytest.raises(TableError, match="cannot change"):
            import_rules(path, by=Actor.cli())
        assert Rule.objects.get(code="EB-21").applies_to == "enterprises"
        # The export writes the column, so it imports back.
        exported = Path(tmp_path) / "export.csv"
        export_rules(exported)
        lines = exported.read_text(encoding="utf-8-sig").splitlines()
        assert ",immediate,applies_to,active," in lines[0]
        assert any(line.startswith("EB-21,") and ",enterprises," in line for line in lines)
        import_rules(exported, by=Actor.cli())


def test_only_administrators_edit_whom_a_rule_applies_to(town):
    from platform_core.scoring.services import save_rule

    with tenant_context(town):
        with pytest.raises(NotAllowed):
            save_rule(code="EB-02", by=f.person(), applies_to="households")
        assert Rule.objects.get(code="EB-02").applies_to == "enterprises"
