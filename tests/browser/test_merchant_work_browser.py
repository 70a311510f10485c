"""A merchant in daily work, in a real browser: the township administrator records an
entry from the merchant's page under the merchants' rules, then records its legal
representative's objection to a deduction, which waits for the council."""

from __future__ import annotations

import pytest
from django.utils import timezone

from platform_core.actors import Actor
from tests import factories as f
from tests.browser.conftest import shot, sign_in
from tests.committed import committed

CODE, SLUG = "330502984", "chengxin"
MERCHANT = "V01-M001"


@pytest.fixture(scope="module")
def township(django_db_setup, django_db_blocker):
    def fill(t):
        from django.contrib.auth import get_user_model

        from platform_core.accounts.services import grant_role
        from platform_core.households.models import Enterprise, Village
        from platform_core.scoring.models import Rule
        from platform_core.scoring.services import record_entry, review_entry

        def person(name: str, role: str, village_code: str = "") -> Actor:
            # In the township's e-mail domain, so that ``committed`` removes them after.
            email = f"{name}@{SLUG}.test"
            user = get_user_model().objects.create_user(username=email, email=email)
            grant_role(user, t, role, village_code)
            return Actor.of(user)

        f.village("V01", "太湖村", size=2)
        subject = Enterprise.objects.create(
            code=MERCHANT,
            kind="merchant",
            head_name="太湖农家乐",
            credit_code="91350100M000100Y43",
            legal_representative="俞国明",
            village=Village.objects.get(code="V01"),
        )
        deduction = record_entry(
            household=subject,
            rule=Rule.objects.get(code="EB-12"),
            occurred_on=timezone.localdate(),
            recorder=person("grid", "grid_worker", "V01"),
            source="staff",
            evidence="市场监管所认定虚假宣传",
        )
        review_entry(deduction, reviewer=person("council", "council_member", "V01"), approve=True)

    with committed(django_db_blocker, code=CODE, name="诚信镇", slug=SLUG, fill=fill) as t:
        yield t


def test_the_administrator_records_for_a_merchant_and_files_its_objection(page, live_url, township):
    sign_in(page, live_url, f"admin@{SLUG}.test", f"pw-{SLUG}", code=CODE)
    page.goto(f"{live_url}/t/{CODE}/work/enterprises/{MERCHANT}/")
    assert "太湖农家乐" in page.locator("h1").inner_text()
    page.click("[data-record-link]")
    rule = page.locator("select[name=rule] option", has_text="EB-02").get_attribute("value")
    page.select_option("select[name=rule]", rule)
    page.fill("textarea[name=evidence]", "价签齐全，明码标价")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert f"/work/enterprises/{MERCHANT}/" in page.url
    assert page.locator("tr[data-entry]", has_text="EB-02").count() == 1
    # The legal representative objects to the deduction through the administrator.
    with page.expect_navigation():
        page.click("#contest li[data-contest-entry] a")
    page.select_option("select[name=received]", "in person")
    page.fill("textarea[name=reason]", "宣传内容有检测报告为证")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert page.url.endswith(f"/work/enterprises/{MERCHANT}/#objections")
    assert page.locator("#objections tr[data-status=pending]").count() == 1
    shot(page, "merchant-objection")
