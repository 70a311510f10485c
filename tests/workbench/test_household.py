"""A household's own page: its standing and why, its wallet, objections within the window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.accounts.services import grant_role
from platform_core.scoring.models import Objection
from platform_core.scoring.services import decide_objection, file_objection
from tests import factories as f
from tests.workbench.conftest import work


def key(page, prefix: str = "") -> str:
    name = f"{prefix}-submission" if prefix else "submission"
    return page.content.decode().split(f'name="{name}" value="')[1].split('"')[0]


def block(html: str, field: str) -> str:
    """The rendered ``data-field`` block of ``field`` (its input, help and errors)."""
    return html.split(f'data-field="{field}"')[1].split('<div class="field')[0]


@pytest.fixture
def people(world):
    with tenant_context(world):
        return {
            "home": f.person("home", "household", "V01", household_code="V01-0001"),
            "neighbour": f.person("neighbour", "household", "V01", household_code="V01-0002"),
            "grid": f.person("grid", "grid_worker", "V01"),
            "council": f.person("council", "council_member"),
            "party": f.person("party", "party_member", "V01"),
            "admin": f.person("admin", "township_admin"),
            "bank": f.person("bank", "alliance_member", alliance_member_code="B01"),
        }


@pytest.fixture
def deduction(world, people):
    """An approved deduction of V01-0001, recorded by the grid worker, approved by the council."""
    with tenant_context(world):
        return f.approved(
            "V01-0001", "P7-02", timezone.localdate(), by=people["grid"], reviewer=people["council"]
        )


def test_a_household_sees_its_standing_and_why(world, people, deduction, signed_in):
    with tenant_context(world):
        bonus = f.approved("V01-0001", "VO-01", timezone.localdate(), by=people["grid"])
        f.approved("V01-0002", "P7-04", timezone.localdate(), by=people["grid"])  # the neighbour's
    page = signed_in(people["home"]).get(work(world, "mine/"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-standing" in html and "Not evaluated yet." in html
    assert f'data-entry="{deduction.pk}"' in html and f'data-entry="{bonus.pk}"' in html
    assert html.count("data-entry=") == 2  # never the neighbour's
    row = html.split(f'data-entry="{deduction.pk}"')[1].split("</tr>")[0]
    assert "P7-02" in row and "Malicious complaint" in row and "-5" in row
    assert "seen by the grid worker" in row and "grid@test.local" in row
    assert "council@test.local" in row and "Approved" in row
    assert "Wallet: 2" in html  # earned +2 from the bonus, nothing spent
    assert f'data-object="{deduction.pk}"' in html  # offered, with its last day
    last_day = (timezone.localdate() + dt.timedelta(days=15)).isoformat()
    assert f"Last day to object: {last_day}" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("home", 200),
        ("grid", 403),
        ("council", 403),
        ("party", 403),
        ("admin", 403),
        ("bank", 403),
    ],
)
def test_only_households_open_the_household_pages(world, people, who, status, signed_in):
    client = signed_in(people[who])
    assert client.get(work(world, "mine/")).status_code == status
    assert client.get(work(world, "mine/declare/")).status_code == status


def test_a_household_of_another_township_is_refused_and_anonymous_signs_in(
    world, township_b, people, signed_in, client
):
    assert signed_in(people["home"]).get(work(township_b, "mine/")).status_code == 403
    reply = client.get(work(world, "mine/"))
    assert reply.status_code == 302 and "/accounts/login/" in reply["Location"]


def test_a_person_with_several_households_picks_one_of_their_own(world, people, signed_in):
    with tenant_context(world):
        grant_role(people["home"].user, world, "household", "V02", household_code="V02-0003")
    client = signed_in(people["home"])
    first = client.get(work(world, "mine/")).content.decode()
    assert "<h1>V01-0001" in first and 'name="household"' in first
    picked = client.get(work(world, "mine/?household=V02-0003"))
    assert picked.status_code == 200 and "<h1>V02-0003" in picked.content.decode()
    assert client.get(work(world, "mine/?household=V01-0002")).status_code == 404
    assert client.get(work(world, "mine/declare/?household=V01-0002")).status_code == 404


def test_a_household_objects_within_the_window_once_and_sees_the_decision(
    world, people, deduction, signed_in
):
    client = signed_in(people["home"])
    page = client.get(work(world, "mine/"))
    prefix = f"e{deduction.pk}"
    url = work(world, f"mine/entries/{deduction.pk}/object/")
    empty = client.post(url, {f"{prefix}-submission": key(page, prefix), f"{prefix}-reason": ""})
    assert empty.status_code == 400
    assert "This field is required." in block(empty.content.decode(), "reason")
    data = {f"{prefix}-submission": key(page, prefix), f"{prefix}-reason": "it was the neighbour"}
    first = client.post(url, data)
    second = client.post(url, data)  # a double tap
    assert first.status_code == second.status_code == 302
    assert first["Location"].endswith("/work/mine/#objections")
    with tenant_context(world):
        objection = Objection.objects.get(entry=deduction)
        assert objection.filed_by_id == people["home"].user.pk and not objection.on_behalf
        decide_objection(
            objection, decider=people["admin"], uphold=True, reason="the neighbour's door"
        )
    html = client.get(work(world, "mine/")).content.decode()
    row = html.split(f'data-objection="{objection.pk}"')[1].split("</tr>")[0]
    assert 'data-status="upheld"' in html and "the neighbour&#x27;s door" in row
    assert f'data-object="{deduction.pk}"' not in html  # reversed: nothing left to object to


def test_a_pending_objection_is_not_offered_again_and_a_forged_post_is_refused_at_the_field(
    world, people, deduction, signed_in
):
    with tenant_context(world):
        file_objection(deduction, by=people["home"], reason="not us")
    client = signed_in(people["home"])
    html = client.get(work(world, "mine/")).content.decode()
    assert f'data-object="{deduction.pk}"' not in html
    prefix = f"e{deduction.pk}"
    reply = client.post(
        work(world, f"mine/entries/{deduction.pk}/object/"),
        {f"{prefix}-submission": "forged", f"{prefix}-reason": "again"},
    )
    assert reply.status_code == 400
    assert "already has an objection awaiting the council" in block(reply.content.decode(), "entry")


def test_after_the_window_no_objection_is_offered_and_a_forged_post_is_refused(
    world, people, signed_in, monkeypatch
):
    past = timezone.now() - dt.timedelta(days=40)
    with tenant_context(world), monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: past)  # recorded and approved 40 days ago
        old = f.approved(
            "V01-0001", "P7-02", past.date(), by=people["grid"], reviewer=people["council"]
        )
    client = signed_in(people["home"])
    html = client.get(work(world, "mine/")).content.decode()
    assert f'data-entry="{old.pk}"' in html
    assert f'data-object="{old.pk}"' not in html and "Object by" not in html
    prefix = f"e{old.pk}"
    url = work(world, f"mine/entries/{old.pk}/object/")
    page = client.get(url)
    assert page.status_code == 200 and ">Object</button>" not in page.content.decode()
    reply = client.post(url, {f"{prefix}-submission": "forged", f"{prefix}-reason": "too late?"})
    assert reply.status_code == 400
    assert "the objection window closed on" in block(reply.content.decode(), "entry")
    with tenant_context(world):
        assert not Objection.objects.exists()


def test_objecting_to_someone_elses_entry_by_its_id_is_not_found(
    world, township_b, people, signed_in
):
    with tenant_context(world):
        theirs = f.approved("V01-0002", "P7-02", timezone.localdate(), by=people["grid"])
        bonus = f.approved("V01-0001", "VO-01", timezone.localdate(), by=people["grid"])
    client = signed_in(people["home"])
    prefix = f"e{theirs.pk}"
    reply = client.post(
        work(world, f"mine/entries/{theirs.pk}/object/"),
        {f"{prefix}-submission": "x", f"{prefix}-reason": "not theirs either"},
    )
    assert reply.status_code == 404
    assert client.get(work(world, "mine/entries/999999/object/")).status_code == 404
    # Its own bonus is not a deduction: refused at the entry, nothing filed.
    prefix = f"e{bonus.pk}"
    reply = client.post(
        work(world, f"mine/entries/{bonus.pk}/object/"),
        {f"{prefix}-submission": "y", f"{prefix}-reason": "more please"},
    )
    assert reply.status_code == 400
    assert "only deductions can be contested" in block(reply.content.decode(), "entry")
    # Staff may object on a household's behalf through the API, not through these pages.
    url = work(world, f"mine/entries/{theirs.pk}/object/")
    assert signed_in(people["grid"]).post(url, {}).status_code == 403
    assert client.post(work(township_b, f"mine/entries/{theirs.pk}/object/")).status_code == 403
    with tenant_context(world):
        assert not Objection.objects.exists()


def test_the_home_page_counts_the_households_pending_objections(
    world, people, deduction, signed_in
):
    with tenant_context(world):
        file_objection(deduction, by=people["home"], reason="not us")
    html = signed_in(people["home"]).get(work(world)).content.decode()
    line = html.split('data-waiting="mine"')[1].split("</li>")[0]
    assert '<span class="badge">1</span>' in line
