"""The page tests' township is reachable and its people can sign in."""

from tests.browser.conftest import PAGES_CODE, shot, sign_in


def test_staff_sign_in_and_reach_the_township_home(page, live_url, pages_township):
    sign_in(page, live_url, "gw@yemian.test", "pw")
    assert page.url.endswith(f"/t/{PAGES_CODE}/")
    assert "gw@yemian.test" in page.content()
    shot(page, "signed-in-home")
