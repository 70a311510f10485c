"""Recording entries in the workbench: one household, a round, photos, and bad input."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from platform_core.scoring.models import EvidencePhoto, ScoreEvent
from tests import factories as f
from tests.workbench.conftest import work


def png(name: str = "seen.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def entry_form(page, **fields) -> dict:
    """The form as the page rendered it (its submission key), with ``fields`` filled in."""
    key = page.content.decode().split('name="submission" value="')[1].split('"')[0]
    data = {
        "submission": key,
        "household": "V01-0001",
        "occurred_on": timezone.localdate().isoformat(),
        "evidence": "sorted correctly, seen at 8:00",
        "note": "",
    }
    data.update(fields)
    return data


@pytest.fixture
def grid(world):
    with tenant_context(world):
        return f.person("grid-v01", "grid_worker", "V01")


def rule_id(township, code: str = "PS-01") -> int:
    with tenant_context(township):
        return f.rule(code).pk


def test_a_grid_worker_records_an_entry_with_a_photo_and_it_awaits_review(world, grid, signed_in):
    client = signed_in(grid)
    page = client.get(work(world, "record/?household=V01-0001"))
    assert page.status_code == 200
    reply = client.post(work(world, "record/"), entry_form(page, rule=rule_id(world), photo=png()))
    assert reply.status_code == 302, reply.content.decode()[:2000]
    with tenant_context(world):
        entry = ScoreEvent.objects.get(household__code="V01-0001")
        assert entry.status == "proposed"  # a grid worker cannot review: always proposed
        assert entry.recorded_by_id == grid.user.pk
        photo = EvidencePhoto.objects.get(entry=entry)
        assert photo.content_type == "image/png"
    shown = client.get(work(world, f"photos/{photo.pk}/"))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"


def test_a_double_submit_records_once(world, grid, signed_in):
    client = signed_in(grid)
    page = client.get(work(world, "record/"))
    data = entry_form(page, rule=rule_id(world))
    first = client.post(work(world, "record/"), data)
    second = client.post(work(world, "record/"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    with tenant_context(world):
        assert ScoreEvent.objects.filter(household__code="V01-0001").count() == 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"household": "V09-9999"},
            "household",
            "No household, merchant or firm V09-9999 in your villages",
        ),
        (
            {"household": "V02-0001"},
            "household",
            "No household, merchant or firm V02-0001 in your villages",
        ),
        ({"occurred_on": "2999-01-01"}, "occurred_on", "is in the future"),
        ({"points": "5000"}, "points", "less than or equal to 1000"),
        ({"points": "-3"}, "__all__", "keeps the sign of its rule"),
        ({"evidence": ""}, "evidence", "required"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_written(
    world, grid, signed_in, change, field, message
):
    client = signed_in(grid)
    page = client.get(work(world, "record/"))
    reply = client.post(work(world, "record/"), entry_form(page, rule=rule_id(world), **change))
    assert reply.status_code == 400
    html = reply.content.decode()
    assert message in html
    if field != "__all__":
        block = html.split(f'data-field="{field}"')[1].split('<div class="field')[0]
        assert message in block
    with tenant_context(world):
        assert not ScoreEvent.objects.exists()


def test_a_photo_that_is_not_an_image_or_too_large_is_refused_at_the_field(
    world, grid, signed_in, settings
):
    client = signed_in(grid)
    page = client.get(work(world, "record/"))
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    reply = client.post(work(world, "record/"), entry_form(page, rule=rule_id(world), photo=fake))
    assert reply.status_code == 400
    assert "evil.png is not a photo" in reply.content.decode().split('data-field="photo"')[1]
    settings.EVIDENCE_PHOTO_MAX_BYTES = 10
    reply = client.post(work(world, "record/"), entry_form(page, rule=rule_id(world), photo=png()))
    assert reply.status_code == 400
    assert (
        "at most 10\xa0bytes are accepted" in reply.content.decode().split('data-field="photo"')[1]
    )
    with tenant_context(world):
        assert not ScoreEvent.objects.exists() and not EvidencePhoto.objects.exists()


def test_a_round_records_one_rule_for_the_ticked_households_or_none(world, grid, signed_in):
    client = signed_in(grid)
    page = client.get(work(world, "record/round/?village=V01"))
    assert page.status_code == 200
    assert "V02-0001" not in page.content.decode()
    data = entry_form(page, rule=rule_id(world), households=["V01-0001", "V01-0002"])
    data.pop("household")
    reply = client.post(work(world, "record/round/?village=V01"), data)
    assert reply.status_code == 302
    with tenant_context(world):
        assert ScoreEvent.objects.filter(source="workbench").count() == 2
    foreign = entry_form(page, rule=rule_id(world), households=["V02-0001"])
    reply = client.post(work(world, "record/round/?village=V01"), foreign)
    assert reply.status_code == 400  # not a choice of this village


def test_photos_and_households_of_other_villages_and_townships_stay_hidden(
    world, township_b, grid, signed_in
):
    client = signed_in(grid)
    page = client.get(work(world, "record/"))
    client.post(
        work(world, "record/"),
        entry_form(page, rule=rule_id(world), photo=png()),
    )
    with tenant_context(world):
        photo = EvidencePhoto.objects.get()
        other = f.person("grid-v02", "grid_worker", "V02")
    assert signed_in(other).get(work(world, f"photos/{photo.pk}/")).status_code == 404
    assert signed_in(other).get(work(world, "households/V01-0001/")).status_code == 404
    assert client.get(work(world, "households/V01-0001/")).status_code == 200
    assert client.get(work(township_b, "record/")).status_code == 403
    assert client.get(work(township_b, f"photos/{photo.pk}/")).status_code == 403


def test_search_finds_by_name_or_scanned_code_within_the_viewers_villages(world, grid, signed_in):
    from platform_core.codes.services import household_token

    client = signed_in(grid)
    found = client.get(work(world, "households/?q=俞"))
    assert 'data-household="V01-0001"' in found.content.decode()
    assert 'data-household="V02-0001"' not in found.content.decode()
    with tenant_context(world):
        token = household_token(world, "V01-0002")
    scanned = client.get(work(world, f"households/?q=https://x/t/{world.code}/h/{token}/"))
    assert 'data-household="V01-0002"' in scanned.content.decode()
    assert 'data-household="V01-0001"' not in scanned.content.decode()


def test_the_date_pickers_hold_an_iso_date_in_chinese_too(world, grid):
    """A browser drops a type=date value that is not YYYY-MM-DD (zh-hans writes 2026/12/05),
    so today's date, shown as the default, would be sent empty and refused."""
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    client.force_login(grid.user)
    today = timezone.localdate().isoformat()
    for path in ("record/?household=V01-0001", "record/round/"):
        text = client.get(work(world, path)).content.decode()
        assert f'type="date" name="occurred_on" value="{today}"' in text, path
