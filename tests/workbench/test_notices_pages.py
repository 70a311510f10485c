"""Notices on the workbench (issue 16, item 4): the household sees its notice and answers it
(an objection answering the notice); staff of its village record an answer received by
phone or letter on its behalf; nobody else can."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.scoring.models import Objection
from platform_core.scoring.services import record_entry, review_entry
from tests import factories as f
from tests.workbench.conftest import work


def key(page, prefix: str = "") -> str:
    name = f"{prefix}-submission" if prefix else "submission"
    return page.content.decode().split(f'name="{name}" value="')[1].split('"')[0]


@pytest.fixture
def window(world, tmp_path):
    """Township A with a 5-working-day response window; SMS to files under tmp_path."""
    world.response_days = 5
    world.save(update_fields=["response_days"])
    with override_settings(NOTIFY_SMS_DIR=tmp_path / "sms"):
        yield world


@pytest.fixture
def people(world):
    with tenant_context(world):
        return {
            "home": f.person("home", "household", "V01", household_code="V01-0001"),
            "neighbour": f.person("neighbour", "household", "V01", household_code="V01-0002"),
            "grid": f.person("grid", "grid_worker", "V01"),
            "grid2": f.person("grid2", "grid_worker", "V02"),
            "council": f.person("council", "council_member"),
        }


@pytest.fixture
def deduction(window, people, django_capture_on_commit_callbacks):
    """A deduction of V01-0001 (phone on file) approved today: in its response window."""
    with tenant_context(window):
        f.household("V01-0001").__class__.objects.filter(code="V01-0001").update(
            phone="13812345678"
        )
        with django_capture_on_commit_callbacks(execute=True):
            entry = record_entry(
                household=f.household("V01-0001"),
                rule=f.rule("CR-04"),
                occurred_on=timezone.localdate(),
                recorder=people["grid"],
                source="staff",
                evidence="a banquet of 40 tables",
            )
            review_entry(entry, reviewer=people["council"], approve=True)
        entry.refresh_from_db()
        assert entry.counts_from > timezone.localdate()
        return entry


def test_the_household_sees_its_notice_masked_and_answers_it_as_an_objection(
    window, people, deduction, signed_in
):
    client = signed_in(people["home"])
    page = client.get(work(window, "mine/"))
    html = page.content.decode()
    row = html.split('id="notices"')[1].split("</section>")[0]
    assert f'data-notice-entry="{deduction.pk}"' in row and 'data-channel="sms"' in row
    assert "138****5678" in row and "13812345678" not in html
    assert f'data-answer="{deduction.pk}"' in row
    prefix = f"e{deduction.pk}"
    reply = client.post(
        work(window, f"mine/entries/{deduction.pk}/object/"),
        {f"{prefix}-submission": key(page, prefix), f"{prefix}-reason": "no banquet, a funeral"},
    )
    assert reply.status_code == 302
    with tenant_context(window):
        objection = Objection.objects.get(entry=deduction)
        assert objection.answers_notice and not objection.on_behalf


def test_another_household_cannot_answer_or_see_the_notice(window, people, deduction, signed_in):
    client = signed_in(people["neighbour"])
    assert (
        f'data-notice-entry="{deduction.pk}"'
        not in client.get(work(window, "mine/")).content.decode()
    )
    url = work(window, f"mine/entries/{deduction.pk}/object/")
    assert client.get(url).status_code == 404
    assert client.post(url, {f"e{deduction.pk}-reason": "x"}).status_code == 404
    with tenant_context(window):
        assert not Objection.objects.exists()


def test_staff_of_the_village_record_an_answer_received_by_phone(
    window, people, deduction, signed_in
):
    client = signed_in(people["grid"])
    detail = client.get(work(window, "households/V01-0001/")).content.decode()
    assert f'data-record-answer="{deduction.pk}"' in detail
    url = work(window, f"households/V01-0001/entries/{deduction.pk}/answer/")
    page = client.get(url)
    assert page.status_code == 200
    empty = client.post(url, {"submission": key(page), "received": "phone", "reason": " "})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    bad = client.post(url, {"submission": key(page), "received": "pigeon", "reason": "x"})
    assert bad.status_code == 400 and "pigeon" in bad.content.decode()
    done = client.post(
        url, {"submission": key(page), "received": "phone", "reason": "says it was a funeral"}
    )
    assert done.status_code == 302 and done["Location"].endswith("/households/V01-0001/#notices")
    with tenant_context(window):
        objection = Objection.objects.get(entry=deduction)
        assert objection.on_behalf and objection.answers_notice
        assert objection.reason == "(by phone) says it was a funeral"
        assert objection.filed_by_id == people["grid"].user.pk


@pytest.mark.parametrize("who, status", [("grid2", 404), ("home", 403), ("neighbour", 403)])
def test_staff_of_another_village_and_households_cannot_record_an_answer(
    window, people, deduction, signed_in, who, status
):
    url = work(window, f"households/V01-0001/entries/{deduction.pk}/answer/")
    client = signed_in(people[who])
    assert client.get(url).status_code == status
    assert client.post(url, {"received": "phone", "reason": "x"}).status_code == status
    with tenant_context(window):
        assert not Objection.objects.exists()


def test_staff_of_another_township_cannot_record_an_answer(
    window, township_b, people, deduction, signed_in
):
    with tenant_context(township_b):
        f.village("V01", size=1)
        other = f.person("b-grid", "grid_worker", "V01")
    # Their own township has no such entry; township A refuses them.
    for township in (window, township_b):
        url = work(township, f"households/V01-0001/entries/{deduction.pk}/answer/")
        reply = signed_in(other).post(url, {"received": "phone", "reason": "x"})
        assert reply.status_code in (403, 404)
    with tenant_context(window):
        assert not Objection.objects.exists()
