"""The public page of a township's integrity dividends (《诚信红利十条》) in a real browser:
no sign-in, the published version only, the printable PDF; Chinese by default."""

from __future__ import annotations

import pytest

from platform_core.actors import Actor
from tests.browser.conftest import shot
from tests.committed import committed

CODE, SLUG = "330502971", "hongli"
BASE = f"/t/{CODE}"


def _fill(township) -> None:
    from platform_core.alliance.services import add_member, publish_dividends, save_dividend

    by = Actor.cli()
    add_member(code="B1", name="农商银行", kind="bank", by=by)
    add_member(code="C1", name="镇卫生院", kind="clinic", by=by)
    common = {"subject_kinds": ["household"], "basis": "红利镇《诚信红利十条》"}
    save_dividend(
        number=1,
        by=by,
        title_zh="鸿信贷",
        title_en="Integrity loan",
        member="B1",
        tiers=["green"],
        gives_zh="免担保、基准利率贷款",
        benefit_code="integrity_loan",
        **common,
    )
    save_dividend(
        number=2,
        by=by,
        title_zh="免费体检",
        title_en="Free check-up",
        member="C1",
        tiers=["green", "blue"],
        gives_zh="每年一次免费体检",
        **common,
    )
    publish_dividends(by=by)
    save_dividend(  # a draft: never on the public page
        number=3,
        by=by,
        title_zh="草稿红利",
        member="C1",
        tiers=["green"],
        gives_zh="草稿",
        **common,
    )


@pytest.fixture(scope="module")
def dividends_township(django_db_setup, django_db_blocker):
    """红利镇: the loans plugin, two published dividends and a draft of a third."""
    with committed(
        django_db_blocker, code=CODE, name="红利镇", slug=SLUG, plugins=["loans"], fill=_fill
    ) as township:
        yield township


def test_the_public_dividends_page_and_its_pdf(page, live_url, dividends_township):
    page.goto(f"{live_url}{BASE}/dividends/")
    rows = page.locator("table.dividends tbody tr")
    assert rows.count() == 2
    assert page.locator("[data-dividend='1'] [data-title]").inner_text() == "鸿信贷"
    assert page.locator("[data-dividend='1'] [data-plugin]").get_attribute("data-plugin") == "loans"
    text = page.content()
    assert "镇卫生院" in text and "草稿红利" not in text
    shot(page, "dividends-public")
    pdf = page.request.get(f"{live_url}{BASE}/dividends.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
