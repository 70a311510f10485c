"""The public progress tracker (issue 17 item 5): recent cases by village, kind, status and
working days taken, villages' three-none status; no personal data; public, per township."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from platform_core.households.models import Household, Village
from platform_core.plugins.services import disable_plugin, enable_plugin
from plugins.petition.models import Case
from plugins.petition.services import receive_case
from tests import factories as f
from township_integrity.services import working_days_between

pytestmark = pytest.mark.django_db

D = dt.date


def public(language: str = "en") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def new_case(reference, village="V01", kind="hotline", days_ago=10, household="V01-0001", **fields):
    case = receive_case(
        kind=kind,
        reference=reference,
        village=Village.objects.get(code=village),
        household=f.household(household) if household else None,
        petitioner_name="俞国明",
        summary="反映路灯损坏，电话13812345678",
        received_at=at(timezone.localdate() - dt.timedelta(days=days_ago)),
        by=f.person(),
    )
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
    return case


@pytest.fixture
def tracked(township_a, in_township):
    """甲镇 with the plugin: V01 太湖村 (hotline closed after 20 → 5 days ago, a petition
    received 3 days ago, an online case 120 days ago), V02 白雀村 (an online case,
    overdue); households with phones."""
    enable_plugin(township_a, "petition")
    today = timezone.localdate()
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        Household.objects.update(phone="13912340000")
        new_case(
            "H-2026-0001",
            days_ago=20,
            status="closed",
            satisfaction="satisfied",
            acknowledged_at=at(today - dt.timedelta(days=20), 15),
            responded_at=at(today - dt.timedelta(days=6)),
            closed_at=at(today - dt.timedelta(days=5)),
        )
        new_case("P-2026-0002", kind="petition", days_ago=3)
        new_case("O-OLD", kind="online", days_ago=120)
        new_case(
            "O-2026-0003",
            village="V02",
            kind="online",
            days_ago=8,
            household="V02-0001",
            acknowledge_due=at(today - dt.timedelta(days=7), 23),
        )
        new_case("L-1", kind="lawsuit", days_ago=4, household=None)
    return township_a


def rows(text: str) -> list[str]:
    return re.findall(r'<tr data-case="(\w+)">(.*?)</tr>', text, re.S)


def test_the_tracker_lists_recent_cases_with_working_days_and_no_personal_data(tracked):
    response = public().get(f"/t/{tracked.code}/cases/")
    assert response.status_code == 200
    text = response.content.decode()
    found = rows(text)
    # newest first; the 120-day-old case and the lawsuit are not listed
    assert [status for status, _ in found] == ["received", "received", "closed"]
    today = timezone.localdate()
    closed = found[2][1]
    taken = working_days_between(today - dt.timedelta(days=20), today - dt.timedelta(days=5))
    assert "太湖村" in closed and "12345 hotline" in closed and "Closed" in closed
    assert f"<td>{taken}</td>" in closed
    assert taken < 15  # working days, not calendar days
    assert "so far" in found[0][1] and "so far" not in closed
    assert "白雀村" in found[1][1] and "data-overdue" in found[1][1]
    for personal in ("俞国明", "沈红", "13812345678", "13912340000", "反映路灯", "V01-0001"):
        assert personal not in text
    for reference in ("H-2026-0001", "P-2026-0002", "O-2026-0003"):
        assert reference not in text  # case numbers are not shown


def test_villages_three_none_status_is_shown(tracked):
    text = public().get(f"/t/{tracked.code}/cases/").content.decode()
    # V01 has a petition and a lawsuit this year (unless the year began in the last 4 days)
    if timezone.localdate() - dt.timedelta(days=4) >= timezone.localdate().replace(month=1, day=1):
        assert 'data-village="V01" data-three-none-status="no"' in text
    assert 'data-village="V02" data-three-none-status="yes"' in text
    assert "Three-none villages in" in text


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"village": "V02"}, ["received"]),
        ({"kind": "petition"}, ["received"]),
        ({"status": "closed"}, ["closed"]),
        ({"village": "V01", "kind": "online"}, []),
    ],
)
def test_filters(tracked, params, expected):
    text = public().get(f"/t/{tracked.code}/cases/", params).content.decode()
    assert [status for status, _ in rows(text)] == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"village": "V99"}, "village: &#x27;V99&#x27; is not one of the choices"),
        ({"kind": "lawsuit"}, "kind: &#x27;lawsuit&#x27; is not one of the choices"),
        ({"status": "merged"}, "status: &#x27;merged&#x27; is not one of the choices"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(tracked, params, message):
    response = public().get(f"/t/{tracked.code}/cases/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_tracker_in_chinese(tracked):
    text = public("zh-hans").get(f"/t/{tracked.code}/cases/").content.decode()
    assert "太湖村" in text and 'lang="zh-hans"' in text


def test_another_townships_cases_are_not_on_this_tracker(tracked, township_b, in_township):
    enable_plugin(township_b, "petition")
    with in_township(township_b):
        f.village("V09", "乙村", size=1)
        new_case("B-1", village="V09", household="V09-0001", days_ago=2)
    text_a = public().get(f"/t/{tracked.code}/cases/").content.decode()
    assert "乙村" not in text_a and len(rows(text_a)) == 3
    text_b = public().get(f"/t/{township_b.code}/cases/").content.decode()
    assert "太湖村" not in text_b and "白雀村" not in text_b and len(rows(text_b)) == 1


def test_a_township_without_the_plugin_has_no_tracker(tracked, township_b):
    assert public().get(f"/t/{township_b.code}/cases/").status_code == 404
    disable_plugin(tracked, "petition")
    assert public().get(f"/t/{tracked.code}/cases/").status_code == 404


def test_signed_in_staff_see_the_same_public_page(tracked):
    admin = public()
    assert admin.login(username=f"admin@{tracked.slug}.test", password=f"pw-{tracked.slug}")
    text = admin.get(f"/t/{tracked.code}/cases/").content.decode()
    assert "俞国明" not in text and "H-2026-0001" not in text and len(rows(text)) == 3


def test_the_tracker_reads_in_a_constant_number_of_queries(tracked, in_township):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert public().get(f"/t/{tracked.code}/cases/").status_code == 200
        return len(queries)

    statements()  # warm the platform's caches (the township, its plugins)
    few = statements()
    with in_township(tracked):
        for n in range(30):
            new_case(f"H-MORE-{n}", village="V02", household="V02-0002", days_ago=1 + n % 60)
    assert statements() == few
