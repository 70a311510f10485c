"""The pages people see, in a real browser: scan page, tampered codes, boards, the
dashboard's charts, an admin import with an error. Screenshots: test-artifacts/browser/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from platform_core.codes.services import household_token
from platform_core.households.models import Household
from tests.browser.conftest import PAGES_CODE, shot, sign_in

BASE = f"/t/{PAGES_CODE}"


def _scan_path(township, code: str) -> str:
    return f"{BASE}/h/{household_token(township, code)}/"


def test_scanning_a_door_plate_shows_the_tier_and_staff_see_more(page, live_url, pages_township):
    url = live_url + _scan_path(pages_township, "V01-0001")
    page.goto(url)
    block = page.locator("[data-tier]")
    assert block.get_attribute("data-tier") == "green"
    assert block.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(30, 142, 62)"
    text = page.content()
    assert "俞*明" in text and "俞国明" not in text and "太湖村" in text and "2026-10" in text
    shot(page, "scan-public")

    page.goto(live_url + _scan_path(pages_township, "V01-0002"))
    assert page.locator("[data-tier]").get_attribute("data-tier") == "red"

    sign_in(page, live_url, "gw@yemian.test", "pw")
    page.goto(url)
    assert page.locator("[data-audience]").get_attribute("data-audience") == "staff"
    assert "俞国明" in page.content()
    assert page.locator("table.lines").is_visible()
    shot(page, "scan-staff")


def test_the_household_itself_sees_its_ledger_and_how_to_object(page, live_url, pages_township):
    sign_in(page, live_url, "head@yemian.test", "pw")
    page.goto(live_url + _scan_path(pages_township, "V01-0001"))
    assert page.locator("[data-audience]").get_attribute("data-audience") == "household"
    assert page.locator("p.objection-note").is_visible()
    shot(page, "scan-household")


def test_a_tampered_or_foreign_code_gets_a_clear_page(page, live_url, pages_township):
    token = household_token(pages_township, "V01-0001")
    forged = token.replace("V01-0001", "V01-0002")
    for bad in (forged, token[:-1] + ("A" if token[-1] != "A" else "B"), "V01-0001.nonsense"):
        response = page.goto(f"{live_url}{BASE}/h/{bad}/")
        assert response.status == 404
        assert page.locator("h1").is_visible()
        shown = page.locator("main").inner_text()
        assert "V01-0002" not in shown and "俞" not in shown and "沈" not in shown
    shot(page, "scan-tampered")


def test_the_honour_board_page_lists_masked_model_households(page, live_url, pages_township):
    page.goto(f"{live_url}{BASE}/boards/")
    page.click("a[href$='/boards/V01/2026-Q3/']")
    page.wait_for_load_state()
    names = page.locator("section.models li").all_inner_texts()
    assert "俞*明" in names and not any(n == "国明" for n in names)
    assert "俞国明" not in page.content()
    shot(page, "board")
    pdf = page.request.get(f"{live_url}{BASE}/boards/V01/2026-Q3.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")


@pytest.mark.viewport(1280, 900)
def test_the_dashboard_renders_its_charts(page, live_url, pages_township):
    sign_in(page, live_url, "admin@yemian.test", "pw-yemian")
    page.goto(f"{live_url}{BASE}/dashboard/")
    chart = page.locator("svg.chart[data-chart='tiers-by-month']")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 100  # drawn, not just present
    assert chart.locator("[data-value]").count() >= 2
    assert page.locator("svg.chart[data-chart='tiers-by-village']").is_visible()
    assert page.locator("svg.chart[data-chart^='petition-']").count() >= 1  # plugin panel
    # Running totals: the boards' households, year on year and three-none, in sentences.
    running = page.locator("#running-totals")
    assert running.is_visible() and running.locator(".statements li").count() >= 3
    shot(page, "dashboard")


@pytest.mark.viewport(1280, 900)
def test_an_admin_import_with_an_error_lists_the_row_and_writes_nothing(
    page, live_url, pages_township, tmp_path: Path
):
    bad = tmp_path / "households.csv"
    bad.write_text(
        "household_code,village,grid,head_name,members\n"
        "V01-0100,V01,第1网格,周新,3\n"
        "V01-0101,V01,第1网格,吴明,很多\n",
        encoding="utf-8",
    )
    sign_in(page, live_url, "admin@yemian.test", "pw-yemian")
    page.goto(f"{live_url}{BASE}/admin/households/household/")
    page.click("a[href$='/import/']")
    page.set_input_files("#import-form input[type=file]", str(bad))
    with page.expect_navigation():
        page.click("#import-form input[type=submit]")
    assert page.locator("#import-failed").is_visible()
    rows = page.locator("#import-problems tbody tr").all_inner_texts()
    assert any("households.csv" in r and "3" in r for r in rows), rows
    shot(page, "admin-import-error")
    with tenant_context(pages_township):
        assert not Household.objects.filter(code__in=["V01-0100", "V01-0101"]).exists()
