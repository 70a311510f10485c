"""The language switch, in a real browser."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.browser.conftest import shot
from tests.committed import committed

CODE, SLUG = "330502961", "yuyan"


@pytest.fixture(scope="module")
def township(django_db_setup, django_db_blocker):
    def fill(t):
        f.village(size=2)

    with committed(django_db_blocker, code=CODE, name="语言镇", slug=SLUG, fill=fill) as t:
        yield t


def test_the_language_switch_turns_pages_english_and_back(page, live_url, township):
    page.goto(f"{live_url}/t/{CODE}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shot(page, "language-zh")
    with page.expect_navigation():
        page.select_option("header form.language select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Sign in").first.is_visible()
    shot(page, "language-en")
    with page.expect_navigation():
        page.select_option("header form.language select", "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
