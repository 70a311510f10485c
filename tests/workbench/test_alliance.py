"""The alliance clerk's eligibility check in the workbench: logged, POST only, own institution."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.alliance.models import EligibilityCheck
from platform_core.alliance.services import add_member
from platform_core.codes.services import scan_path
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from tests.workbench.conftest import work


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


def field(page, name: str) -> str:
    """The rendered block of form field ``name`` (its input and errors)."""
    return page.content.decode().split(f'data-field="{name}"')[1].split('data-field="')[0]


@pytest.fixture
def alliance(world):
    """A bank with its clerk; V01-0001 is red (90), V01-0002 green (110); restrictions on."""
    enable_plugin(world, "restrictions")
    with tenant_context(world):
        add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        add_member(code="B2", name="邮储银行", kind="bank", by=Actor.cli())
        f.approved("V01-0001", "P7-04", timezone.localdate())
        f.approved("V01-0002", "VO-03", timezone.localdate())
        clerk = f.person("clerk", "alliance_member", alliance_member_code="B1")
    return {"clerk": clerk}


def ask(client, township, page, **fields):
    data = {"submission": key(page), "household": "V01-0001", "benefit": "bank_loan"}
    data.update(fields)
    return client.post(work(township, "eligibility/"), data)


def test_a_clerk_checks_a_household_by_code_and_the_check_is_logged_once(
    world, alliance, signed_in
):
    client = signed_in(alliance["clerk"])
    home = client.get(work(world)).content.decode()
    assert f'href="/t/{world.code}/work/eligibility/"' in home
    page = client.get(work(world, "eligibility/"))
    assert page.status_code == 200
    assert 'value="B1" selected' in field(page, "institution")  # their only institution
    reply = ask(client, world, page, institution="B1")
    assert reply.status_code == 302
    again = ask(client, world, page, institution="B1")  # a double submit
    assert again.status_code == 302
    with tenant_context(world):
        check = EligibilityCheck.objects.get()
        assert (check.household.code, check.member.code, check.eligible) == (
            "V01-0001",
            "B1",
            False,
        )
        assert check.checked_by_id == alliance["clerk"].user.pk
    answer = client.get(reply["Location"]).content.decode()
    assert f'data-answer="{check.pk}" data-eligible="no"' in answer
    # Without the household's consent for B1 the clerk learns only the answer (PIPL Art. 23).
    assert "restricted" not in answer and "data-narrowed" in answer
    assert f'data-check="{check.pk}"' in answer  # and the recent checks list it


def test_a_scanned_qr_address_names_the_household(world, alliance, signed_in):
    client = signed_in(alliance["clerk"])
    with tenant_context(world):
        address = "https://jia.example.org" + scan_path(world, f.household("V01-0002"))
    page = client.get(work(world, "eligibility/"))
    reply = ask(client, world, page, household=address, institution="B1")
    assert reply.status_code == 302
    with tenant_context(world):
        check = EligibilityCheck.objects.get()
        assert check.household.code == "V01-0002" and check.eligible


def test_a_get_writes_nothing(world, alliance, signed_in):
    client = signed_in(alliance["clerk"])
    page = client.get(
        work(world, "eligibility/?household=V01-0001&benefit=bank_loan&institution=B1")
    )
    assert page.status_code == 200
    with tenant_context(world):
        assert not EligibilityCheck.objects.exists()


def test_bad_input_is_shown_at_its_field_and_nothing_is_logged(world, alliance, signed_in):
    client = signed_in(alliance["clerk"])
    page = client.get(work(world, "eligibility/"))
    unknown = ask(client, world, page, household="V09-9999", institution="B1")
    assert unknown.status_code == 400
    assert "No household V09-9999." in field(unknown, "household")
    offered_nowhere = ask(client, world, page, benefit="moon_landing", institution="B1")
    assert offered_nowhere.status_code == 400
    assert "Select a valid choice" in field(offered_nowhere, "benefit")
    another_bank = ask(client, world, page, institution="B2")  # not the clerk's institution
    assert another_bank.status_code == 400
    assert "Select a valid choice" in field(another_bank, "institution")
    none_named = ask(client, world, page, institution="")  # a clerk asks for their institution
    assert "Choose the institution you ask for." in field(none_named, "institution")
    forged_token = ask(client, world, page, household="https://x/h/V01-0001.forged/")
    assert forged_token.status_code == 400
    with tenant_context(world):
        assert not EligibilityCheck.objects.exists()


def test_staff_ask_for_their_villages_only_and_the_refusal_is_at_the_household(
    world, alliance, signed_in
):
    with tenant_context(world):
        grid = f.person("grid-v02", "grid_worker", "V02")
    client = signed_in(grid)
    page = client.get(work(world, "eligibility/"))
    assert page.status_code == 200
    refused = ask(client, world, page, institution="")
    assert refused.status_code == 400
    assert "may not check eligibility" in field(refused, "household")
    page = client.get(work(world, "eligibility/"))
    assert ask(client, world, page, household="V02-0001", institution="").status_code == 302
    with tenant_context(world):
        check = EligibilityCheck.objects.get()
        assert check.household.code == "V02-0001" and check.member is None


def test_who_may_open_the_page_and_whose_answers_are_shown(world, township_b, alliance, signed_in):
    with tenant_context(world):
        home = f.person("home", "household", "V01", household_code="V01-0001")
        other_clerk = f.person("clerk2", "alliance_member", alliance_member_code="B2")
    assert signed_in(home).get(work(world, "eligibility/")).status_code == 403
    assert signed_in(alliance["clerk"]).get(work(township_b, "eligibility/")).status_code == 403
    client = signed_in(alliance["clerk"])
    reply = ask(client, world, client.get(work(world, "eligibility/")), institution="B1")
    theirs = reply["Location"].split("?")[1]
    shown = signed_in(other_clerk).get(work(world, f"eligibility/?{theirs}")).content.decode()
    assert "data-answer=" not in shown  # another clerk's answer is not shown to them
    assert "data-check=" not in shown
