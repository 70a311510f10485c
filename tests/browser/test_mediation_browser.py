"""The dispute code (解纷码) in a real browser: a resident on a phone asks for mediation."""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from tests.browser.conftest import shot
from tests.committed import committed

CODE, SLUG = "330502981", "jiefen"


@pytest.fixture(scope="module")
def township(django_db_setup, django_db_blocker):
    def fill(t):
        f.village("V01", "太湖村", size=2)
        f.village("V02", "白雀村", size=2)

    with committed(
        django_db_blocker,
        code=CODE,
        name="解纷镇",
        slug=SLUG,
        plugins=["mediation"],
        fill=fill,
    ) as t:
        yield t


def test_a_resident_asks_for_mediation_from_a_station_code(page, live_url, township):
    page.goto(f"{live_url}/t/{CODE}/mediation/V02/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text().startswith("解纷码")
    assert page.locator("select[name=village]").input_value() == "V02"  # the station's village
    shot(page, "mediation-code")
    # A wrong phone: the field says so and nothing is saved.
    page.fill("input[name=applicant_name]", "俞国明")
    page.fill("input[name=phone]", "12345")
    page.fill("input[name=phone_again]", "12345")
    page.select_option("select[name=category]", "neighbours")
    page.fill("textarea[name=description]", "邻居排水管道堵塞")
    with page.expect_navigation():
        page.click("form[data-form=request] button[type=submit]")
    assert "大陆手机号码" in page.locator('[data-field="phone"]').inner_text()
    shot(page, "mediation-code-error")
    page.fill("input[name=phone]", "13812345678")
    page.fill("input[name=phone_again]", "138 1234 5678")
    with page.expect_navigation():
        page.click("form[data-form=request] button[type=submit]")
    receipt = page.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"MD[2-9A-Z]{8}", receipt)
    shot(page, "mediation-received")
    page.goto(f"{live_url}/t/{CODE}/mediation/receipt/?receipt={receipt}&phone_tail=5678")
    assert page.locator("[data-status]").get_attribute("data-status") == "requested"
