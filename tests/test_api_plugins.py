"""Plugins' GraphQL fields: only where enabled, reads filtered by role, writes by the services.

Each built-in plugin contributes fields through ``township_graphql_fields``; a
township that has not enabled a plugin sees none of them, and enabling or
disabling shows on the next request. Global IDs name their township, so one
township's IDs find nothing at another's endpoint.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import itertools
import subprocess
import sys

import pytest
from django.test import Client
from django.utils import timezone

from platform_core.actors import Actor
from platform_core.alliance.services import add_member
from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Village
from platform_core.plugins.services import disable_plugin, enable_plugin
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for
from township_integrity import GraphQLContribution
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)
TODAY = timezone.localdate()
_emails = itertools.count(1)

# Every plugin's query and mutation fields (camelCase, as clients see them).
PLUGIN_FIELDS = {
    "garbage_sorting": ({"garbageInspections"}, {"recordGarbageInspection"}),
    "petition": (
        {"petitionCases", "petitionCase", "petitionVillageStatus", "petitionEarlyWarnings"},
        {"receivePetitionCase", "advancePetitionCase", "warnPetitioner", "determinePetitionCase"},
    ),
    "loans": (
        {"loanProducts", "loanApplications", "creditLines", "loanTotals"},
        {"applyForLoan", "decideLoanApplication", "drawCredit"},
    ),
    "integrity_card": (
        {"integrityCards", "integrityCard"},
        {"issueIntegrityCard", "checkIntegrityCard"},  # a check is logged: a mutation
    ),
    "points_shop": ({"pointsShops", "pointsOrders", "pointsWallet"}, {"placePointsOrder"}),
    "river_crab": (
        {"crabCooperatives", "crabInspections", "crabYields"},
        {"recordCrabInspection"},
    ),
    "veterans": ({"veterans", "veteranActivities"}, {"recordVeteranActivity"}),
}

SCHEMA_FIELDS = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"


def token(township, role: str, village: str = "", **scope) -> str:
    """An API token of a new member with ``role`` (``household_code``/``alliance_member_code``)."""
    return token_for(township, f"u{next(_emails)}@api-plugins.test", role, village, **scope)


def ask(township, bearer: str, query: str, variables: dict | None = None) -> dict:
    return gql(Client(), endpoint(township), query, variables, token=bearer)


def data(body: dict, field: str):
    assert not body.get("errors"), body
    return body["data"][field]


def payload(body: dict, field: str) -> dict:
    """A mutation's payload, which must have no errors."""
    result = data(body, field)
    assert result["errors"] == [], result
    return result


def count(township, bearer: str, query: str, field: str, variables: dict | None = None) -> int:
    """``totalCount`` of a connection the viewer asked for."""
    return data(ask(township, bearer, query, variables), field)["totalCount"]


def error_codes(body: dict, field: str) -> list[str]:
    return [e["code"] for e in data(body, field)["errors"]]


def fields_of(township, bearer: str) -> set[str]:
    schema = data(ask(township, bearer, SCHEMA_FIELDS), "__schema")
    return {f["name"] for root in ("queryType", "mutationType") for f in schema[root]["fields"]}


@pytest.fixture
def introspection(settings):
    settings.GRAPHQL_INTROSPECTION = True


@pytest.fixture
def villages(township_a, in_township):
    """甲镇: V01 (3 households; V01-0001 green after March, the others blue) and V02 (2)."""
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        f.approved("V01-0001", "VO-03", D(2026, 3, 2))  # 110: green
        finalise_month(MARCH, by=f.person())
    return township_a


# --- which fields exist where -----------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PLUGIN_FIELDS))
def test_fields_appear_only_where_enabled_and_follow_enabling(
    key, township_a, township_b, introspection
):
    own = set().union(*PLUGIN_FIELDS[key])
    admin_a, admin_b = token(township_a, "township_admin"), token(township_b, "township_admin")
    assert not own & fields_of(township_a, admin_a)  # not enabled: nothing of it

    enable_plugin(township_a, key)
    assert own <= fields_of(township_a, admin_a)  # the next request, no restart
    assert not own & fields_of(township_b, admin_b)

    disable_plugin(township_a, key)
    assert not own & fields_of(township_a, admin_a)


def test_every_plugin_at_once_keeps_every_field(township_a, introspection):
    """No plugin field clashes with the core or another plugin (a clash would be left out)."""
    for key in PLUGIN_FIELDS:
        enable_plugin(township_a, key)
    expected = set().union(*(q | m for q, m in PLUGIN_FIELDS.values()))
    assert expected <= fields_of(township_a, token(township_a, "township_admin"))


def test_contracts_hold_and_discovery_does_not_import_graphene():
    modules = {key: importlib.import_module(f"plugins.{key}.plugin") for key in PLUGIN_FIELDS}
    for key, module in modules.items():
        assert contract_problems(module) == [], key
        assert isinstance(module.township_graphql_fields(settings={}), GraphQLContribution)
    names = [module.__name__ for module in modules.values()]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('graphene') or "
        "m.endswith('.graphql')))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- garbage sorting ------------------------------------------------------------------

INSPECTIONS = """query($household: String) {
  garbageInspections(householdCode: $household) {
    totalCount edges { node { id householdCode result entry { points status } } }
  }
}"""
RECORD_INSPECTION = """mutation($household: String!, $on: Date!, $result: String!) {
  recordGarbageInspection(householdCode: $household, inspectedOn: $on, result: $result) {
    inspection { householdCode result inspectorLabel entry { points } }
    errors { field code message }
  }
}"""


def test_garbage_inspections_by_staff_of_the_village_only(villages):
    enable_plugin(villages, "garbage_sorting")
    worker = token(villages, "grid_worker", "V01")
    record = {"household": "V01-0002", "on": str(TODAY), "result": "wrong"}
    done = payload(ask(villages, worker, RECORD_INSPECTION, record), "recordGarbageInspection")
    assert done["inspection"]["entry"] == {"points": -1}
    assert count(villages, worker, INSPECTIONS, "garbageInspections") == 1

    other_village = token(villages, "grid_worker", "V02")
    refused = ask(villages, other_village, RECORD_INSPECTION, {**record, "result": "correct"})
    assert error_codes(refused, "recordGarbageInspection") == ["NOT_FOUND"]
    assert count(villages, other_village, INSPECTIONS, "garbageInspections") == 0
    household = token(villages, "household", household_code="V01-0002")
    assert codes(ask(villages, household, RECORD_INSPECTION, record)) == ["FORBIDDEN"]
    assert count(villages, household, INSPECTIONS, "garbageInspections") == 1
    neighbour = token(villages, "household", household_code="V01-0003")
    assert count(villages, neighbour, INSPECTIONS, "garbageInspections") == 0
    clerk = token(villages, "alliance_member", alliance_member_code="B1")
    assert count(villages, clerk, INSPECTIONS, "garbageInspections") == 0


# --- petitions ------------------------------------------------------------------------

RECEIVE = """mutation($ref: String!, $village: String!, $household: String, $at: DateTime!) {
  receivePetitionCase(kind: "petition", reference: $ref, villageCode: $village,
                      householdCode: $household, summary: "road dispute", receivedAt: $at) {
    case { id status villageCode householdCode }
    errors { field code message }
  }
}"""
ADVANCE = """mutation($id: ID!, $status: String!) {
  advancePetitionCase(caseId: $id, status: $status) {
    case { status } step { status byLabel } errors { field code message }
  }
}"""
WARN = """mutation($id: ID!) {
  warnPetitioner(caseId: $id, warning: "told: continuing lowers the points",
                 at: "2026-03-06T10:00:00+08:00") {
    case { notice notifiedAt notifiedByLabel } errors { field code message }
  }
}"""
DETERMINE = """mutation($id: ID!) {
  determinePetitionCase(caseId: $id, determination: "unreasonable", reason: "settled twice",
      finding: {authority: "县信访局", documentNumber: "信认字〔2026〕5号",
                foundOn: "2026-03-20"}) {
    case { determination entry { points source occurredOn finding { documentNumber warnedOn } } }
    errors { field code message }
  }
}"""
CASES = """query($village: String, $status: String, $month: String) {
  petitionCases(village: $village, status: $status, month: $month) {
    totalCount edges { node { id reference status householdCode steps { status } } }
  }
}"""
CASE = "query($id: ID!) { petitionCase(id: $id) { reference steps { status byLabel } } }"
STATUS = """query { petitionVillageStatus(start: "2026-03-01", end: "2026-03-31") {
  villageCode threeNone cases { kind cases } } }"""
WARNINGS = 'query { petitionEarlyWarnings(month: "2026-03") { villageCode cases description } }'
MARCH_5 = "2026-03-05T09:30:00+08:00"


def _case(township, bearer, reference="XF-1", village="V01", household="V01-0001") -> str:
    variables = {"ref": reference, "village": village, "household": household, "at": MARCH_5}
    return payload(ask(township, bearer, RECEIVE, variables), "receivePetitionCase")["case"]["id"]


def test_petition_cases_move_through_the_loop_and_stay_in_their_village(villages):
    enable_plugin(villages, "petition", {"warning_minimum": 1})
    committee = token(villages, "village_committee", "V01")
    case_id = _case(villages, committee)
    step = payload(
        ask(villages, committee, ADVANCE, {"id": case_id, "status": "assigned"}),
        "advancePetitionCase",
    )
    assert step["case"]["status"] == step["step"]["status"] == "assigned"
    skipped = ask(villages, committee, ADVANCE, {"id": case_id, "status": "closed"})
    assert error_codes(skipped, "advancePetitionCase") == ["REFUSED"]
    found = data(
        ask(villages, committee, CASES, {"village": "V01", "month": "2026-03"}), "petitionCases"
    )
    assert found["totalCount"] == 1
    assert [s["status"] for s in found["edges"][0]["node"]["steps"]] == ["received", "assigned"]
    assert count(villages, committee, CASES, "petitionCases", {"status": "closed"}) == 0
    assert data(ask(villages, committee, CASE, {"id": case_id}), "petitionCase")["reference"]
    status = data(ask(villages, committee, STATUS), "petitionVillageStatus")
    assert [(s["villageCode"], s["threeNone"]) for s in status] == [("V01", False)]
    assert {"kind": "petition", "cases": 1} in status[0]["cases"]
    assert [
        w["villageCode"] for w in data(ask(villages, committee, WARNINGS), "petitionEarlyWarnings")
    ] == ["V01"]

    worker = token(villages, "grid_worker", "V01")  # handles cases, does not determine
    assert codes(ask(villages, worker, DETERMINE, {"id": case_id})) == ["FORBIDDEN"]
    unwarned = ask(villages, committee, DETERMINE, {"id": case_id})
    assert error_codes(unwarned, "determinePetitionCase") == ["REFUSED"]
    warned = payload(ask(villages, worker, WARN, {"id": case_id}), "warnPetitioner")
    assert warned["case"]["notifiedAt"].startswith("2026-03-06")
    decided = payload(ask(villages, committee, DETERMINE, {"id": case_id}), "determinePetitionCase")
    assert decided["case"]["entry"] == {
        "points": -10,
        "source": "petition",
        "occurredOn": "2026-03-20",
        "finding": {"documentNumber": "信认字〔2026〕5号", "warnedOn": "2026-03-06"},
    }

    elsewhere = token(villages, "village_committee", "V02")
    assert count(villages, elsewhere, CASES, "petitionCases") == 0
    assert codes(ask(villages, elsewhere, CASE, {"id": case_id})) == ["NOT_FOUND"]
    moved = ask(villages, elsewhere, ADVANCE, {"id": case_id, "status": "handling"})
    assert error_codes(moved, "advancePetitionCase") == ["NOT_FOUND"]
    assert [
        s["villageCode"] for s in data(ask(villages, elsewhere, STATUS), "petitionVillageStatus")
    ] == ["V02"]
    assert codes(
        ask(
            villages,
            elsewhere,
            RECEIVE,
            {"ref": "XF-2", "village": "V01", "household": None, "at": MARCH_5},
        )
    ) == ["FORBIDDEN"]

    petitioner = token(villages, "household", household_code="V01-0001")
    assert count(villages, petitioner, CASES, "petitionCases") == 1
    assert codes(ask(villages, petitioner, ADVANCE, {"id": case_id, "status": "handling"})) == [
        "FORBIDDEN"
    ]
    assert codes(ask(villages, petitioner, STATUS)) == ["FORBIDDEN"]
    clerk = token(villages, "alliance_member", alliance_member_code="B1")
    assert count(villages, clerk, CASES, "petitionCases") == 0


# --- loans ----------------------------------------------------------------------------

PRODUCTS = "{ loanProducts { id name bankCode limitGreen } }"
APPLY = """mutation($household: String!, $product: ID!, $amount: Decimal!) {
  applyForLoan(householdCode: $household, productId: $product, amount: $amount) {
    application { id status tierAtApplication maskedName } errors { field code message }
  }
}"""
DECIDE = """mutation($id: ID!) {
  decideLoanApplication(applicationId: $id, approve: true) {
    application { status } creditLine { id limit drawn } errors { field code message }
  }
}"""
DRAW = """mutation($id: ID!, $amount: Decimal!) {
  drawCredit(lineId: $id, amount: $amount) {
    creditLine { drawn undrawn bankCode } errors { field code message }
  }
}"""
APPLICATIONS = (
    "{ loanApplications { totalCount edges { node { id householdCode product { bankCode } } } } }"
)
LINES = "{ creditLines { totalCount edges { node { householdCode limit drawn undrawn } } } }"
TOTALS = "{ loanTotals { township { lines granted } banks { bankCode totals { drawn undrawn } } } }"


@pytest.fixture
def banks(villages, in_township):
    """Banks B1 and B2 of the alliance, each with one product; the plugin enabled."""
    from plugins.loans.services import add_product

    enable_plugin(villages, "loans")
    with in_township(villages):
        for code in ("B1", "B2"):
            bank = add_member(code=code, name=f"{code} bank", kind="bank", by=Actor.cli())
            add_product(
                bank,
                name="鸿信贷",
                limit_green=200000,
                limit_blue=50000,
                annual_rate="4.35",
                by=f.person(),
            )
    return villages


def _product_ids(township) -> dict[str, str]:
    admin = token(township, "township_admin")
    return {p["bankCode"]: p["id"] for p in data(ask(township, admin, PRODUCTS), "loanProducts")}


def test_a_bank_clerk_applies_decides_and_draws_for_its_own_bank_only(banks):
    products = _product_ids(banks)
    b1 = token(banks, "alliance_member", alliance_member_code="B1")
    assert [p["bankCode"] for p in data(ask(banks, b1, PRODUCTS), "loanProducts")] == ["B1"]
    applied = payload(
        ask(
            banks,
            b1,
            APPLY,
            {"household": "V01-0001", "product": products["B1"], "amount": "10000"},
        ),
        "applyForLoan",
    )["application"]
    assert (applied["status"], applied["tierAtApplication"]) == ("applied", "green")
    worker = token(banks, "grid_worker", "V01")
    other = payload(
        ask(
            banks,
            worker,
            APPLY,
            {"household": "V01-0001", "product": products["B2"], "amount": "5000"},
        ),
        "applyForLoan",
    )["application"]
    assert codes(ask(banks, worker, DECIDE, {"id": applied["id"]})) == ["FORBIDDEN"]
    # The clerk who filed it does not decide it (issue 13, finding 1): a colleague does.
    assert codes(ask(banks, b1, DECIDE, {"id": applied["id"]})) == ["FORBIDDEN"]
    colleague = token(banks, "alliance_member", alliance_member_code="B1")

    line = payload(ask(banks, colleague, DECIDE, {"id": applied["id"]}), "decideLoanApplication")
    assert line["creditLine"]["limit"] == "10000.00"
    drawn = payload(
        ask(banks, b1, DRAW, {"id": line["creditLine"]["id"], "amount": "3000"}), "drawCredit"
    )
    assert drawn["creditLine"] == {"drawn": "3000.00", "undrawn": "7000.00", "bankCode": "B1"}

    # B2's application, product and totals are not B1's clerk's business.
    seen = data(ask(banks, b1, APPLICATIONS), "loanApplications")
    assert [e["node"]["id"] for e in seen["edges"]] == [applied["id"]]
    assert error_codes(ask(banks, b1, DECIDE, {"id": other["id"]}), "decideLoanApplication") == [
        "NOT_FOUND"
    ]
    refused = ask(
        banks, b1, APPLY, {"household": "V01-0002", "product": products["B2"], "amount": "1"}
    )
    assert error_codes(refused, "applyForLoan") == ["NOT_FOUND"]
    totals = data(ask(banks, b1, TOTALS), "loanTotals")
    assert totals["township"] is None and [b["bankCode"] for b in totals["banks"]] == ["B1"]
    b2 = token(banks, "alliance_member", alliance_member_code="B2")
    assert count(banks, b2, LINES, "creditLines") == 0
    assert [
        e["node"]["id"] for e in data(ask(banks, b2, APPLICATIONS), "loanApplications")["edges"]
    ] == [other["id"]]

    admin = data(ask(banks, token(banks, "township_admin"), TOTALS), "loanTotals")
    assert admin["township"] == {"lines": 1, "granted": "10000.00"}
    assert [b["bankCode"] for b in admin["banks"]] == ["B1", "B2"]
    holder = token(banks, "household", household_code="V01-0001")
    assert count(banks, holder, APPLICATIONS, "loanApplications") == 2
    assert count(banks, holder, LINES, "creditLines") == 1
    assert codes(ask(banks, holder, TOTALS)) == ["FORBIDDEN"]
    neighbour = token(banks, "household", household_code="V01-0002")
    assert count(banks, neighbour, APPLICATIONS, "loanApplications") == 0


# --- integrity card -------------------------------------------------------------------

ISSUE = """mutation($household: String!) {
  issueIntegrityCard(householdCode: $household) {
    card { number status householdCode } errors { field code message }
  }
}"""
CARDS = "{ integrityCards { number householdCode status } }"
CARD = "query($n: String!) { integrityCard(number: $n) { householdCode validUntil } }"
CHECK = """mutation($n: String!) {
  checkIntegrityCard(number: $n) {
    check { valid reason benefits { kind description } } errors { field code message }
  }
}"""


def test_cards_are_issued_by_staff_seen_by_their_household_and_checked_by_clerks(
    villages, in_township
):
    from plugins.integrity_card.models import CardCheck
    from plugins.integrity_card.services import register_benefit

    enable_plugin(villages, "integrity_card")
    with in_township(villages):
        shop = add_member(code="S1", name="诚信超市", kind="shop", by=Actor.cli())
        register_benefit(shop, kind="discount", description="9折", by=f.person())
    worker = token(villages, "grid_worker", "V01")
    card = payload(ask(villages, worker, ISSUE, {"household": "V01-0001"}), "issueIntegrityCard")
    number = card["card"]["number"]
    blue = ask(villages, worker, ISSUE, {"household": "V01-0002"})
    assert error_codes(blue, "issueIntegrityCard") == ["REFUSED"]

    holder = token(villages, "household", household_code="V01-0001")
    assert [c["number"] for c in data(ask(villages, holder, CARDS), "integrityCards")] == [number]
    assert data(ask(villages, holder, CARD, {"n": number}), "integrityCard")["householdCode"] == (
        "V01-0001"
    )
    assert codes(ask(villages, holder, ISSUE, {"household": "V01-0001"})) == ["FORBIDDEN"]
    assert codes(ask(villages, holder, CHECK, {"n": number})) == ["FORBIDDEN"]
    neighbour = token(villages, "household", household_code="V01-0002")
    assert data(ask(villages, neighbour, CARDS), "integrityCards") == []
    assert codes(ask(villages, neighbour, CARD, {"n": number})) == ["NOT_FOUND"]

    clerk = token(villages, "alliance_member", alliance_member_code="S1")
    answer = payload(ask(villages, clerk, CHECK, {"n": number.lower()}), "checkIntegrityCard")
    answer = answer["check"]
    assert answer["valid"] and answer["benefits"] == [{"kind": "discount", "description": "9折"}]
    unknown = payload(ask(villages, clerk, CHECK, {"n": "HX-000-AAAA-BBBB"}), "checkIntegrityCard")
    assert not unknown["check"]["valid"] and unknown["check"]["benefits"] == []
    assert data(ask(villages, clerk, CARDS), "integrityCards") == []  # no card list for clerks
    assert codes(ask(villages, clerk, ISSUE, {"household": "V01-0001"})) == ["FORBIDDEN"]
    with in_township(villages):
        assert sorted(CardCheck.objects.values_list("answer", flat=True)) == ["invalid", "valid"]


# --- points shop ----------------------------------------------------------------------

SHOPS = "{ pointsShops { id name villageCode items { id name pricePoints stock } } }"
PLACE = """mutation($household: String!, $shop: ID!, $item: ID!, $ref: String!) {
  placePointsOrder(householdCode: $household, shopId: $shop, reference: $ref,
                   lines: [{itemId: $item, quantity: 2}]) {
    order { reference totalPoints householdCode lines { itemName quantity } }
    errors { field code message }
  }
}"""
ORDERS = "{ pointsOrders { totalCount edges { node { id reference householdCode } } } }"
WALLET = "query($h: String!) { pointsWallet(householdCode: $h) { balance } }"


@pytest.fixture
def shop(villages, in_township):
    """A V01 shop run by alliance shop S1 selling soap at 3 points; V01-0001 holds 10 (VO-03)."""
    from plugins.points_shop.services import add_item, open_shop

    enable_plugin(villages, "points_shop")
    with in_township(villages):
        member = add_member(code="S1", name="诚信超市", kind="shop", by=Actor.cli())
        admin = f.person()
        opened = open_shop(
            village=Village.objects.get(code="V01"), name="太湖村积分超市", by=admin, member=member
        )
        add_item(opened, name="肥皂", price_points=3, stock=5, by=admin)
    return villages


def test_a_shop_clerk_places_orders_and_a_household_sees_only_its_own(shop):
    holder = token(shop, "household", household_code="V01-0001")
    [listed] = data(ask(shop, holder, SHOPS), "pointsShops")
    order = {"household": "V01-0001", "shop": listed["id"], "item": listed["items"][0]["id"]}
    assert codes(ask(shop, holder, PLACE, {**order, "ref": "R1"})) == ["FORBIDDEN"]
    clerk = token(shop, "alliance_member", alliance_member_code="S1")
    placed = payload(ask(shop, clerk, PLACE, {**order, "ref": "R1"}), "placePointsOrder")
    assert placed["order"]["totalPoints"] == 6
    other_shop = token(shop, "alliance_member", alliance_member_code="S2")
    assert codes(ask(shop, other_shop, PLACE, {**order, "ref": "R2"})) == ["FORBIDDEN"]

    assert count(shop, holder, ORDERS, "pointsOrders") == 1
    assert data(ask(shop, holder, WALLET, {"h": "V01-0001"}), "pointsWallet") == {"balance": 4}
    assert count(shop, clerk, ORDERS, "pointsOrders") == 1
    assert count(shop, other_shop, ORDERS, "pointsOrders") == 0
    neighbour = token(shop, "household", household_code="V01-0002")
    assert count(shop, neighbour, ORDERS, "pointsOrders") == 0
    assert codes(ask(shop, neighbour, WALLET, {"h": "V01-0001"})) == ["NOT_FOUND"]
    assert codes(ask(shop, clerk, WALLET, {"h": "V01-0001"})) == ["NOT_FOUND"]


# --- river crab -----------------------------------------------------------------------

COOPERATIVES = "{ crabCooperatives { name members { id householdCode pondMu } } }"
RECORD_CRAB = """mutation($member: ID!, $on: Date!) {
  recordCrabInspection(memberId: $member, inspectedOn: $on, results: [
    {aspect: "water_quality", passed: true}, {aspect: "drug_records", passed: true},
    {aspect: "quality_certification", passed: true}]) {
    inspections { aspect passed entry { points } } errors { field code message }
  }
}"""
CRAB_INSPECTIONS = "{ crabInspections { totalCount } }"
YIELDS = """query($year: Int!) { crabYields(year: $year) {
  members { householdCode profitPerMu reachesTarget }
  cooperatives { cooperativeName members } } }"""


def test_crab_inspections_and_yields_follow_the_households_a_viewer_may_see(villages, in_township):
    from plugins.river_crab.services import add_member as enrol
    from plugins.river_crab.services import create_cooperative, record_harvest

    enable_plugin(villages, "river_crab")
    with in_township(villages):
        admin = f.person()
        cooperative = create_cooperative(name="太湖河蟹合作社", by=admin)
        crab = enrol(
            cooperative, f.household("V01-0001"), pond_mu="10", joined_on=D(2025, 1, 1), by=admin
        )
        record_harvest(crab, year=2025, yield_jin="3000", revenue="250000", cost="120000", by=admin)
    worker = token(villages, "grid_worker", "V01")
    [listed] = data(ask(villages, worker, COOPERATIVES), "crabCooperatives")
    member_id = listed["members"][0]["id"]
    checks = payload(
        ask(villages, worker, RECORD_CRAB, {"member": member_id, "on": str(TODAY)}),
        "recordCrabInspection",
    )["inspections"]
    assert len(checks) == 3 and checks[0]["entry"] == {"points": 2}
    assert count(villages, worker, CRAB_INSPECTIONS, "crabInspections") == 3
    yields = data(ask(villages, worker, YIELDS, {"year": 2025}), "crabYields")
    assert yields["members"] == [
        {"householdCode": "V01-0001", "profitPerMu": "13000.00", "reachesTarget": True}
    ]
    assert yields["cooperatives"] == [{"cooperativeName": "太湖河蟹合作社", "members": 1}]

    neighbour = token(villages, "household", household_code="V01-0002")
    assert codes(
        ask(villages, neighbour, RECORD_CRAB, {"member": member_id, "on": str(TODAY)})
    ) == ["FORBIDDEN"]
    assert data(ask(villages, neighbour, COOPERATIVES), "crabCooperatives")[0]["members"] == []
    assert count(villages, neighbour, CRAB_INSPECTIONS, "crabInspections") == 0
    assert data(ask(villages, neighbour, YIELDS, {"year": 2025}), "crabYields") == {
        "members": [],
        "cooperatives": [],
    }
    elsewhere = token(villages, "grid_worker", "V02")
    again = ask(villages, elsewhere, RECORD_CRAB, {"member": member_id, "on": str(TODAY)})
    assert data(again, "recordCrabInspection")["errors"] == [
        {"field": "memberId", "code": "NOT_FOUND", "message": f"No member {member_id}."}
    ]


# --- veterans -------------------------------------------------------------------------

VETERANS = "{ veterans { id name householdCode activities { kind } } }"
RECORD_ACTIVITY = """mutation($veteran: ID!, $on: Date!) {
  recordVeteranActivity(veteranId: $veteran, kind: "volunteer_service", on: $on,
                        note: "cleaned the river bank") {
    activity { kind entry { points } } errors { field code message }
  }
}"""
ACTIVITIES = "{ veteranActivities { totalCount edges { node { kind veteran { name } } } } }"


def test_veteran_activities_are_recorded_by_staff_and_seen_by_the_household(villages, in_township):
    from plugins.veterans.services import register_veteran

    enable_plugin(villages, "veterans")
    with in_township(villages):
        register_veteran(
            f.household("V01-0001"), name="俞国明", discharged_year=1990, by=f.person()
        )
    worker = token(villages, "grid_worker", "V01")
    [veteran] = data(ask(villages, worker, VETERANS), "veterans")
    recorded = payload(
        ask(villages, worker, RECORD_ACTIVITY, {"veteran": veteran["id"], "on": str(TODAY)}),
        "recordVeteranActivity",
    )
    assert recorded["activity"] == {"kind": "volunteer_service", "entry": {"points": 2}}

    family = token(villages, "household", household_code="V01-0001")
    assert data(ask(villages, family, ACTIVITIES), "veteranActivities")["edges"] == [
        {"node": {"kind": "volunteer_service", "veteran": {"name": "俞国明"}}}
    ]
    assert codes(
        ask(villages, family, RECORD_ACTIVITY, {"veteran": veteran["id"], "on": str(TODAY)})
    ) == ["FORBIDDEN"]
    neighbour = token(villages, "household", household_code="V01-0002")
    assert data(ask(villages, neighbour, VETERANS), "veterans") == []
    assert count(villages, neighbour, ACTIVITIES, "veteranActivities") == 0
    clerk = token(villages, "alliance_member", alliance_member_code="B1")
    assert data(ask(villages, clerk, VETERANS), "veterans") == []
    elsewhere = token(villages, "grid_worker", "V02")  # staff, but not of the veteran's village
    hidden = ask(villages, elsewhere, RECORD_ACTIVITY, {"veteran": veteran["id"], "on": str(TODAY)})
    assert data(hidden, "recordVeteranActivity")["errors"] == [
        {"field": "veteranId", "code": "NOT_FOUND", "message": f"No veteran {veteran['id']}."}
    ]


# --- one township's data never answers at another's endpoint ---------------------------

NODE = "query($id: ID!) { node(id: $id) { id } }"


def _with_pk(global_id: str, pk: int) -> str:
    """The same township and type, another row: as if the row numbers coincided."""
    raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    kind, township, _pk = raw.split(":")
    return base64.urlsafe_b64encode(f"{kind}:{township}:{pk}".encode()).decode().rstrip("=")


def test_a_townships_plugin_ids_and_rows_are_not_found_at_another(
    villages, township_b, in_township
):
    from plugins.petition.models import Case
    from plugins.veterans.services import register_veteran

    for township in (villages, township_b):
        for key in ("petition", "veterans"):
            enable_plugin(township, key)
    with in_township(villages):
        register_veteran(
            f.household("V01-0001"), name="俞国明", discharged_year=1990, by=f.person()
        )
    admin_a = token(villages, "township_admin")
    case_a = _case(villages, admin_a)
    [veteran_a] = data(ask(villages, admin_a, VETERANS), "veterans")

    with in_township(township_b):
        f.village()
    admin_b = token(township_b, "township_admin")
    _case(township_b, admin_b, reference="YI-1")
    with in_township(township_b):
        pk_b = Case.objects.get(reference="YI-1").pk
    assert count(township_b, admin_b, CASES, "petitionCases") == 1
    assert data(ask(township_b, admin_b, VETERANS), "veterans") == []

    for foreign in (case_a, _with_pk(case_a, pk_b)):  # A's IDs, even with B's row number
        assert codes(ask(township_b, admin_b, NODE, {"id": foreign})) == ["NOT_FOUND"]
        assert codes(ask(township_b, admin_b, CASE, {"id": foreign})) == ["NOT_FOUND"]
        moved = ask(township_b, admin_b, ADVANCE, {"id": foreign, "status": "assigned"})
        assert error_codes(moved, "advancePetitionCase") == ["NOT_FOUND"]
    variables = {"veteran": veteran_a["id"], "on": str(TODAY)}
    recorded = ask(township_b, admin_b, RECORD_ACTIVITY, variables)
    assert error_codes(recorded, "recordVeteranActivity") == ["NOT_FOUND"]
    with in_township(villages):
        assert Case.objects.get(reference="XF-1").status == "received"  # untouched
