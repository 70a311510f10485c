"""Consent per alliance member (PIPL Art. 23): without it an institution learns only yes or
no; the log records which consent applied; the household sees every check made about it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from platform_core.actors import Actor
from platform_core.alliance.models import Consent, EligibilityCheck
from platform_core.alliance.selectors import answer_for_asker, checks_of, consent_in_force
from platform_core.alliance.services import (
    AllianceError,
    add_member,
    check_eligibility,
    grant,
    grant_consent,
    withdraw_consent,
)
from platform_core.errors import NotAllowed
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for
from tests.workbench.conftest import work

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


@pytest.fixture
def red_household(township_a):
    """V01-0001 red (90) after March, V01-0002 green; the restrictions on; banks B1 and B2."""
    enable_plugin(township_a, "restrictions")
    with tenant_context(township_a):
        f.village()
        f.approved("V01-0001", "P7-04", dt.date(2026, 3, 2))
        f.approved("V01-0002", "VO-03", dt.date(2026, 3, 2))
        finalise_month(MARCH, by=f.person())
        add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        add_member(code="B2", name="邮储银行", kind="bank", by=Actor.cli())
    return township_a


def test_consent_withdrawal_narrows_the_next_check(red_household):
    with tenant_context(red_household):
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        clerk = f.person("clerk1", "alliance_member", alliance_member_code="B1")
        head = f.person("head1", "household", household_code="V01-0001")
        red = f.household("V01-0001")

        before = check_eligibility(red, "bank_loan", by=clerk, member=bank)
        assert before.narrowed and before.consent is None and not before.eligible
        shown = answer_for_asker(before)
        assert (shown.eligible, shown.tier, shown.reason, shown.legal_basis) == (False, "", "", "")
        # The log keeps the whole answer (for the household and the township).
        assert before.tier == "red" and "村规民约" in before.legal_basis

        consent = grant_consent(red, bank, scope="standing", channel="workbench", by=head)
        full = check_eligibility(red, "bank_loan", by=clerk, member=bank)
        assert not full.narrowed and full.consent == consent
        shown = answer_for_asker(full)
        assert shown.tier == "red" and "restricted" in shown.reason and shown.legal_basis

        withdraw_consent(red, bank, channel="workbench", by=head)
        after = check_eligibility(red, "bank_loan", by=clerk, member=bank)
        assert after.narrowed and after.consent is None
        assert answer_for_asker(after).reason == ""
        consent.refresh_from_db()
        assert consent.withdrawn_at is not None and consent.withdrawn_by_label == head.label
        # A refused grant without consent says no more than the answer.
        with pytest.raises(AllianceError) as refused:
            grant(bank, red, "bank_loan", by=clerk)
        assert "restricted" not in str(refused.value) and "consent" in str(refused.value)
        # The household sees every check made about it, with the consent that applied.
        seen = list(checks_of(red))
        assert [c.pk for c in seen][:3] == [
            EligibilityCheck.objects.order_by("-pk")[0].pk,
            after.pk,
            full.pk,
        ]
        assert seen[2].consent_id == consent.pk


def test_consent_is_per_member_and_staff_record_it_with_the_channel(red_household):
    with tenant_context(red_household):
        b1, b2 = (add_member(code=c, name=c, kind="bank", by=Actor.cli()) for c in ("B1", "B2"))
        clerk2 = f.person("clerk2", "alliance_member", alliance_member_code="B2")
        grid = f.person("grid1", "grid_worker", "V01")
        red = f.household("V01-0001")
        given = grant_consent(red, b1, scope="history", channel="paper", by=grid)
        assert (given.channel, given.granted_by_label) == ("paper", grid.label)
        # Consent for B1 tells B2 nothing.
        assert check_eligibility(red, "bank_loan", by=clerk2, member=b2).narrowed
        # Granting the same scope again keeps the one in force; another scope replaces it.
        assert grant_consent(red, b1, scope="history", channel="paper", by=grid) == given
        replaced = grant_consent(red, b1, scope="standing", channel="counter", by=grid)
        assert replaced != given and consent_in_force(red, b1) == replaced
        given.refresh_from_db()
        assert given.withdrawn_at is not None and given.withdrawal_channel == "counter"
        assert Consent.objects.filter(household=red).count() == 2  # nothing deleted


def test_wrong_roles_cannot_grant_consent(red_household):
    with tenant_context(red_household):
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        clerk = f.person("clerk3", "alliance_member", alliance_member_code="B1")
        neighbour = f.person("head2", "household", household_code="V01-0002")
        other_village = f.person("grid2", "grid_worker", "V02")
        red = f.household("V01-0001")
        for who in (clerk, neighbour, other_village):
            with pytest.raises(NotAllowed, match="only the household itself or staff"):
                grant_consent(red, bank, scope="standing", channel="paper", by=who)
        assert not Consent.objects.exists()
        with pytest.raises(AllianceError, match="has no consent in force"):
            withdraw_consent(red, bank, channel="paper", by=f.person("grid3", "grid_worker"))


def test_bad_input_is_named(red_household):
    with tenant_context(red_household):
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        head = f.person("head4", "household", household_code="V01-0001")
        red = f.household("V01-0001")
        with pytest.raises(AllianceError, match="scope 'everything': use one of standing"):
            grant_consent(red, bank, scope="everything", channel="workbench", by=head)
        with pytest.raises(AllianceError, match="channel 'fax'"):
            grant_consent(red, bank, scope="standing", channel="fax", by=head)
        bank.active = False
        bank.save()
        with pytest.raises(AllianceError, match="no longer active"):
            grant_consent(red, bank, scope="standing", channel="workbench", by=head)
        assert not Consent.objects.exists()


GRANT = """mutation($h: String!, $m: String!, $c: String) {
  grantConsent(householdCode: $h, memberCode: $m, scope: "standing", channel: $c) {
    consent { householdCode scope channel inForce member { code } }
    errors { field code message } } }"""
WITHDRAW = """mutation($h: String!, $m: String!) {
  withdrawConsent(householdCode: $h, memberCode: $m) {
    consent { inForce withdrawalChannel } errors { field code message } } }"""
ASK = """mutation { checkEligibility(householdCode: "V01-0001", benefit: "bank_loan") {
  answer { eligible narrowed tier reason legalBasis consentScope } errors { code } } }"""
MINE = """{ household(code: "V01-0001") { eligibilityChecks { member { code } eligible narrowed
  reason legalBasis consentScope } consents { member { code } inForce channel } } }"""


def test_the_api_grants_withdraws_and_shows_the_household_its_checks(red_household):
    url = endpoint(red_household)
    head = token_for(red_household, "head@jia.test", "household", household_code="V01-0001")
    bank = token_for(red_household, "b1@jia.test", "alliance_member", alliance_member_code="B1")
    assert gql(Client(), url, ASK, token=bank)["data"]["checkEligibility"]["answer"] == {
        "eligible": False,
        "narrowed": True,
        "tier": None,
        "reason": None,
        "legalBasis": None,
        "consentScope": None,
    }
    given = gql(Client(), url, GRANT, {"h": "V01-0001", "m": "B1"}, token=head)["data"]
    assert given["grantConsent"]["errors"] == []
    assert given["grantConsent"]["consent"] == {
        "householdCode": "V01-0001",
        "scope": "standing",
        "channel": "workbench",
        "inForce": True,
        "member": {"code": "B1"},
    }
    answer = gql(Client(), url, ASK, token=bank)["data"]["checkEligibility"]["answer"]
    assert answer["tier"] == "RED" and answer["legalBasis"] and answer["consentScope"] == "standing"
    gone = gql(Client(), url, WITHDRAW, {"h": "V01-0001", "m": "B1"}, token=head)["data"]
    assert gone["withdrawConsent"]["consent"] == {
        "inForce": False,
        "withdrawalChannel": "workbench",
    }
    assert gql(Client(), url, ASK, token=bank)["data"]["checkEligibility"]["answer"]["narrowed"]
    # The household sees all three checks whole, and its consent's history.
    mine = gql(Client(), url, MINE, token=head)["data"]["household"]
    assert [c["narrowed"] for c in mine["eligibilityChecks"]] == [True, False, True]
    assert all(c["reason"] and c["legalBasis"] for c in mine["eligibilityChecks"])
    assert mine["consents"] == [
        {"member": {"code": "B1"}, "inForce": False, "channel": "workbench"}
    ]


def test_the_api_refuses_wrong_roles_and_bad_input(red_household):
    url = endpoint(red_household)
    neighbour = token_for(red_household, "h2@jia.test", "household", household_code="V01-0002")
    bank = token_for(red_household, "b9@jia.test", "alliance_member", alliance_member_code="B1")
    staff = token_for(red_household, "g@jia.test", "grid_worker", "V01")
    # Household B cannot grant for A, nor see A's checks (A is not found for it).
    other = gql(Client(), url, GRANT, {"h": "V01-0001", "m": "B1"}, token=neighbour)
    assert other["data"]["grantConsent"]["errors"][0]["code"] == "NOT_FOUND"
    assert codes(gql(Client(), url, MINE, token=neighbour)) == ["NOT_FOUND"]
    # An institution never grants consent for a household.
    assert codes(gql(Client(), url, GRANT, {"h": "V01-0001", "m": "B1"}, token=bank)) == [
        "FORBIDDEN"
    ]
    # Staff must say how the household gave its decision.
    unnamed = gql(Client(), url, GRANT, {"h": "V01-0001", "m": "B1"}, token=staff)["data"]
    assert unnamed["grantConsent"]["errors"][0]["field"] == "channel"
    unknown = gql(Client(), url, GRANT, {"h": "V01-0001", "m": "ZZ", "c": "paper"}, token=staff)
    assert unknown["data"]["grantConsent"]["errors"][0]["field"] == "memberCode"
    done = gql(Client(), url, GRANT, {"h": "V01-0001", "m": "B1", "c": "paper"}, token=staff)
    assert done["data"]["grantConsent"]["consent"]["channel"] == "paper"


def test_consent_in_one_township_is_not_consent_in_another(red_household, township_b):
    with tenant_context(township_b):
        f.village()
        add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
    with tenant_context(red_household):
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        head = f.person("head5", "household", household_code="V01-0001")
        grant_consent(f.household("V01-0001"), bank, scope="standing", channel="sms", by=head)
    with tenant_context(township_b):
        assert not Consent.objects.exists()
        clerk = f.person("clerk-b", "alliance_member", alliance_member_code="B1")
        from platform_core.alliance.models import AllianceMember

        check = check_eligibility(
            f.household("V01-0001"), "bank_loan", by=clerk, member=AllianceMember.objects.get()
        )
        assert check.narrowed and check.consent is None
    # A household of township A cannot grant consent in township B.
    with tenant_context(township_b):
        from platform_core.alliance.models import AllianceMember

        with pytest.raises(NotAllowed):
            grant_consent(
                f.household("V01-0001"),
                AllianceMember.objects.get(),
                scope="standing",
                channel="workbench",
                by=head,
            )


def test_the_household_and_staff_workbench_pages(red_household):
    with tenant_context(red_household):
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        clerk = f.person("clerk6", "alliance_member", alliance_member_code="B1")
        head = f.person("head6", "household", household_code="V01-0001")
        neighbour = f.person("head7", "household", household_code="V01-0002")
        grid = f.person("grid6", "grid_worker", "V01")
        check_eligibility(f.household("V01-0001"), "bank_loan", by=clerk, member=bank)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(head.user)
    page = client.get(work(red_household, "mine/consent/"))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-narrowed="yes"' in body and "restricted" in body
    assert 'name="channel"' not in body  # the household's own page is the channel
    submission = body.split('name="submission" value="')[1].split('"')[0]
    done = client.post(
        work(red_household, "mine/consent/"),
        {"submission": submission, "member": "B1", "action": "grant", "scope": "standing"},
    )
    assert done.status_code == 302
    with tenant_context(red_household):
        consent = Consent.objects.get()
        assert (consent.channel, consent.granted_by_label) == ("workbench", head.label)
    # Bad input: a grant without a scope is shown at the field.
    bad = client.post(
        work(red_household, "mine/consent/"),
        {"submission": "x1", "member": "B1", "action": "grant", "scope": ""},
    )
    assert bad.status_code == 400 and "Choose what the member may learn" in bad.content.decode()
    # Staff record a withdrawal on the household's behalf, naming the channel.
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(grid.user)
    url = work(red_household, "households/V01-0001/consent/")
    page = staff.get(url)
    assert page.status_code == 200 and 'name="channel"' in page.content.decode()
    done = staff.post(
        url, {"submission": "s1", "member": "B1", "action": "withdraw", "channel": "counter"}
    )
    assert done.status_code == 302
    with tenant_context(red_household):
        consent.refresh_from_db()
        assert consent.withdrawal_channel == "counter" and consent.withdrawn_by_label == grid.label
    # Wrong role: a neighbour's page shows its own household; the clerk has no such page.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(neighbour.user)
    assert "V01-0001" not in other.get(work(red_household, "mine/consent/")).content.decode()
    assert other.get(url).status_code in (403, 404)
    bank_client = Client(HTTP_ACCEPT_LANGUAGE="en")
    bank_client.force_login(clerk.user)
    assert bank_client.get(work(red_household, "mine/consent/")).status_code == 403
    with schema_context(red_household.schema_name):
        assert Consent.objects.count() == 1
