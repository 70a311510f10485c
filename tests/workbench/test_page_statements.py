"""The household pages and the review queue cost the same statements whatever they show.

A household with one entry and one with 30 (deductions with notices, photos, an
objection) are shown in the same number of statements; so are review queues of 2 and
of 20 entries awaiting review, some with photos. A statement per row would show here.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from platform_core.scoring.evidence import attach_photos
from platform_core.scoring.services import file_objection, record_entry
from tests import factories as f
from tests.workbench.conftest import work


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def people(world):
    with tenant_context(world):
        return {
            "grid": f.person("grid", "grid_worker", "V01"),
            "council": f.person("council", "council_member"),
            "admin": f.person("admin", "township_admin"),
            "home1": f.person("home1", "household", "V01", household_code="V01-0001"),
            "home2": f.person("home2", "household", "V01", household_code="V01-0002"),
        }


def _ledger(code: str, size: int, people) -> None:
    """``size`` approved entries of ``code``, every third a deduction; the first deduction
    objected to, every fourth entry with a photo."""
    start = timezone.localdate() - dt.timedelta(days=size + 1)
    objected = False
    for n in range(size):
        entry = f.approved(
            code,
            "P7-02" if n % 3 == 0 else "GS-01",
            start + dt.timedelta(days=n),
            by=people["grid"],
            reviewer=people["council"],
        )
        if n % 4 == 0:
            attach_photos([png()], by=people["grid"], entry=entry)
        if entry.points < 0 and not objected:
            home = people["home1" if code == "V01-0001" else "home2"]
            file_objection(entry, by=home, reason="not us")
            objected = True


def _statements(client, url: str) -> tuple[int, str]:
    client.get(url)  # the first request fills caches (township, plugins)
    with CaptureQueriesContext(connection) as queries:
        reply = client.get(url)
    assert reply.status_code == 200
    return len(queries.captured_queries), reply.content.decode()


@pytest.mark.parametrize("who", ["grid", "admin"])
def test_a_household_page_of_1_or_30_entries_costs_the_same_statements(
    world, people, signed_in, who
):
    with tenant_context(world):
        _ledger("V01-0001", 1, people)
        _ledger("V01-0002", 30, people)
    client = signed_in(people[who])
    small, small_html = _statements(client, work(world, "households/V01-0001/"))
    big, big_html = _statements(client, work(world, "households/V01-0002/"))
    assert small_html.count("data-entry=") == 1 and big_html.count("data-entry=") == 30
    assert small_html.count("data-notice=") == 1 and big_html.count("data-notice=") == 10
    assert small_html.count(">photo</a>") == 1 and big_html.count(">photo</a>") == 8
    assert small_html.count("data-objection=") == 1 == big_html.count("data-objection=")
    assert small == big


def test_a_households_own_page_of_1_or_30_entries_costs_the_same_statements(
    world, people, signed_in
):
    """The household's own page shares the ledger and the notices with the staff's."""
    with tenant_context(world):
        _ledger("V01-0001", 1, people)
        _ledger("V01-0002", 30, people)
    small, small_html = _statements(signed_in(people["home1"]), work(world, "mine/"))
    big, big_html = _statements(signed_in(people["home2"]), work(world, "mine/"))
    assert small_html.count("<tr data-entry=") == 1 and big_html.count("<tr data-entry=") == 30
    assert small_html.count("data-notice=") == 1 and big_html.count("data-notice=") == 10
    assert small_html.count(">photo</a>") == 1 and big_html.count(">photo</a>") == 8
    assert small == big


def test_a_review_queue_of_2_or_20_entries_costs_the_same_statements(world, people, signed_in):
    def pending(count: int) -> None:
        with tenant_context(world):
            for n in range(count):
                entry = record_entry(
                    household=f.household(f"V01-000{1 + n % 3}"),
                    rule=f.rule("PS-01"),
                    occurred_on=timezone.localdate() - dt.timedelta(days=n),
                    recorder=people["grid"],
                    source="staff",
                    evidence=f"seen {n}",
                    review=True,
                )
                if n % 3 == 0:
                    attach_photos([png()], by=people["grid"], entry=entry)

    client = signed_in(people["council"])
    pending(2)
    few, few_html = _statements(client, work(world, "review/"))
    pending(18)
    many, many_html = _statements(client, work(world, "review/"))
    assert few_html.count("<tr data-entry=") == 2 and many_html.count("<tr data-entry=") == 20
    assert few_html.count('class="evidence-photo"') == 1
    assert many_html.count('class="evidence-photo"') == 7
    assert few == many
