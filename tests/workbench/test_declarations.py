"""Households declare good deeds (村民申报); their village's staff confirm or decline them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from platform_core.accounts.services import grant_role
from platform_core.scoring.evidence import declare_good_deed
from platform_core.scoring.models import Declaration, EvidencePhoto, ScoreEvent
from tests import factories as f
from tests.workbench.conftest import work


def png(name: str = "deed.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


def block(html: str, field: str) -> str:
    return html.split(f'data-field="{field}"')[1].split('<div class="field')[0]


def rule_id(township, code: str = "VO-01") -> int:
    with tenant_context(township):
        return f.rule(code).pk


@pytest.fixture
def people(world):
    with tenant_context(world):
        return {
            "home": f.person("home", "household", "V01", household_code="V01-0001"),
            "other_home": f.person("other", "household", "V02", household_code="V02-0001"),
            "grid": f.person("grid", "grid_worker", "V01"),
            "grid2": f.person("grid2", "grid_worker", "V02"),
            "committee": f.person("committee", "village_committee", "V01"),
            "council": f.person("council", "council_member"),
            "bank": f.person("bank", "alliance_member", alliance_member_code="B01"),
        }


def declared(township, by, code: str = "V01-0001", photos=()) -> Declaration:
    with tenant_context(township):
        return declare_good_deed(
            household=f.household(code),
            rule=f.rule("VO-01"),
            occurred_on=timezone.localdate(),
            note="helped clear the lane after the storm",
            by=by,
            photos=list(photos),
        )


def test_a_household_declares_a_good_deed_with_a_photo_once(world, people, signed_in):
    client = signed_in(people["home"])
    page = client.get(work(world, "mine/declare/"))
    assert page.status_code == 200
    assert "P7-02" not in page.content.decode()  # deductions are not offered
    data = {
        "submission": key(page),
        "rule": rule_id(world),
        "occurred_on": timezone.localdate().isoformat(),
        "note": "helped an old neighbour with the harvest",
        "photo": png(),
    }
    first = client.post(work(world, "mine/declare/"), data)
    data["photo"] = png()
    second = client.post(work(world, "mine/declare/"), data)  # a double tap
    assert first.status_code == second.status_code == 302
    assert first["Location"].endswith("/work/mine/#declarations")
    with tenant_context(world):
        declaration = Declaration.objects.get()
        assert declaration.household.code == "V01-0001"
        assert declaration.status == Declaration.Status.PENDING
        assert declaration.declared_by_id == people["home"].user.pk
        photo = EvidencePhoto.objects.get(declaration=declaration)
    html = client.get(work(world, "mine/")).content.decode()
    row = html.split(f'data-declaration="{declaration.pk}"')[1].split("</tr>")[0]
    assert "Awaiting confirmation" in row and "harvest" in row
    assert client.get(work(world, f"photos/{photo.pk}/")).status_code == 200


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"occurred_on": "2999-01-01"}, "occurred_on", "is in the future"),
        ({"occurred_on": "2000-01-01"}, "occurred_on", "within 90 days"),
        ({"rule": "P7-02"}, "rule", "Select a valid choice"),
        ({"note": ""}, "note", "This field is required."),
        ({"note": "   "}, "note", "This field is required."),
        ({"photo": "fake"}, "photo", "evil.png is not a photo"),
    ],
)
def test_bad_declarations_are_shown_at_their_field_and_nothing_is_written(
    world, people, signed_in, change, field, message
):
    client = signed_in(people["home"])
    page = client.get(work(world, "mine/declare/"))
    data = {
        "submission": key(page),
        "rule": rule_id(world),
        "occurred_on": timezone.localdate().isoformat(),
        "note": "helped clear the lane",
    }
    data.update(change)
    if data.get("rule") == "P7-02":
        data["rule"] = rule_id(world, "P7-02")  # a deduction, forged into the form
    if data.get("photo") == "fake":
        data["photo"] = SimpleUploadedFile("evil.png", b"<svg onload=alert(1)>", "image/png")
    reply = client.post(work(world, "mine/declare/"), data)
    assert reply.status_code == 400
    assert message in block(reply.content.decode(), field)
    with tenant_context(world):
        assert not Declaration.objects.exists() and not EvidencePhoto.objects.exists()


def test_a_grid_worker_confirms_a_declaration_into_a_proposed_entry(world, people, signed_in):
    declaration = declared(world, people["home"], photos=[png()])
    declared(world, people["other_home"], code="V02-0001")
    client = signed_in(people["grid"])
    home = client.get(work(world)).content.decode()
    line = home.split('data-waiting="declarations"')[1].split("</li>")[0]
    assert '<span class="badge">1</span>' in line
    listing = client.get(work(world, "declarations/")).content.decode()
    assert listing.count("data-declaration=") == 1  # V01 only
    assert f'data-declaration="{declaration.pk}"' in listing
    with tenant_context(world):
        photo = declaration.photos.get()
    assert f"/work/photos/{photo.pk}/" in listing
    assert client.get(work(world, f"photos/{photo.pk}/")).status_code == 200
    page = client.get(work(world, f"declarations/{declaration.pk}/"))
    assert page.status_code == 200 and "storm" in page.content.decode()
    data = {"submission": key(page), "decision": "confirm", "evidence": "seen by me on Sunday"}
    first = client.post(work(world, f"declarations/{declaration.pk}/"), data)
    second = client.post(work(world, f"declarations/{declaration.pk}/"), data)
    assert first.status_code == second.status_code == 302
    with tenant_context(world):
        entry = ScoreEvent.objects.get(household__code="V01-0001")
        assert entry.status == "proposed" and entry.recorded_by_id == people["grid"].user.pk
        assert entry.evidence == "seen by me on Sunday"
        assert entry.photos.count() == 1
        declaration.refresh_from_db()
        assert declaration.status == Declaration.Status.CONFIRMED
    assert client.get(work(world, "declarations/")).content.decode().count("data-declaration=") == 0
    mine = signed_in(people["home"]).get(work(world, "mine/")).content.decode()
    row = mine.split(f'data-declaration="{declaration.pk}"')[1].split("</tr>")[0]
    assert "Confirmed" in row and "Entry: Proposed" in row


def test_a_declaration_is_declined_only_with_a_reason_the_household_reads(world, people, signed_in):
    declaration = declared(world, people["home"])
    client = signed_in(people["committee"])
    url = work(world, f"declarations/{declaration.pk}/")
    page = client.get(url)
    refused = client.post(url, {"submission": key(page), "decision": "decline", "reason": " "})
    assert refused.status_code == 400
    assert "needs a reason the household can read" in block(refused.content.decode(), "reason")
    reply = client.post(
        url, {"submission": key(page), "decision": "decline", "reason": "nobody saw it"}
    )
    assert reply.status_code == 302
    again = client.post(url, {"submission": "other", "decision": "confirm", "evidence": ""})
    assert again.status_code == 400 and "was already decided" in again.content.decode()
    with tenant_context(world):
        declaration.refresh_from_db()
        assert declaration.status == Declaration.Status.DECLINED
        assert not ScoreEvent.objects.exists()
    mine = signed_in(people["home"]).get(work(world, "mine/")).content.decode()
    row = mine.split(f'data-declaration="{declaration.pk}"')[1].split("</tr>")[0]
    assert "Declined" in row and "nobody saw it" in row


def test_nobody_confirms_their_own_declaration(world, people, signed_in):
    with tenant_context(world):
        grant_role(people["grid"].user, world, "household", "V01", household_code="V01-0002")
    own = declared(world, people["grid"], code="V01-0002")
    client = signed_in(people["grid"])
    assert client.get(work(world, "declarations/")).content.decode().count("data-declaration=") == 0
    assert client.get(work(world, f"declarations/{own.pk}/")).status_code == 404
    reply = client.post(
        work(world, f"declarations/{own.pk}/"),
        {"submission": "x", "decision": "confirm", "evidence": "me"},
    )
    assert reply.status_code == 404
    with tenant_context(world):
        assert Declaration.objects.get().status == Declaration.Status.PENDING


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("grid", 200),
        ("committee", 200),
        ("council", 200),
        ("grid2", 404),  # another village's declaration
        ("home", 403),
        ("bank", 403),
    ],
)
def test_who_opens_a_declaration(world, people, signed_in, who, status):
    declaration = declared(world, people["other_home"], code="V02-0001")
    declaration = declared(world, people["home"])
    client = signed_in(people[who])
    assert client.get(work(world, f"declarations/{declaration.pk}/")).status_code == status
    queue = client.get(work(world, "declarations/"))
    assert queue.status_code == (403 if status == 403 else 200)
    if status == 404:
        assert queue.content.decode().count("data-declaration=") == 1  # its own village's


def test_declarations_and_their_photos_stay_in_their_township_and_village(
    world, township_b, people, signed_in
):
    declaration = declared(world, people["home"], photos=[png()])
    with tenant_context(world):
        photo = declaration.photos.get()
    with tenant_context(township_b):
        f.village("V01", "北村")
        elsewhere = f.person("b-grid", "grid_worker", "V01")
    client = signed_in(elsewhere)
    assert client.get(work(township_b, f"declarations/{declaration.pk}/")).status_code == 404
    assert client.get(work(world, f"declarations/{declaration.pk}/")).status_code == 403
    assert client.get(work(world, f"photos/{photo.pk}/")).status_code == 403
    assert signed_in(people["grid2"]).get(work(world, f"photos/{photo.pk}/")).status_code == 404
    assert signed_in(people["other_home"]).get(work(world, f"photos/{photo.pk}/")).status_code == (
        404
    )
    assert signed_in(people["grid"]).get(work(world, "mine/declare/")).status_code == 403


# --- the same through the API (declareGoodDeed, confirmDeclaration, declineDeclaration) ----

DECLARE = """mutation($code: String!, $rule: String!, $on: Date!, $note: String!) {
  declareGoodDeed(householdCode: $code, ruleCode: $rule, occurredOn: $on, note: $note) {
    declaration { id status householdCode rule { code } photoCount }
    errors { field code message }
  }
}"""
CONFIRM = """mutation($id: ID!) {
  confirmDeclaration(declarationId: $id, evidence: "seen on Sunday") {
    declaration { id status decidedByLabel entry { status evidence } }
    entry { id status recordedByLabel }
    errors { field code message }
  }
}"""
DECLINE = """mutation($id: ID!, $reason: String!) {
  declineDeclaration(declarationId: $id, reason: $reason) {
    declaration { id status decisionReason }
    errors { field code message }
  }
}"""
LIST = "{ declarations { totalCount edges { node { id householdCode status } } } }"


def test_the_api_declares_confirms_and_declines_as_the_pages_do(world, people, signed_in):
    from tests.api import codes, endpoint, gql

    api = endpoint(world)
    home = signed_in(people["home"])
    variables = {
        "code": "V01-0001",
        "rule": "VO-01",
        "on": timezone.localdate().isoformat(),
        "note": "helped at the flood",
    }
    reply = gql(home, api, DECLARE, {**variables, "on": "2999-01-01"})
    assert reply["data"]["declareGoodDeed"]["errors"][0]["field"] == "occurredOn"
    reply = gql(home, api, DECLARE, {**variables, "rule": "P7-02"})
    assert reply["data"]["declareGoodDeed"]["errors"][0]["field"] == "rule"
    reply = gql(home, api, DECLARE, variables)["data"]["declareGoodDeed"]
    assert reply["errors"] == [] and reply["declaration"]["status"] == "pending"
    first = reply["declaration"]["id"]
    second = gql(home, api, DECLARE, variables)["data"]["declareGoodDeed"]["declaration"]["id"]
    # Staff declare for nobody; a household of another village is not even seen.
    assert codes(gql(signed_in(people["grid"]), api, DECLARE, variables)) == ["FORBIDDEN"]
    other = gql(signed_in(people["other_home"]), api, DECLARE, variables)
    assert other["data"]["declareGoodDeed"]["errors"][0]["code"] == "NOT_FOUND"
    # Who sees the declarations: the household its own, staff their villages'.
    assert gql(home, api, LIST)["data"]["declarations"]["totalCount"] == 2
    assert gql(signed_in(people["grid2"]), api, LIST)["data"]["declarations"]["totalCount"] == 0
    assert gql(signed_in(people["bank"]), api, LIST)["data"]["declarations"]["totalCount"] == 0
    # The household confirms nothing; staff of another village do not find it.
    assert codes(gql(home, api, CONFIRM, {"id": first})) == ["FORBIDDEN"]
    foreign = gql(signed_in(people["grid2"]), api, CONFIRM, {"id": first})
    assert foreign["data"]["confirmDeclaration"]["errors"][0]["code"] == "NOT_FOUND"
    grid = signed_in(people["grid"])
    confirmed = gql(grid, api, CONFIRM, {"id": first})["data"]["confirmDeclaration"]
    assert confirmed["errors"] == [] and confirmed["entry"]["status"] == "proposed"
    assert confirmed["declaration"]["status"] == "confirmed"
    assert confirmed["declaration"]["entry"]["evidence"] == "seen on Sunday"
    again = gql(grid, api, CONFIRM, {"id": first})["data"]["confirmDeclaration"]
    assert "already decided" in again["errors"][0]["message"]
    empty = gql(grid, api, DECLINE, {"id": second, "reason": " "})["data"]["declineDeclaration"]
    assert empty["errors"][0]["field"] == "reason"
    declined = gql(grid, api, DECLINE, {"id": second, "reason": "nobody saw it"})
    assert declined["data"]["declineDeclaration"]["declaration"]["decisionReason"] == (
        "nobody saw it"
    )
    with tenant_context(world):
        assert ScoreEvent.objects.filter(source="declaration").count() == 1
