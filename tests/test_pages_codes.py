"""Household codes: signed tokens, the public scan page per role, the rate limit, QR codes and
door plates."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.test import Client
from django.utils import timezone

from platform_core.codes import selectors, services
from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Household, Village
from tests import factories as f
from tests.api import member

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)
PAGE = re.compile(rb"/Type /Page\b")


@pytest.fixture
def jia(township_a, in_township):
    """甲镇: V01 太湖村 (0001 俞国明 green 110, 0002 沈红 red 95, 0003 张小英 blue) and
    V02 白雀村 (2 households); March finalised."""
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        f.approved("V01-0001", "VO-03", D(2026, 3, 3))
        f.approved("V01-0002", "P7-02", D(2026, 3, 4))
        finalise_month(MARCH, by=f.person())
    return township_a


def scan_url(township, household_code: str, token: str | None = None) -> str:
    token = token or services.household_token(township, household_code)
    return f"/t/{township.code}/h/{token}/"


def signed_in(township, email: str, role: str, village: str = "", **scope) -> Client:
    member(township, email, role, village, **scope)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=email, password="pw")
    return client


def anonymous() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# --- tokens --------------------------------------------------------------------------------


def test_a_token_round_trips_and_resists_tampering(jia, township_b, in_township):
    token = services.household_token(jia, "V01-0001")
    code, signature = token.split(".")
    assert code == "V01-0001" and len(signature) == services.SIGNATURE_CHARS
    with in_township(jia):
        assert services.verify(jia, token).code == "V01-0001"
        changed = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert services.verify(jia, changed) is None
        assert services.verify(jia, f"V01-0002.{signature}") is None  # another household's code
        assert services.verify(jia, "V01-0001") is None
        assert services.verify(jia, "") is None
    # Township B's signature for the very same household code is not A's.
    assert services.household_token(township_b, "V01-0001") != token
    assert services.token_household_code(township_b, token) is None


def test_a_household_url_is_absolute_and_leads_to_the_scan_page(jia, in_township):
    with in_township(jia):
        household = f.household("V01-0001")
        by_township = services.household_url(jia, household)
    assert re.fullmatch(r"https?://[^/]+/h/V01-0001\.[\w-]{22}/", by_township)
    assert anonymous().get(scan_url(jia, "V01-0001")).status_code == 200
    qr = services.qr_code(by_township)
    assert not qr.is_micro and qr.version <= 6  # small enough for a door plate


def test_tampered_and_foreign_tokens_show_the_invalid_page(jia, township_b, in_township):
    with in_township(township_b):
        f.village("V09", "乙村", size=1)
    client = anonymous()
    good = services.household_token(jia, "V01-0001")
    signature = good.split(".")[1]
    bad = [
        good[:-2] + ("xx" if good[-2:] != "xx" else "yy"),
        f"V01-0002.{signature}",
        "V01-0001",
        services.household_token(township_b, "V09-0001"),  # B's household at A
        services.household_token(township_b, "V01-0001"),  # B's signature, A's code
    ]
    for token in bad:
        response = client.get(scan_url(jia, "", token))
        assert response.status_code == 404, token
        assert b"This household code is not valid" in response.content
        assert b"tier-" not in response.content.split(b"</style>")[1]
    # The same token is fine at its own township.
    b_token = services.household_token(township_b, "V09-0001")
    assert client.get(scan_url(township_b, "", b_token)).status_code == 200


def test_the_invalid_page_speaks_the_page_language(jia):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(scan_url(jia, "", "nope.nope"))
    assert response.status_code == 404
    assert b'<html lang="zh-hans">' in response.content


# --- who sees what ---------------------------------------------------------------------------


def test_the_public_sees_tier_masked_name_village_month_and_validity(jia):
    response = anonymous().get(scan_url(jia, "V01-0001"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="viewport"' in body
    assert 'class="tier-block tier-green"' in body
    assert "俞*明" in body and "俞国明" not in body
    assert "太湖村" in body and "2026-03" in body
    assert "from 2026-04-01 until the next monthly evaluation (due 2026-05-01)" in body
    assert "Score" not in body and "Recent entries" not in body
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    red = anonymous().get(scan_url(jia, "V01-0002")).content.decode()
    blue = anonymous().get(scan_url(jia, "V01-0003")).content.decode()
    assert 'tier-block tier-red"' in red and "沈某" in red and "沈红" not in red
    assert 'tier-block tier-blue"' in blue


def test_a_household_without_a_finalised_month_says_so(jia, in_township):
    with in_township(jia):
        f.village("V03", "新村", size=1)
        Household.objects.filter(code="V03-0001").update(head_name="王大明")
    body = anonymous().get(scan_url(jia, "V03-0001")).content.decode()
    assert "tier-none" in body and "Not evaluated yet" in body and "王*明" in body


def test_staff_of_the_village_see_name_score_reasons_and_entries(jia):
    body = signed_in(jia, "gw1@jia.test", "grid_worker", "V01").get(scan_url(jia, "V01-0002"))
    text = body.content.decode()
    assert 'data-audience="staff"' in text
    assert "沈红" in text and "Score 95 (base 100)" in text
    assert "Malicious complaint" in text and "-5" in text
    assert "door-plate.pdf" in text and "qr.svg" in text
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert admin.login(username="admin@jia.test", password="pw-jia")
    assert "俞国明" in admin.get(scan_url(jia, "V01-0001")).content.decode()


def test_staff_of_another_village_and_alliance_clerks_see_the_public_page(jia):
    for client in (
        signed_in(jia, "gw2@jia.test", "grid_worker", "V02"),
        signed_in(jia, "bank@jia.test", "alliance_member", alliance_member_code="B1"),
    ):
        text = client.get(scan_url(jia, "V01-0002")).content.decode()
        assert "沈某" in text and "沈红" not in text
        assert "Score" not in text and "Malicious complaint" not in text
        assert "data-audience" not in text


def test_the_household_sees_its_own_record_and_that_it_may_object(jia):
    client = signed_in(jia, "shen@jia.test", "household", household_code="V01-0002")
    text = client.get(scan_url(jia, "V01-0002")).content.decode()
    assert 'data-audience="household"' in text
    assert "沈红" in text and "Score 95" in text
    assert "within 15 days of its approval" in text
    assert "objection possible until" in text  # approved today, so still open
    assert "door-plate.pdf" not in text
    other = client.get(scan_url(jia, "V01-0001")).content.decode()
    assert "俞*明" in other and "俞国明" not in other and "data-audience" not in other


# --- rate limit --------------------------------------------------------------------------------


def test_the_public_page_is_rate_limited_per_client_but_not_for_staff(jia, settings):
    settings.PUBLIC_SCAN_RATE_PER_MINUTE = 3
    client = anonymous()
    url = scan_url(jia, "V01-0001")
    statuses = [client.get(url).status_code for _ in range(3)]
    statuses.append(client.get(scan_url(jia, "", "forged.token")).status_code)
    assert statuses == [200, 200, 200, 429]
    limited = client.get(url)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert b"Please wait a moment" in limited.content
    other_ip = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="10.0.0.9")
    assert other_ip.get(url).status_code == 200
    staff = signed_in(jia, "gw3@jia.test", "grid_worker", "V01")
    assert [staff.get(url).status_code for _ in range(5)] == [200] * 5


def test_the_rate_limit_counts_per_minute(jia, settings, rf):
    from platform_core import ratelimit

    settings.PUBLIC_SCAN_RATE_PER_MINUTE = 1
    request = rf.get("/", REMOTE_ADDR="10.1.1.1")
    now = time.time() // 60 * 60
    assert ratelimit.allow("test", request, now=now)
    assert not ratelimit.allow("test", request, now=now + 30)
    assert ratelimit.allow("test", request, now=now + 60)
    settings.PUBLIC_SCAN_RATE_PER_MINUTE = 0  # no limit
    assert all(ratelimit.allow("test", request, now=now) for _ in range(5))


# --- QR codes and door plates -----------------------------------------------------------------


def test_qr_svg_for_staff_of_the_village_only(jia):
    url = f"/t/{jia.code}/households/V01-0001/qr.svg"
    staff = signed_in(jia, "gw4@jia.test", "grid_worker", "V01")
    response = staff.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content
    login = anonymous().get(url)
    assert login.status_code == 302
    assert login["Location"].startswith(f"/t/{jia.code}/accounts/login/?next=")
    assert signed_in(jia, "gw5@jia.test", "grid_worker", "V02").get(url).status_code == 403
    household = signed_in(jia, "yu@jia.test", "household", household_code="V01-0001")
    assert household.get(url).status_code == 403
    assert staff.get(f"/t/{jia.code}/households/NOPE/qr.svg").status_code == 404


def test_a_door_plate_is_a_one_page_pdf_for_staff(jia):
    url = f"/t/{jia.code}/households/V01-0001/door-plate.pdf"
    response = signed_in(jia, "gw6@jia.test", "grid_worker", "V01").get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(PAGE.findall(response.content)) == 1
    assert b"STSong-Light" in response.content
    assert anonymous().get(url).status_code == 302
    assert signed_in(jia, "gw7@jia.test", "grid_worker", "V02").get(url).status_code == 403


def test_village_door_plates_one_page_per_household(jia):
    url = f"/t/{jia.code}/villages/V01/door-plates.pdf"
    staff = signed_in(jia, "vc@jia.test", "village_committee", "V01")
    response = staff.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(PAGE.findall(response.content)) == 3
    v02 = staff.get(f"/t/{jia.code}/villages/V02/door-plates.pdf")
    assert v02.status_code == 403
    assert anonymous().get(url)["Location"].startswith(f"/t/{jia.code}/accounts/login/")
    assert staff.get(f"/t/{jia.code}/villages/V99/door-plates.pdf").status_code == 404
    bank = signed_in(jia, "bank2@jia.test", "alliance_member", alliance_member_code="B1")
    assert bank.get(url).status_code == 403
    assert bank.get(f"/t/{jia.code}/villages/V99/door-plates.pdf").status_code == 403


def test_a_village_of_600_households_prints_600_plates(jia, in_township):
    with in_township(jia):
        village = f.village("V05", "大村", size=0)
        Household.objects.bulk_create(
            Household(code=f"V05-{n:04d}", village=village, head_name="李建明")
            for n in range(1, 601)
        )
        plates = list(selectors.village_plates(village, jia))
    assert len(plates) == 600 and plates[0].masked_name == "李*明"
    client = signed_in(jia, "vc5@jia.test", "village_committee", "V05")
    response = client.get(f"/t/{jia.code}/villages/V05/door-plates.pdf")
    assert response.status_code == 200
    assert len(PAGE.findall(response.content)) == 600


def test_plates_carry_the_standing_of_the_latest_finalised_month(jia, in_township):
    with in_township(jia):
        plates = {
            p.household_code: p
            for p in selectors.village_plates(Village.objects.get(code="V01"), jia)
        }
    assert plates["V01-0001"].standing.tier == "green"
    assert plates["V01-0002"].standing.score == 95
    assert plates["V01-0003"].standing.valid_from == D(2026, 4, 1)
    assert plates["V01-0003"].standing.valid_until == D(2026, 5, 1)


def test_a_tier_past_its_next_evaluation_is_flagged_as_possibly_out_of_date(jia):
    standing = selectors.Standing(MARCH, 110, "green", D(2026, 4, 1), D(2026, 5, 1))
    assert not standing.expired(D(2026, 5, 1)) and standing.expired(D(2026, 5, 2))
    assert not selectors.Standing().expired(D(2030, 1, 1))
    text = anonymous().get(scan_url(jia, "V01-0001")).content.decode()
    if timezone.localdate() > D(2026, 5, 1):  # April was never finalised in this test
        assert "The next evaluation was due on 2026-05-01" in text


def test_next_evaluation_due_follows_the_townships_evaluation_day():
    assert selectors.next_evaluation_due(D(2026, 3, 1), 1) == D(2026, 5, 1)
    assert selectors.next_evaluation_due(D(2026, 11, 1), 10) == D(2027, 1, 10)
    assert selectors.next_evaluation_due(D(2026, 12, 1), 5) == D(2027, 2, 5)


# --- isolation ---------------------------------------------------------------------------------


def test_another_townships_household_is_not_reachable_at_this_township(
    jia, township_b, in_township
):
    with in_township(township_b):
        f.village("V09", "乙村", size=1)
    a_admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert a_admin.login(username="admin@jia.test", password="pw-jia")
    assert a_admin.get(f"/t/{jia.code}/households/V09-0001/qr.svg").status_code == 404
    assert a_admin.get(f"/t/{jia.code}/villages/V09/door-plates.pdf").status_code == 404
    # A's administrator has no role in B: B's plates are refused to them.
    refused = a_admin.get(f"/t/{township_b.code}/villages/V09/door-plates.pdf")
    assert refused.status_code == 403
