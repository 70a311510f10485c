"""The township GraphQL endpoint: role boundaries, isolation, limits, error shapes, N+1."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from platform_core.accounts.models import ApiToken
from platform_core.actors import Actor
from platform_core.alliance.models import EligibilityCheck
from platform_core.alliance.services import add_member
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.services import enable_plugin
from platform_core.scoring.models import Rule, ScoreEvent
from tests import factories as f
from tests.api import codes, endpoint, gql, member, token_for

D = dt.date
MARCH = D(2026, 3, 1)

HOUSEHOLDS = """query($first: Int, $village: String, $tier: Tier) {
  households(first: $first, village: $village, tier: $tier) {
    totalCount
    edges { node { id code maskedName headName phone tier score
      latestEntries(limit: 3) { rule { code } points status } } }
  }
}"""

RECORD = """mutation($household: String!, $rule: String!, $on: Date!, $evidence: String!) {
  recordEntry(householdCode: $household, ruleCode: $rule, occurredOn: $on,
              evidence: $evidence) {
    entry { id status points recordedByLabel }
    errors { field code message }
  }
}"""

REVIEW = """mutation($id: ID!, $approve: Boolean!, $reason: String) {
  reviewEntry(entryId: $id, approve: $approve, reason: $reason) {
    entry { status reviewedByLabel }
    errors { field code message }
  }
}"""


@pytest.fixture
def two_villages(township_a, in_township):
    """甲镇: V01 (3 households, one red after March) and V02 (2 households); March final."""
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))  # 90: red
        f.approved("V01-0002", "VO-03", D(2026, 3, 2))  # green
        finalise_month(MARCH, by=f.person())
    return township_a


def _anonymous() -> Client:
    return Client()


# --- authentication ------------------------------------------------------------------


def test_anonymous_requests_get_only_health(client, two_villages):
    url = endpoint(two_villages)
    assert gql(client, url, "{ health { status } }")["data"] == {"health": {"status": "ok"}}
    body = gql(client, url, HOUSEHOLDS)
    assert codes(body) == ["UNAUTHENTICATED"] and body.get("data") is None


def test_a_signed_in_user_without_a_role_here_is_forbidden(client, two_villages, township_b):
    assert client.login(username="admin@yi.test", password="pw-yi")  # 乙镇's admin
    body = gql(client, endpoint(two_villages), "{ township { code } }")
    assert codes(body) == ["FORBIDDEN"]


def test_tokens_are_hashed_revocable_and_bound_to_one_township(client, two_villages, township_b):
    token = token_for(two_villages, "clerk@jia.test", "township_admin")
    with schema_context("public"):
        record = ApiToken.objects.get(user__username="clerk@jia.test")
        assert token not in (record.digest, record.prefix) and len(record.digest) == 64
        assert not ApiToken.objects.filter(digest__contains=token[-20:]).exists()
    url = endpoint(two_villages)
    assert gql(_anonymous(), url, "{ township { code } }", token=token)["data"] == {
        "township": {"code": two_villages.code}
    }
    elsewhere = gql(_anonymous(), endpoint(township_b), "{ township { code } }", token=token)
    assert elsewhere["_status"] == 401 and codes(elsewhere) == ["UNAUTHENTICATED"]
    county = gql(_anonymous(), "/graphql/", "{ health { status } }", token=token)
    assert county["_status"] == 401
    bogus = gql(_anonymous(), url, "{ township { code } }", token=token[:-2] + "xx")
    assert bogus["_status"] == 401 and "not valid" in bogus["errors"][0]["message"]

    assert client.login(username="admin@jia.test", password="pw-jia")
    revoked = gql(
        client,
        url,
        "mutation($p: String!) { revokeApiToken(prefix: $p) { apiToken { revokedAt } errors "
        "{ code } } }",
        {"p": record.prefix},
    )
    assert revoked["data"]["revokeApiToken"]["apiToken"]["revokedAt"]
    after = gql(_anonymous(), url, "{ township { code } }", token=token)
    assert after["_status"] == 401 and "revoked" in after["errors"][0]["message"]


def test_a_token_is_narrower_than_its_users_roles(two_villages):
    """A council member's grid-worker token cannot review, though the person could."""
    user = member(two_villages, "both@jia.test", "council_member")
    member(two_villages, "both@jia.test", "grid_worker")
    from platform_core.accounts.services import issue_token

    with schema_context("public"):
        _, token = issue_token(user, two_villages, "grid_worker", label="field app", by=Actor.cli())
    url = endpoint(two_villages)
    body = gql(
        _anonymous(),
        url,
        RECORD,
        {"household": "V01-0003", "rule": "P7-03", "on": "2026-03-05", "evidence": "visit"},
        token=token,
    )
    entry = body["data"]["recordEntry"]["entry"]
    assert entry["status"] == "proposed"
    me = gql(_anonymous(), url, "{ me { roles { role } token } }", token=token)["data"]["me"]
    assert [r["role"] for r in me["roles"]] == ["grid_worker"] and me["token"]


def test_creating_a_token_needs_the_role_it_grants(client, two_villages):
    member(two_villages, "admin@jia.test", "grid_worker", "V01")
    assert client.login(username="admin@jia.test", password="pw-jia")
    create = """mutation($email: String!, $role: String!, $village: String) {
      createApiToken(userEmail: $email, role: $role, villageCode: $village, label: "app") {
        token apiToken { prefix role villageCode } errors { field code message } } }"""
    url = endpoint(two_villages)
    mine = {"email": "admin@jia.test", "role": "grid_worker", "village": "V01"}
    ok = gql(client, url, create, mine)
    assert ok["data"]["createApiToken"]["token"].startswith("ti_")
    wider = gql(client, url, create, {**mine, "village": "V02"})
    assert codes(wider) == ["FORBIDDEN"]
    held_nowhere = gql(client, url, create, {**mine, "role": "council_member", "village": ""})
    assert codes(held_nowhere) == ["FORBIDDEN"]
    # Never for someone else (issue 13, finding 1), whether they exist or not.
    member(two_villages, "gw@jia.test", "grid_worker", "V01")
    for email in ("gw@jia.test", "nobody@jia.test"):
        other = gql(client, url, create, {**mine, "email": email})
        assert (
            codes(other) == ["FORBIDDEN"] and "only for themselves" in other["errors"][0]["message"]
        )


# --- role boundaries ----------------------------------------------------------------


def test_grid_worker_records_only_proposed_entries_in_their_village_and_cannot_approve(
    two_villages,
):
    token = token_for(two_villages, "gw@jia.test", "grid_worker", "V01")
    with schema_context(two_villages.schema_name):
        Rule.objects.filter(code="GS-01").update(needs_review=False)
    url = endpoint(two_villages)
    listed = gql(_anonymous(), url, HOUSEHOLDS, {"first": 50}, token=token)["data"]
    assert {e["node"]["code"][:3] for e in listed["households"]["edges"]} == {"V01"}
    # GS-01 needs no review, yet a grid worker's entry waits for the joint review.
    recorded = gql(
        _anonymous(),
        url,
        RECORD,
        {"household": "V01-0003", "rule": "GS-01", "on": "2026-03-05", "evidence": "inspection"},
        token=token,
    )["data"]["recordEntry"]
    assert recorded["errors"] == [] and recorded["entry"]["status"] == "proposed"
    entry_id = recorded["entry"]["id"]
    review = gql(_anonymous(), url, REVIEW, {"id": entry_id, "approve": True}, token=token)
    assert codes(review) == ["FORBIDDEN"]
    other_village = gql(
        _anonymous(),
        url,
        RECORD,
        {"household": "V02-0001", "rule": "GS-01", "on": "2026-03-05", "evidence": "x"},
        token=token,
    )["data"]["recordEntry"]
    assert other_village["errors"][0]["field"] == "householdCode"  # not even visible
    with schema_context(two_villages.schema_name):
        assert not ScoreEvent.objects.filter(household__code="V02-0001", rule__code="GS-01")


def test_a_reviewer_cannot_approve_what_they_recorded(two_villages):
    token = token_for(two_villages, "council@jia.test", "council_member")
    other = token_for(two_villages, "council2@jia.test", "council_member")
    url = endpoint(two_villages)
    recorded = gql(
        _anonymous(),
        url,
        RECORD,
        {"household": "V01-0003", "rule": "P7-03", "on": "2026-03-05", "evidence": "file 7"},
        token=token,
    )["data"]["recordEntry"]["entry"]
    own = gql(_anonymous(), url, REVIEW, {"id": recorded["id"], "approve": True}, token=token)
    assert codes(own) == ["FORBIDDEN"] and "recorded it" in own["errors"][0]["message"]
    rejected = gql(_anonymous(), url, REVIEW, {"id": recorded["id"], "approve": False}, token=other)
    assert rejected["data"]["reviewEntry"]["errors"][0]["code"] == "REFUSED"  # needs a reason
    approved = gql(_anonymous(), url, REVIEW, {"id": recorded["id"], "approve": True}, token=other)
    assert approved["data"]["reviewEntry"]["entry"]["status"] == "approved"


def test_a_household_sees_only_itself_and_objects_to_its_own_deductions(two_villages):
    token = token_for(two_villages, "head1@jia.test", "household", household_code="V01-0001")
    url = endpoint(two_villages)
    listed = gql(_anonymous(), url, HOUSEHOLDS, {"first": 50}, token=token)["data"]["households"]
    assert [e["node"]["code"] for e in listed["edges"]] == ["V01-0001"]
    assert listed["edges"][0]["node"]["headName"] == "俞国明"  # its own name
    neighbour = gql(_anonymous(), url, '{ household(code: "V01-0002") { code } }', token=token)
    assert codes(neighbour) == ["NOT_FOUND"]
    mine = gql(
        _anonymous(),
        url,
        '{ household(code: "V01-0001") { tier explanation { score lines { ruleCode points } } '
        "ledger { edges { node { id points status } } } history { month tier } } }",
        token=token,
    )["data"]["household"]
    assert mine["tier"] == "RED" and mine["history"] == [{"month": "2026-03", "tier": "RED"}]
    assert mine["explanation"]["lines"] == [{"ruleCode": "P7-04", "points": -10}]
    deduction = mine["ledger"]["edges"][0]["node"]["id"]
    objection = gql(
        _anonymous(),
        url,
        'mutation($id: ID!) { fileObjection(entryId: $id, reason: "I was away") '
        "{ objection { status reason } errors { field code message } } }",
        {"id": deduction},
        token=token,
    )["data"]["fileObjection"]
    assert objection["errors"] == [] and objection["objection"]["status"] == "pending"


def test_an_alliance_clerk_sees_eligibility_and_own_grants_never_ledgers(two_villages):
    enable_plugin(two_villages, "restrictions")
    with schema_context(two_villages.schema_name):
        add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        add_member(code="B2", name="建设银行", kind="bank", by=Actor.cli())
    token = token_for(two_villages, "b1@jia.test", "alliance_member", alliance_member_code="B1")
    token2 = token_for(two_villages, "b2@jia.test", "alliance_member", alliance_member_code="B2")
    url = endpoint(two_villages)
    assert gql(_anonymous(), url, HOUSEHOLDS, token=token)["data"]["households"]["edges"] == []
    hidden = gql(_anonymous(), url, '{ household(code: "V01-0001") { code } }', token=token)
    assert codes(hidden) == ["NOT_FOUND"]
    assert gql(_anonymous(), url, "{ entries { totalCount } }", token=token)["data"] == {
        "entries": {"totalCount": 0}
    }
    ask = """mutation($h: String!) { checkEligibility(householdCode: $h, benefit: "bank_loan") {
      answer { householdCode eligible reason legalBasis tier narrowed member { code }
      checkedByLabel checkedAt } errors { field code message } } }"""
    red = gql(_anonymous(), url, ask, {"h": "V01-0001"}, token=token)["data"]["checkEligibility"]
    red = red["answer"]
    assert red["eligible"] is False and red["member"] == {"code": "B1"}
    # Without the household's consent for B1 (PIPL Art. 23): only yes or no.
    assert red["narrowed"] and (red["tier"], red["reason"], red["legalBasis"]) == (None,) * 3
    green = gql(_anonymous(), url, ask, {"h": "V01-0002"}, token=token)["data"]
    assert green["checkEligibility"]["answer"]["eligible"] is True
    with schema_context(two_villages.schema_name):
        logged = EligibilityCheck.objects.filter(checked_by_label__startswith="b1@jia.test")
        assert logged.count() == 2 and logged.filter(member__code="B1").count() == 2

    grant = """mutation($m: String!) { grantBenefit(memberCode: $m, householdCode: "V01-0002",
      benefit: "bank_loan") { grant { id member { code } } errors { field code message } } }"""
    mine = gql(_anonymous(), url, grant, {"m": "B1"}, token=token)["data"]["grantBenefit"]
    assert mine["errors"] == [] and mine["grant"]["member"]["code"] == "B1"
    assert codes(gql(_anonymous(), url, grant, {"m": "B2"}, token=token)) == ["FORBIDDEN"]
    gql(_anonymous(), url, grant, {"m": "B2"}, token=token2)
    seen = "{ grants { totalCount edges { node { member { code } } } } }"
    b1 = gql(_anonymous(), url, seen, token=token)["data"]["grants"]
    assert b1["totalCount"] == 1 and b1["edges"][0]["node"]["member"]["code"] == "B1"
    assert gql(_anonymous(), url, seen, token=token2)["data"]["grants"]["totalCount"] == 1


def test_the_evaluation_round_trip_through_the_api(
    two_villages, django_capture_on_commit_callbacks
):
    admin = token_for(two_villages, "admin2@jia.test", "township_admin")
    evaluator = member(two_villages, "pm@jia.test", "party_member", "V01")
    from platform_core.accounts.services import issue_token

    with schema_context("public"):
        _, pm_token = issue_token(
            evaluator, two_villages, "party_member", label="app", by=Actor.cli(), village_code="V01"
        )
    url = endpoint(two_villages)
    opened = gql(
        _anonymous(),
        url,
        'mutation { openRound(villageCode: "V01", month: "2026-04") { round { id month status } '
        "errors { field code message } } }",
        token=admin,
    )["data"]["openRound"]["round"]
    assigned = gql(
        _anonymous(),
        url,
        """mutation($r: ID!) { assignHouseholds(roundId: $r, evaluatorEmail: "pm@jia.test",
          householdCodes: ["V01-0001", "V01-0002"]) { assigned errors { field message } } }""",
        {"r": opened["id"]},
        token=admin,
    )["data"]["assignHouseholds"]
    assert assigned == {"assigned": 2, "errors": []}
    rated = gql(
        _anonymous(),
        url,
        """mutation($r: ID!) { rateHousehold(roundId: $r, householdCode: "V01-0001",
          ruleCode: "VO-03", evidence: "helped at the flood") { entry { id status }
          errors { field code message } } }""",
        {"r": opened["id"]},
        token=pm_token,
    )["data"]["rateHousehold"]
    assert rated["entry"]["status"] == "proposed"
    not_assigned = gql(
        _anonymous(),
        url,
        """mutation($r: ID!) { rateHousehold(roundId: $r, householdCode: "V01-0003") {
          errors { code } } }""",
        {"r": opened["id"]},
        token=pm_token,
    )
    assert codes(not_assigned) == ["FORBIDDEN"]
    rounds = gql(
        _anonymous(), url, '{ rounds(month: "2026-04") { month assigned rated } }', token=admin
    )
    assert rounds["data"]["rounds"] == [{"month": "2026-04", "assigned": 2, "rated": 1}]
    refused = gql(
        _anonymous(),
        url,
        'mutation { finaliseMonth(month: "2026-04") { result { finalised } '
        "errors { code message } } }",
        token=admin,
    )["data"]["finaliseMonth"]
    assert refused["result"] is None and refused["errors"][0]["code"] == "REFUSED"
    gql(_anonymous(), url, REVIEW, {"id": rated["entry"]["id"], "approve": True}, token=admin)
    with django_capture_on_commit_callbacks(execute=True):
        board = gql(
            _anonymous(),
            url,
            'mutation { publishBoard(villageCode: "V01", year: 2026, quarter: 1) { board { '
            "year quarter basedOnMonth entries { kind maskedName score } } errors { message } } }",
            token=admin,
        )["data"]["publishBoard"]
    assert board["board"]["basedOnMonth"] == "2026-03"
    assert {e["maskedName"] for e in board["board"]["entries"]} == {"沈某"}  # green only


# --- isolation ------------------------------------------------------------------------


def test_global_ids_of_one_township_find_nothing_in_another(two_villages, township_b, in_township):
    with in_township(township_b):
        f.village()  # same codes and, likely, the same row numbers as in 甲镇
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))
    token_a = token_for(two_villages, "a@jia.test", "township_admin")
    token_b = token_for(township_b, "b@yi.test", "township_admin")
    a_ids = gql(
        _anonymous(),
        endpoint(two_villages),
        '{ household(code: "V01-0001") { id ledger { edges { node { id } } } } }',
        token=token_a,
    )["data"]["household"]
    node = "query($id: ID!) { node(id: $id) { id ... on Household { headName } } }"
    for global_id in (a_ids["id"], a_ids["ledger"]["edges"][0]["node"]["id"]):
        body = gql(_anonymous(), endpoint(township_b), node, {"id": global_id}, token=token_b)
        assert codes(body) == ["NOT_FOUND"] and body["data"] == {"node": None}
        own = gql(_anonymous(), endpoint(two_villages), node, {"id": global_id}, token=token_a)
        assert own["data"]["node"]["id"] == global_id
    review = gql(
        _anonymous(),
        endpoint(township_b),
        REVIEW,
        {"id": a_ids["ledger"]["edges"][0]["node"]["id"], "approve": False, "reason": "x"},
        token=token_b,
    )
    assert review["data"]["reviewEntry"]["errors"][0]["code"] in ("NOT_FOUND",)
    session_b = Client()
    assert session_b.login(username="admin@yi.test", password="pw-yi")
    body = gql(session_b, endpoint(two_villages), HOUSEHOLDS)
    assert codes(body) == ["FORBIDDEN"] and body.get("data") is None


# --- limits ---------------------------------------------------------------------------


def test_depth_complexity_page_size_and_introspection_limits(client, two_villages, settings):
    assert client.login(username="admin@jia.test", password="pw-jia")
    url = endpoint(two_villages)
    deep = "{ households { edges { node { village { id } ledger { edges { node { rule { " + (
        "id } } } } } } } }"
    )
    settings.GRAPHQL_MAX_DEPTH = 6
    assert codes(gql(client, url, deep)) == ["QUERY_TOO_DEEP"]
    settings.GRAPHQL_MAX_DEPTH = 10
    costly = (
        "{ households(first: 100) { edges { node { code ledger(first: 100) { edges { node "
        "{ points evidence rule { code titleZh } } } } } } } }"
    )
    body = gql(client, url, costly)
    assert codes(body) == ["QUERY_TOO_COMPLEX"] and "limit is 5000" in body["errors"][0]["message"]
    variables = (
        "query($n: Int) { households(first: $n) { edges { node { code ledger(first: $n) "
        + ("{ edges { node { points } } } } } } }")
    )
    assert codes(gql(client, url, variables, {"n": 100})) == ["QUERY_TOO_COMPLEX"]
    assert not gql(client, url, variables, {"n": 5}).get("errors")
    too_big = gql(client, url, "{ households(first: 500) { totalCount } }")
    assert codes(too_big) == ["PAGE_TOO_LARGE"] and "at most 100" in too_big["errors"][0]["message"]
    introspect = "{ __schema { queryType { name } } }"
    assert codes(gql(client, url, introspect)) == ["INTROSPECTION_DISABLED"]
    assert gql(client, url, "{ __typename }")["data"] == {"__typename": "Query"}
    settings.GRAPHQL_INTROSPECTION = True
    assert gql(client, url, introspect)["data"]["__schema"]["queryType"]["name"] == "Query"


# --- error shapes ----------------------------------------------------------------------


def test_errors_have_a_code_a_path_and_the_requests_language(client, two_villages, monkeypatch):
    assert client.login(username="admin@jia.test", password="pw-jia")
    url = endpoint(two_villages)
    syntax = gql(client, url, "{ households { ")
    assert codes(syntax) == ["INVALID_QUERY"] and syntax["_status"] == 400
    unknown = gql(client, url, "{ nosuchfield }")
    assert codes(unknown) == ["INVALID_QUERY"] and "nosuchfield" in unknown["errors"][0]["message"]
    missing = gql(client, url, '{ household(code: "NOPE") { code } }')
    assert missing["errors"][0]["path"] == ["household"]
    assert missing["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
    assert missing["errors"][0]["message"] == "Household NOPE was not found."
    chinese = gql(client, url, '{ household(code: "NOPE") { code } }', language="zh-hans")
    assert chinese["errors"][0]["message"] == "未找到户 NOPE。"
    default = gql(client, url, '{ household(code: "NOPE") { code } }', language=None)
    assert default["errors"][0]["message"] == "未找到户 NOPE。"  # zh-hans unless asked

    from graphql_api.township import types

    def broken(name):
        raise RuntimeError("secret internals of 乙镇 at /srv/app.py line 3")

    monkeypatch.setattr(types, "mask_name", broken)
    body = gql(client, url, '{ household(code: "V01-0001") { maskedName } }')
    error = body["errors"][0]
    assert error["extensions"] == {"code": "INTERNAL_ERROR"} and error["path"] == [
        "household",
        "maskedName",
    ]
    assert "secret" not in str(body) and "Traceback" not in str(body)


def test_mutations_validate_input_and_write_nothing_when_refused(client, two_villages):
    assert client.login(username="admin@jia.test", password="pw-jia")
    url = endpoint(two_villages)
    with schema_context(two_villages.schema_name):
        before = ScoreEvent.objects.count()
    cases = [
        (
            {"household": "NOPE", "rule": "P7-03", "on": "2026-03-05", "evidence": "x"},
            "householdCode",
        ),
        (
            {"household": "V01-0003", "rule": "NOPE", "on": "2026-03-05", "evidence": "x"},
            "ruleCode",
        ),
        (
            {"household": "V01-0003", "rule": "P7-03", "on": "2999-01-01", "evidence": "x"},
            "occurredOn",
        ),
        (
            {"household": "V01-0003", "rule": "P7-03", "on": "2026-03-05", "evidence": " "},
            "evidence",
        ),
    ]
    for variables, field in cases:
        payload = gql(client, url, RECORD, variables)["data"]["recordEntry"]
        assert payload["entry"] is None and [e["field"] for e in payload["errors"]] == [field]
    bad_date = gql(client, url, RECORD, {**cases[0][0], "household": "V01-0003", "on": "3 March"})
    assert codes(bad_date) == ["BAD_INPUT"] and "$on" in bad_date["errors"][0]["message"]
    with schema_context(two_villages.schema_name):
        assert ScoreEvent.objects.count() == before


# --- no N+1 -----------------------------------------------------------------------------


def test_listing_10_or_100_households_costs_the_same_number_of_queries(township_a, in_township):
    with in_township(township_a):
        f.village(size=100)
        for n in range(1, 101):
            f.approved(f"V01-{n:04d}", "VO-03" if n % 2 else "P7-02", D(2026, 3, 2))
            f.approved(f"V01-{n:04d}", "GS-01", D(2026, 3, 3))
        finalise_month(MARCH, by=f.person())
    token = token_for(township_a, "n1@jia.test", "township_admin")
    url = endpoint(township_a)
    gql(_anonymous(), url, HOUSEHOLDS, {"first": 1}, token=token)  # warm caches, first use
    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            body = gql(_anonymous(), url, HOUSEHOLDS, {"first": size}, token=token)
        edges = body["data"]["households"]["edges"]
        assert len(edges) == size and all(e["node"]["tier"] for e in edges)
        assert all(len(e["node"]["latestEntries"]) == 2 for e in edges)
        counts[size] = len(queries)
    assert counts[10] == counts[100], counts


def test_browser_session_sign_in_with_the_csrf_check(two_villages):
    member(two_villages, "gw-browser@jia.test", "grid_worker", "V01")
    browser = Client(enforce_csrf_checks=True)
    login = f"/t/{two_villages.code}/accounts/login/"
    page = browser.get(login)
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    signed_in = browser.post(
        login,
        {
            "username": "gw-browser@jia.test",
            "password": "pw",
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == f"/t/{two_villages.code}/"
    url = endpoint(two_villages)
    forged = gql(browser, url, "{ me { roles { role villageCode } } }")
    assert forged["_status"] == 401 and "CSRF" in forged["errors"][0]["message"]
    reply = browser.post(
        url,
        {"query": "{ me { roles { role villageCode } } }"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert reply.json()["data"]["me"]["roles"] == [{"role": "grid_worker", "villageCode": "V01"}]


def test_the_api_token_command_issues_lists_and_revokes(two_villages, capsys):
    from django.core.management import call_command

    member(two_villages, "cli-clerk@jia.test", "alliance_member", alliance_member_code="B1")
    call_command(
        "api_token",
        "--township",
        two_villages.code,
        "--user",
        "cli-clerk@jia.test",
        "--role",
        "alliance_member",
        "--label",
        "bank system",
    )
    token = capsys.readouterr().out.strip()
    assert token.startswith("ti_")
    url = endpoint(two_villages)
    me = gql(_anonymous(), url, "{ me { roles { allianceMemberCode } } }", token=token)
    assert me["data"]["me"]["roles"] == [{"allianceMemberCode": "B1"}]
    call_command("api_token", "--township", two_villages.code, "--list")
    listed = capsys.readouterr().out
    assert "cli-clerk@jia.test" in listed and "active" in listed and token not in listed
    call_command("api_token", "--revoke", token[3:11])
    assert gql(_anonymous(), url, "{ me { email } }", token=token)["_status"] == 401


def test_village_staff_ask_eligibility_and_unknown_types_are_not_found(two_villages):
    import base64

    enable_plugin(two_villages, "restrictions")
    token = token_for(two_villages, "gw-elig@jia.test", "grid_worker", "V01")
    url = endpoint(two_villages)
    benefits = gql(_anonymous(), url, "{ benefits { code plugin } }", token=token)["data"]
    assert {"code": "bank_loan", "plugin": "restrictions"} in benefits["benefits"]
    ask = (
        'mutation { checkEligibility(householdCode: "V01-0001", benefit: "bank_loan") '
        "{ answer { eligible } errors { code } } }"
    )
    answer = gql(_anonymous(), url, ask, token=token)["data"]["checkEligibility"]["answer"]
    assert answer["eligible"] is False
    # A type of a plugin this township does not have (or disabled since): not found.
    raw = f"PetitionCase:{two_villages.code}:1".encode()
    foreign_type = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    body = gql(
        _anonymous(),
        url,
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": foreign_type},
        token=token,
    )
    assert codes(body) == ["NOT_FOUND"]
    garbage = gql(_anonymous(), url, '{ node(id: "%%%") { id } }', token=token)
    assert codes(garbage) == ["BAD_INPUT"]


def test_a_households_ledger_pages_with_a_total_and_the_page_size_limit(two_villages):
    token = token_for(two_villages, "ledger@jia.test", "township_admin")
    url = endpoint(two_villages)
    query = """query($n: Int) { household(code: "V01-0001") { ledger(first: $n) { totalCount
      pageInfo { hasNextPage } edges { node { rule { code } } } } } }"""
    ledger = gql(_anonymous(), url, query, {"n": 1}, token=token)["data"]["household"]["ledger"]
    assert ledger == {
        "totalCount": 1,
        "pageInfo": {"hasNextPage": False},
        "edges": [{"node": {"rule": {"code": "P7-04"}}}],
    }
    assert codes(gql(_anonymous(), url, query, {"n": 1000}, token=token)) == ["PAGE_TOO_LARGE"]


def test_graphiql_is_served_in_demo_mode_only(client, two_villages, settings):
    assert client.login(username="admin@jia.test", password="pw-jia")
    url = endpoint(two_villages)
    settings.DEBUG = False
    page = client.get(url, HTTP_ACCEPT="text/html")
    assert "graphiql" not in page.content.decode().lower()
    settings.DEBUG = True
    page = client.get(url, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and "graphiql" in page.content.decode().lower()
    assert client.get("/graphql/", HTTP_ACCEPT="text/html").status_code == 200
