"""The selections' public posting (评选公示) in a real browser: a resident objects."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from platform_core.actors import Actor
from tests import factories as f
from tests.browser.conftest import shot
from tests.committed import committed

CODE, SLUG = "330502983", "zuimei"


@pytest.fixture(scope="module")
def township(django_db_setup, django_db_blocker):
    def fill(t):
        from django.contrib.auth import get_user_model

        from platform_core.accounts.services import grant_role
        from plugins.selections.services import (
            cast_vote,
            create_round,
            nominate,
            open_voting,
            post_results,
        )

        def person(name: str, role: str, village_code: str = "") -> Actor:
            # In the township's e-mail domain, so that ``committed`` removes them after.
            email = f"{name}@{SLUG}.test"
            user = get_user_model().objects.create_user(username=email, email=email)
            grant_role(user, t, role, village_code)
            return Actor.of(user)

        f.village("V01", "太湖村", size=2)
        f.approved(
            "V01-0001",
            "VO-01",
            timezone.localdate() - dt.timedelta(days=1),
            by=person("recorder", "council_member"),
            reviewer=person("reviewer", "council_member"),
        )
        admin = person("admin-zm", "township_admin")
        round_ = create_round(
            category="family",
            year=timezone.localdate().year,
            village_codes=["V01"],
            places=1,
            by=admin,
        )
        nomination = nominate(
            round_,
            household=f.household("V01-0001"),
            reason="孝老爱亲",
            by=person("committee", "village_committee", "V01"),
        )
        open_voting(round_, by=admin)
        cast_vote(nomination, in_favour=True, by=person("council", "council_member"))
        post_results(round_, by=admin)

    with committed(
        django_db_blocker, code=CODE, name="最美镇", slug=SLUG, plugins=["selections"], fill=fill
    ) as t:
        yield t


def test_a_resident_objects_to_a_posted_result(page, live_url, township):
    page.goto(f"{live_url}/t/{CODE}/selections/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "最美系列评选" in page.locator("h1").inner_text()
    assert page.locator("[data-winners] [data-name]").inner_text() == "俞*明"  # masked
    shot(page, "selections-posting")
    page.fill('[data-field="name"] input', "张三")
    page.fill('[data-field="phone"] input', "12345")
    page.fill('[data-field="text"] textarea', "该户与邻居有纠纷")
    with page.expect_navigation():
        page.click("form[data-form=object] button[type=submit]")
    assert "大陆手机号码" in page.locator('[data-field="phone"]').inner_text()
    page.fill('[data-field="phone"] input', "13812345678")
    with page.expect_navigation():
        page.click("form[data-form=object] button[type=submit]")
    assert page.locator("[data-sent]").is_visible()
    shot(page, "selections-objection-sent")
