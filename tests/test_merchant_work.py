"""Merchants and firms in daily work: recording their entries
in the workbench and the API, their page, their legal representative's objections, and
their section of the public posting (公示) before the month is finalised
(docs/subjects.md)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.evaluation.models import EnterpriseSnapshot, Posting
from platform_core.evaluation.services import EvaluationError, finalise_month, post_month
from platform_core.households.models import Household, Village
from platform_core.scoring.models import EntryStatus, Objection, Rule, ScoreEvent
from tests import factories as f
from tests.api import endpoint, gql, token_for
from tests.test_enterprise_scoring import (
    CREDIT_F1,
    CREDIT_M1,
    NAME_F1,
    NAME_M1,
    approved,
    credit_code,
    merchant,
)
from tests.test_pages_boards import cid, pdf_text
from tests.workbench.conftest import work

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)
POSTED = D(2026, 4, 1)  # five working days later: 9 April


def signed_in(actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(actor.user)
    return client


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


@pytest.fixture
def town(township_a):
    """甲镇 V01 太湖村 (3 households) with merchant V01-M001 and firm V01-F001."""
    with tenant_context(township_a):
        f.village()
        merchant("V01-M001", NAME_M1, CREDIT_M1)
        merchant("V01-F001", NAME_F1, CREDIT_F1, kind="firm")
    return township_a


def rule_pk(township, code: str) -> int:
    with tenant_context(township):
        return Rule.objects.get(code=code).pk


# --- recording in the workbench ------------------------------------------------------


def record_form(client, township, **fields):
    page = client.get(work(township, "record/?household=V01-M001"))
    assert page.status_code == 200
    data = {
        "submission": key(page),
        "household": "V01-M001",
        "occurred_on": timezone.localdate().isoformat(),
        "evidence": "市场监管所检查：价签齐全",
        "note": "",
    }
    return page, client.post(work(township, "record/"), data | fields)


def test_a_grid_worker_records_a_merchant_entry_under_the_merchants_rules(town):
    with tenant_context(town):
        grid = f.person("grid", "grid_worker", "V01")
    client = signed_in(grid)
    page, reply = record_form(client, town, rule=rule_pk(town, "EB-02"))
    # The form offers the merchants' rules, marked as theirs.
    assert "EB-02" in page.content.decode() and "merchants and firms" in page.content.decode()
    assert reply.status_code == 302, reply.content.decode()[:1500]
    assert reply["Location"].startswith(work(town, "enterprises/V01-M001/#entry-"))
    with tenant_context(town):
        recorded = ScoreEvent.objects.get(household__code="V01-M001")
        assert recorded.rule.code == "EB-02" and recorded.status == EntryStatus.PROPOSED
    # The merchant's page shows it to the grid worker (read only: no registration form).
    shown = client.get(reply["Location"].split("#")[0])
    text = shown.content.decode()
    assert shown.status_code == 200 and "EB-02" in text and NAME_M1 in text
    assert 'id="edit"' not in text
    # The review queue shows it like a household's entry, linked to the merchant's page.
    with tenant_context(town):
        council = f.person("council", "council_member", "V01")
    queue = signed_in(council).get(work(town, "review/")).content.decode()
    assert f'data-entry="{recorded.pk}"' in queue
    assert f'href="/t/{town.code}/work/enterprises/V01-M001/"' in queue


def test_a_households_rule_on_a_merchant_is_refused_at_the_rule_field(town):
    with tenant_context(town):
        grid = f.person("grid", "grid_worker", "V01")
    _page, reply = record_form(signed_in(grid), town, rule=rule_pk(town, "GS-01"))
    assert reply.status_code == 400
    text = reply.content.decode()
    assert "belongs to the households&#x27; covenant" in text or "households' covenant" in text
    assert 'id="id_rule_error"' in text or "errorlist" in text
    with tenant_context(town):
        assert not ScoreEvent.objects.exists()


def test_recording_another_villages_or_townships_merchant_is_refused(town, township_b):
    with tenant_context(town):
        f.village("V02", "南浔村")
        merchant("V02-M001", "南浔小卖部", credit_code("92330502MA2C00010"), village="V02")
        outsider = f.person("grid2", "grid_worker", "V02")
    with tenant_context(township_b):
        other = f.person("b-admin", "township_admin")
    for actor, township, status in ((outsider, town, 400), (other, township_b, 400)):
        client = signed_in(actor)
        page = client.get(work(township, "record/"))
        reply = client.post(
            work(township, "record/"),
            {
                "submission": key(page),
                "household": "V01-M001",
                "rule": rule_pk(town, "EB-02") if township == town else "",
                "occurred_on": timezone.localdate().isoformat(),
                "evidence": "seen",
            },
        )
        assert reply.status_code == status
        assert "No household, merchant or firm V01-M001 in your villages" in reply.content.decode()
        # Nor is its page readable.
        assert client.get(work(township, "enterprises/V01-M001/")).status_code == 404
    with tenant_context(town):
        assert not ScoreEvent.objects.exists()


def test_a_household_role_cannot_record_or_open_a_merchants_page(town):
    with tenant_context(town):
        head = f.person("head", "household", household_code="V01-0001")
    client = signed_in(head)
    assert client.get(work(town, "record/")).status_code == 403
    assert client.get(work(town, "enterprises/V01-M001/")).status_code == 403


def test_bad_input_when_recording_a_merchant_entry_names_the_field(town):
    with tenant_context(town):
        grid = f.person("grid", "grid_worker", "V01")
    client = signed_in(grid)
    _page, reply = record_form(client, town, rule=rule_pk(town, "EB-02"), evidence="")
    assert reply.status_code == 400 and 'name="evidence"' in reply.content.decode()
    _page, reply = record_form(client, town, rule=rule_pk(town, "EB-02"), points="-3")
    assert reply.status_code == 400
    with tenant_context(town):
        assert not ScoreEvent.objects.exists()


# --- recording through the API ------------------------------------------------------------

RECORD = """mutation($code: String!, $rule: String!) {
  recordEntry(householdCode: $code, ruleCode: $rule, occurredOn: "2026-03-02",
              evidence: "市场监管所检查记录") {
    entry { points status } errors { field code message } } }"""


def test_the_api_records_a_merchant_entry_and_refuses_a_households_rule(town):
    token = token_for(town, "grid@jia.test", "council_member")
    body = gql(Client(), endpoint(town), RECORD, {"code": "V01-M001", "rule": "EB-02"}, token=token)
    result = body["data"]["recordEntry"]
    assert result["errors"] == [] and result["entry"]["points"] == 2
    body = gql(Client(), endpoint(town), RECORD, {"code": "V01-F001", "rule": "GS-01"}, token=token)
    errors = body["data"]["recordEntry"]["errors"]
    assert (
        errors and errors[0]["field"] == "rule" and "households' covenant" in errors[0]["message"]
    )
    with tenant_context(town):
        assert ScoreEvent.objects.filter(household__code="V01-F001").count() == 0


def test_the_api_refuses_a_merchant_of_another_township_or_village_and_wrong_roles(
    town, township_b
):
    with tenant_context(town):
        f.village("V02", "南浔村")
    outsider = token_for(township_b, "b@yi.test", "township_admin")
    body = gql(
        Client(),
        endpoint(township_b),
        RECORD,
        {"code": "V01-M001", "rule": "EB-02"},
        token=outsider,
    )
    errors = body["data"]["recordEntry"]["errors"]
    assert errors[0]["field"] == "householdCode" and errors[0]["code"] == "NOT_FOUND"
    other_village = token_for(town, "v02@jia.test", "grid_worker", "V02")
    body = gql(
        Client(), endpoint(town), RECORD, {"code": "V01-M001", "rule": "EB-02"}, token=other_village
    )
    assert body["data"]["recordEntry"]["errors"][0]["field"] == "householdCode"
    head = token_for(town, "head@jia.test", "household", household_code="V01-0001")
    body = gql(Client(), endpoint(town), RECORD, {"code": "V01-M001", "rule": "EB-02"}, token=head)
    assert body["data"]["recordEntry"] is None or body["data"]["recordEntry"]["errors"]
    body = gql(Client(), endpoint(town), RECORD, {"code": "V01-M999", "rule": "EB-02"}, token=head)
    assert "No household, merchant or firm V01-M999" in str(body)
    with tenant_context(town):
        assert not ScoreEvent.objects.exists()


# --- the legal representative's objection ------------------------------------------------


@pytest.fixture
def deduction(town):
    """An approved −10 (EB-12 false advertising) on merchant V01-M001, today."""
    with tenant_context(town):
        found = approved(Household.subjects.get(code="V01-M001"), "EB-12", timezone.localdate())
    return found


def test_staff_file_the_representatives_objection_and_the_council_upholds_it(town, deduction):
    with tenant_context(town):
        clerk = f.person("clerk", "village_committee", "V01")
        council = f.person("council", "council_member", "V01")
    client = signed_in(clerk)
    page = client.get(work(town, "enterprises/V01-M001/"))
    text = page.content.decode()
    assert f'data-contest-entry="{deduction.pk}"' in text
    answer = work(town, f"households/V01-M001/entries/{deduction.pk}/answer/")
    assert answer in text
    form = client.get(answer)
    assert form.status_code == 200 and "Record the legal representative" in form.content.decode()
    reply = client.post(
        answer,
        {"submission": key(form), "received": "in person", "reason": "广告内容有检测报告为证"},
    )
    assert reply.status_code == 302
    assert reply["Location"] == work(town, "enterprises/V01-M001/") + "#objections"
    with tenant_context(town):
        objection = Objection.objects.get(entry=deduction)
        assert objection.on_behalf and objection.filed_by_label == "clerk@test.local"
        assert "(in person)" in objection.reason
    # The council decides it as a household's (the same service, the same page).
    decide = signed_in(council)
    queue = decide.get(work(town, "objections/")).content.decode()
    assert "V01-M001" in queue
    detail = decide.get(work(town, f"objections/{objection.pk}/"))
    reply = decide.post(
        work(town, f"objections/{objection.pk}/"),
        {"submission": key(detail), "decision": "uphold", "reason": "检测报告属实"},
    )
    assert reply.status_code == 302
    with tenant_context(town):
        objection.refresh_from_db()
        deduction.refresh_from_db()
        assert objection.status == Objection.Status.UPHELD
        assert objection.compensating_entry.points == 10
        assert deduction.status == EntryStatus.REVERSED
    shown = client.get(work(town, "enterprises/V01-M001/")).content.decode()
    assert f'data-objection="{objection.pk}" data-status="upheld"' in shown


def test_the_objection_is_refused_to_wrong_roles_other_townships_and_without_a_reason(
    town, deduction, township_b
):
    answer = work(town, f"households/V01-M001/entries/{deduction.pk}/answer/")
    with tenant_context(town):
        head = f.person("head", "household", household_code="V01-0001")
        clerk = f.person("clerk", "village_committee", "V01")
    assert signed_in(head).get(answer).status_code in (403, 404)
    with tenant_context(township_b):
        stranger = f.person("b-admin", "township_admin")
    there = work(township_b, f"households/V01-M001/entries/{deduction.pk}/answer/")
    assert signed_in(stranger).get(there).status_code == 404
    client = signed_in(clerk)
    form = client.get(answer)
    reply = client.post(answer, {"submission": key(form), "received": "phone", "reason": ""})
    assert reply.status_code == 400 and 'name="reason"' in reply.content.decode()
    with tenant_context(town):
        assert not Objection.objects.exists()


def test_the_merchants_page_shows_its_months_and_edits_only_for_registration_roles(town, deduction):
    with tenant_context(town):
        finalise_month(MARCH, by=f.person("admin", "township_admin"))
        assert EnterpriseSnapshot.objects.filter(household__code="V01-M001").exists()
        grid = f.person("grid", "grid_worker", "V01")
        clerk = f.person("clerk", "village_committee", "V01")
    text = signed_in(clerk).get(work(town, "enterprises/V01-M001/")).content.decode()
    assert 'data-month="2026-03"' in text and 'id="edit"' in text
    assert "data-standing" in text and "钱包" not in text  # no points wallet for a business
    reply = signed_in(grid).post(work(town, "enterprises/V01-M001/"), {"name": "改名"})
    assert reply.status_code == 403
    # A household's code is not a merchant's page.
    assert signed_in(clerk).get(work(town, "enterprises/V01-0001/")).status_code == 404


# --- the public posting (公示) -------------------------------------------------------------


@pytest.fixture
def posting_town(town):
    """Posting for 5 working days; households as tests/test_posting.py's; merchant
    V01-M001 +5 (105 green), firm V01-F001 −20 (80 red) in March 2026."""
    town.posting_days = 5
    town.publish_red_on_board = False
    town.save(update_fields=["posting_days", "publish_red_on_board"])
    with tenant_context(town):
        f.approved("V01-0001", "VO-03", D(2026, 3, 3))
        f.approved("V01-0002", "P7-02", D(2026, 3, 4))
        approved(Household.subjects.get(code="V01-M001"), "EB-01", D(2026, 3, 5))
        approved(Household.subjects.get(code="V01-F001"), "EB-14", D(2026, 3, 6))
    return town


def admin():
    from django.contrib.auth import get_user_model

    from platform_core.actors import Actor

    user = get_user_model().objects.filter(username="admin@test.local").first()
    return Actor.of(user) if user else f.person("admin", "township_admin")


def village() -> Village:
    return Village.objects.get(code="V01")


def test_the_posting_has_a_merchant_section_and_household_rows_unchanged(posting_town):
    with tenant_context(posting_town):
        with_them = post_month(village(), MARCH, by=admin(), posted_on=POSTED)
        assert with_them.enterprise_rows == [
            [Household.subjects.get(code="V01-F001").pk, NAME_F1, 80, "red"],
            [Household.subjects.get(code="V01-M001").pk, NAME_M1, 105, "green"],
        ]
        assert (with_them.households, with_them.green, with_them.blue, with_them.red) == (
            3,
            1,
            1,
            1,
        )
        # The same households without any merchant: byte-identical rows.
        Household.subjects.filter(kind__in=["merchant", "firm"]).update(
            village=Village.objects.create(code="V09", name="空村")
        )
        without = post_month(village(), MARCH, by=admin(), posted_on=POSTED)
        assert without.enterprise_rows == []
        assert json.dumps(without.rows, ensure_ascii=False) == json.dumps(
            with_them.rows, ensure_ascii=False
        )


def test_the_public_page_and_pdf_post_merchants_by_registered_name(posting_town):
    with tenant_context(posting_town):
        post_month(village(), MARCH, by=admin(), posted_on=POSTED)
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    text = public.get(f"/t/{posting_town.code}/postings/V01/2026-03/").content.decode()
    section = text.split("data-businesses")[1]
    assert "Merchants and firms" in section and NAME_M1 in section and "105" in section
    # The township names nobody to improve: the red firm is counted, not named.
    assert NAME_F1 not in text and "1 merchant or firm to improve is not named" in section
    assert "俞*明" in text.split("data-businesses")[0]  # households as before, masked
    pdf = public.get(f"/t/{posting_town.code}/postings/V01/2026-03.pdf")
    assert pdf.status_code == 200 and cid("桥头农家乐") in pdf_text(pdf.content)


def test_merchants_are_finalised_as_posted_and_a_change_needs_a_new_posting(posting_town):
    with tenant_context(posting_town):
        post_month(village(), MARCH, by=admin(), posted_on=POSTED)
        # A merchant's figure changes after the posting: the month waits for a new one.
        approved(Household.subjects.get(code="V01-M001"), "EB-02", D(2026, 3, 20))
        with pytest.raises(EvaluationError) as refused:
            finalise_month(MARCH, by=admin())
        assert "1 merchants and firms of 太湖村 changed" in str(refused.value)
        assert not EnterpriseSnapshot.objects.exists()
        post_month(village(), MARCH, by=admin(), posted_on=D(2026, 4, 2))
        finalise_month(MARCH, by=admin())
        scores = dict(
            EnterpriseSnapshot.objects.values_list("household__code", "score").order_by("pk")
        )
        assert scores == {"V01-M001": 107, "V01-F001": 80}


def test_a_posting_made_before_merchants_were_posted_does_not_hold_the_month(posting_town):
    with tenant_context(posting_town):
        posting = post_month(village(), MARCH, by=admin(), posted_on=POSTED)
        Posting.objects.filter(pk=posting.pk).update(enterprise_rows=None)
        finalise_month(MARCH, by=admin())
        assert EnterpriseSnapshot.objects.count() == 2
