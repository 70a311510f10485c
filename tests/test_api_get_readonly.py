"""Issue 13, finding 5: what writes is a mutation, and a GET of the API writes nothing.

Eligibility checks and integrity-card checks write a log row, so they are
mutations (POST, CSRF-checked for browser sessions). A GET carrying a mutation is
refused whatever the credential, and every GET runs in a read-only transaction,
so a link on another site cannot make a signed-in browser write anything.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from platform_core.actors import Actor
from platform_core.alliance.models import EligibilityCheck
from platform_core.alliance.services import add_member
from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Village
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from tests.api import codes, endpoint, gql, member, token_for

pytestmark = pytest.mark.django_db

D = dt.date

CHECK = """mutation($h: String!, $m: String) {
  checkEligibility(householdCode: $h, benefit: "bank_loan", memberCode: $m) {
    answer { eligible tier member { code } checkedByLabel }
    errors { field code message }
  }
}"""
OLD_QUERY = '{ eligibility(householdCode: "V01-0001", benefit: "bank_loan") { eligible } }'


@pytest.fixture
def jia(township_a, in_township):
    enable_plugin(township_a, "restrictions")
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))  # red after March
        finalise_month(D(2026, 3, 1), by=f.person())
        add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
    member(township_a, "clerk@jia.test", "alliance_member", alliance_member_code="B1")
    return township_a


def _clerk(csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    assert client.login(username="clerk@jia.test", password="pw")
    return client


def _get(client, township, query: str, variables: dict | None = None, **headers):
    params = {"query": query}
    if variables:
        params["variables"] = json.dumps(variables)
    reply = client.get(endpoint(township), params, HTTP_ACCEPT="application/json", **headers)
    return reply


def _logged(township) -> int:
    with schema_context(township.schema_name):
        return EligibilityCheck.objects.count()


def test_finding_5_a_signed_in_clerks_get_cannot_log_an_eligibility_check(jia):
    """The issue's case: a link (a GET, no CSRF token) made a clerk's browser log checks."""
    clerk = _clerk(csrf=True)
    old = _get(clerk, jia, OLD_QUERY)
    assert _logged(jia) == 0
    assert codes(old.json()) == ["INVALID_QUERY"]  # the query field is gone
    mutation = _get(clerk, jia, CHECK, {"h": "V01-0001"})
    assert mutation.status_code == 405 and mutation["Allow"] == "POST"
    assert (
        codes(mutation.json()) == ["BAD_INPUT"]
        and "POST" in mutation.json()["errors"][0]["message"]
    )
    assert _logged(jia) == 0
    # A forged POST without the CSRF token: refused too.
    forged = clerk.post(
        endpoint(jia),
        {"query": CHECK, "variables": {"h": "V01-0001"}},
        content_type="application/json",
    )
    assert forged.status_code == 401 and _logged(jia) == 0


def test_finding_5_check_eligibility_is_a_logged_mutation(jia):
    clerk = _clerk(csrf=True)
    clerk.get(f"/t/{jia.code}/accounts/login/")  # any page sets the csrftoken cookie
    clerk.get(endpoint(jia), {"query": "{ health { status } }"})
    csrf = clerk.cookies["csrftoken"].value
    body = gql(clerk, endpoint(jia), CHECK, {"h": "V01-0001"}, language="en")
    assert _logged(jia) == 0 and body["_status"] == 401  # gql() sends no CSRF header
    reply = clerk.post(
        endpoint(jia),
        {"query": CHECK, "variables": {"h": "V01-0001"}},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    answer = reply.json()["data"]["checkEligibility"]
    assert answer["errors"] == [] and answer["answer"]["eligible"] is False
    # Without the household's consent for B1, the clerk learns only the answer (PIPL Art. 23).
    assert answer["answer"]["member"] == {"code": "B1"} and answer["answer"]["tier"] is None
    assert _logged(jia) == 1


def test_finding_5_check_eligibility_refuses_wrong_roles_other_townships_and_bad_input(
    jia, township_b
):
    url = endpoint(jia)
    household = token_for(jia, "head@jia.test", "household", household_code="V01-0001")
    assert codes(gql(Client(), url, CHECK, {"h": "V01-0001"}, token=household)) == ["FORBIDDEN"]
    # A grid worker of V02 asks about a V01 household: refused by the service.
    v02 = token_for(jia, "gw2@jia.test", "grid_worker", "V02")
    assert codes(gql(Client(), url, CHECK, {"h": "V01-0001"}, token=v02)) == ["FORBIDDEN"]
    # 乙镇's administrator is nobody here.
    other = Client()
    assert other.login(username="admin@yi.test", password="pw-yi")
    assert codes(gql(other, url, CHECK, {"h": "V01-0001"})) == ["FORBIDDEN"]
    clerk = token_for(jia, "clerk2@jia.test", "alliance_member", alliance_member_code="B1")
    unknown = gql(Client(), url, CHECK, {"h": "V09-0001"}, token=clerk)["data"]
    assert unknown["checkEligibility"]["errors"][0]["field"] == "householdCode"
    no_bank = gql(Client(), url, CHECK, {"h": "V01-0001", "m": "NOPE"}, token=clerk)["data"]
    assert no_bank["checkEligibility"]["errors"][0]["field"] == "memberCode"
    assert _logged(jia) == 0


def test_finding_5_a_get_carrying_a_mutation_is_refused_whatever_the_credential(jia):
    admin = token_for(jia, "admin2@jia.test", "township_admin")
    rename = 'mutation { saveRule(code: "VO-03", titleEn: "renamed") { errors { code } } }'
    reply = _get(Client(), jia, rename, HTTP_AUTHORIZATION=f"Bearer {admin}")
    assert reply.status_code == 405 and codes(reply.json()) == ["BAD_INPUT"]
    session = Client()
    assert session.login(username="admin@jia.test", password="pw-jia")
    assert _get(session, jia, rename).status_code == 405
    # A document holding both: the operation named is the one that counts.
    both = f"query Q {{ __typename }} mutation M {rename[len('mutation ') :]}"
    for name, status in (("M", 405), ("Q", 200)):
        reply = session.get(
            endpoint(jia), {"query": both, "operationName": name}, HTTP_ACCEPT="application/json"
        )
        assert reply.status_code == status, reply.content
    with schema_context(jia.schema_name):
        from platform_core.scoring.models import Rule

        assert Rule.objects.get(code="VO-03").title_en != "renamed"


def test_finding_5_a_get_runs_read_only_even_where_a_resolver_would_write(jia, monkeypatch):
    """Belt and braces: a query resolver that writes fails over GET and writes nothing."""
    from platform_core.scoring.policy import ScoringPolicy

    original = ScoringPolicy.of.__func__

    def writing_policy(cls, township):
        Village.objects.create(code="ZZ", name="written by a read")
        return original(cls, township)

    monkeypatch.setattr(ScoringPolicy, "of", classmethod(writing_policy))
    session = Client()
    assert session.login(username="admin@jia.test", password="pw-jia")
    reply = _get(session, jia, "{ township { policy { base } } }")
    assert codes(reply.json()) == ["INTERNAL_ERROR"]
    with schema_context(jia.schema_name):
        assert not Village.objects.filter(code="ZZ").exists()
        Village.objects.create(code="ZY", name="the test's own write still works")
    # A plain read over GET answers as ever.
    monkeypatch.undo()
    fine = _get(session, jia, "{ township { policy { base } } }")
    assert fine.json()["data"] == {"township": {"policy": {"base": 100}}}


def test_finding_5_check_integrity_card_is_a_mutation(jia, in_township):
    from plugins.integrity_card.models import CardCheck

    enable_plugin(jia, "integrity_card")
    with in_township(jia):
        add_member(code="S1", name="诚信超市", kind="shop", by=Actor.cli())
    clerk = token_for(jia, "shop@jia.test", "alliance_member", alliance_member_code="S1")
    check = """mutation($n: String!, $m: String) { checkIntegrityCard(number: $n, memberCode: $m) {
      check { valid reason } errors { field code message } } }"""
    url = endpoint(jia)
    old = gql(Client(), url, '{ checkIntegrityCard(number: "HX-1") { valid } }', token=clerk)
    assert codes(old) == ["INVALID_QUERY"]
    over_get = _get(Client(), jia, check, {"n": "HX-1"}, HTTP_AUTHORIZATION=f"Bearer {clerk}")
    assert over_get.status_code == 405
    with in_township(jia):
        assert not CardCheck.objects.exists()
    answer = gql(Client(), url, check, {"n": "HX-000-AAAA-BBBB"}, token=clerk)["data"]
    assert answer["checkIntegrityCard"]["check"]["valid"] is False
    bad = gql(Client(), url, check, {"n": "HX-1", "m": "NOPE"}, token=clerk)["data"]
    assert bad["checkIntegrityCard"]["errors"][0]["field"] == "memberCode"
    grid = token_for(jia, "gw@jia.test", "grid_worker", "V01")
    assert codes(gql(Client(), url, check, {"n": "HX-1"}, token=grid)) == ["FORBIDDEN"]
    with in_township(jia):
        assert CardCheck.objects.count() == 1
