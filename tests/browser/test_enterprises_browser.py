"""Merchants and firms in a real browser: the township administrator registers one (a
mistyped credit code is refused at its field with the right check character) and edits it."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.browser.conftest import shot, sign_in
from tests.committed import committed

CODE, SLUG = "330502982", "shanghu"


@pytest.fixture(scope="module")
def township(django_db_setup, django_db_blocker):
    def fill(t):
        f.village("V01", "太湖村", size=2)

    with committed(django_db_blocker, code=CODE, name="商户镇", slug=SLUG, fill=fill) as t:
        yield t


def test_the_administrator_registers_a_firm(page, live_url, township):
    sign_in(page, live_url, f"admin@{SLUG}.test", f"pw-{SLUG}", code=CODE)
    page.goto(f"{live_url}/t/{CODE}/work/enterprises/")
    assert page.locator("h1").inner_text() == "诚信商户和企业"
    page.select_option("#register select[name=kind]", "firm")
    page.fill("#register input[name=name]", "太湖农机有限公司")
    page.fill("#register input[name=credit_code]", "91440300708461136A")  # should end in T
    page.fill("#register input[name=legal_representative]", "李建国")
    page.select_option("#register select[name=village]", label="太湖村")
    with page.expect_navigation():
        page.click("#register button[type=submit]")
    assert "应为 T" in page.locator('#register [data-field="credit_code"]').inner_text()
    shot(page, "enterprise-register-error")
    page.fill("#register input[name=credit_code]", "91440300708461136t")
    with page.expect_navigation():
        page.click("#register button[type=submit]")
    assert page.url.endswith("/work/enterprises/V01-E0001/")
    assert page.locator("#edit input[name=credit_code]").input_value() == "91440300708461136T"
    page.fill("#edit input[name=phone]", "0572-1234567")
    with page.expect_navigation():
        page.click("#edit button[type=submit]")
    page.goto(f"{live_url}/t/{CODE}/work/enterprises/?q=9144030070")
    assert page.locator("#enterprises tr[data-code=V01-E0001]").count() == 1
    shot(page, "enterprise-list")
