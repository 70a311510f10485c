"""One whole month in the workbench, in a real browser on a phone-sized screen.

A grid worker records entries (one with a photo); a party-member evaluator rates
the households assigned to them; the council rejects one entry and approves the
rest; a household objects to its deduction and the council upholds the objection;
the administrator grants a new evaluator a role, finalises the month and publishes
the boards; the household sees its new tier; a bank clerk checks its eligibility.
Each step saves a screenshot under test-artifacts/browser/journey-*.png.

The month is the last quarter-end month before today, so that finalising it also
makes its quarter's boards publishable.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from platform_core.actors import Actor
from tests import factories as f
from tests.browser.conftest import shot, sign_in
from tests.committed import committed

CODE, SLUG = "330502963", "lvcheng"
PHONE_WIDTH = 360  # the narrowest phone the workbench is made for
PASSWORD = "pw"


def journey_month(today: dt.date) -> dt.date:
    """The last month before today's that ends a quarter."""
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    while month.month % 3:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month


MONTH = journey_month(timezone.localdate())


def _fill(township) -> None:
    from django.contrib.auth import get_user_model

    from platform_core.accounts.services import grant_role
    from platform_core.alliance.services import add_member
    from platform_core.evaluation.services import assign_linked_households, open_round

    f.village("V01", "太湖村", size=4)
    f.village("V02", "白雀村", size=2)
    add_member(code="B1", name="农商银行旅程支行", kind="bank", by=Actor.cli())
    users = get_user_model().objects

    def person(name: str, role: str | None, village: str = "", **scope):
        email = f"{name}@{SLUG}.test"
        user = users.create_user(username=email, email=email, password=PASSWORD)
        if role:
            grant_role(user, township, role, village, **scope)
        return user

    person("gw", "grid_worker", "V01")
    person("council", "council_member")
    person("head", "household", household_code="V01-0001")
    person("bank", "alliance_member", alliance_member_code="B1")
    person("newparty", None)
    party = person("party", "party_member", "V01")
    round_ = open_round(f.household("V01-0001").village, MONTH, by=Actor.cli())
    codes = ("V01-0002", "V01-0003", "V01-0004")
    assign_linked_households(round_, party, [f.household(c) for c in codes], by=Actor.cli())


@pytest.fixture(scope="module")
def journey(django_db_setup, django_db_blocker):
    with committed(
        django_db_blocker,
        code=CODE,
        name="旅程镇",
        slug=SLUG,
        plugins=["loans", "restrictions"],
        fill=_fill,
    ) as township:
        yield township


def photo_file(tmp_path) -> str:
    path = tmp_path / "evidence.png"
    image = Image.new("RGB", (320, 240), "#1e8e3e")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def as_person(browser, live_url: str, name: str):
    """A fresh 360-px phone page signed in as ``name`` (English pages for readable asserts)."""
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 780}, locale="en-US", device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(
        page,
        live_url,
        f"{name}@{SLUG}.test",
        PASSWORD if name != "admin" else f"pw-{SLUG}",
        code=CODE,
    )
    return context, page


def work(live_url: str, path: str = "") -> str:
    return f"{live_url}/t/{CODE}/work/{path}"


def fits_the_phone(page) -> None:
    """Nothing makes the page wider than the phone (no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width}px wide"


def record(page, live_url, household, rule, day, evidence, photo=None):
    page.goto(work(live_url, f"record/?household={household}"))
    page.select_option("#id_rule", label=None, value=_rule_id(rule))
    page.fill("#id_occurred_on", day.isoformat())
    page.fill("#id_evidence", evidence)
    if photo:
        page.set_input_files("#id_photo", photo)
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert f"/work/households/{household}/" in page.url, page.content()[:3000]


def _rule_id(code: str) -> str:
    from django_tenants.utils import schema_context

    from platform_core.scoring.models import Rule

    with schema_context(f"t_{CODE}"):
        return str(Rule.objects.get(code=code).pk)


def _entries(**filters):
    from django_tenants.utils import schema_context

    from platform_core.scoring.models import ScoreEvent

    with schema_context(f"t_{CODE}"):
        return list(ScoreEvent.objects.filter(**filters).order_by("id"))


def test_one_month_in_the_workbench(browser, live_url, journey, django_db_blocker, tmp_path):
    day = MONTH + dt.timedelta(days=9)
    with django_db_blocker.unblock():
        _month(browser, live_url, day, tmp_path)


def _month(browser, live_url, day, tmp_path):
    # 1. The grid worker records: a good deed with a photo, a deduction, another good deed.
    context, page = as_person(browser, live_url, "gw")
    record(page, live_url, "V01-0001", "VO-03", day, "helped clear the canal", photo_file(tmp_path))
    assert page.locator("tr[data-status=proposed] a", has_text="photo").count() == 1
    shot(page, "journey-01-grid-worker-records-with-a-photo")
    fits_the_phone(page)
    record(page, live_url, "V01-0001", "P7-04", day, "rubbish burnt in the yard")
    record(page, live_url, "V01-0002", "VO-03", day, "said they helped, nobody saw it")
    context.close()

    # 2. The evaluator rates the three households assigned to them on one screen.
    context, page = as_person(browser, live_url, "party")
    page.goto(work(live_url, "rate/"))
    assert page.locator("li[data-household]").count() == 3
    for code in ("V01-0002", "V01-0003", "V01-0004"):
        row = page.locator(f"li[data-household='{code}']")
        row.locator("select").select_option("none")
    shot(page, "journey-02-evaluator-rates")
    fits_the_phone(page)
    with page.expect_navigation():
        page.click("text=Send the ratings")
    assert page.locator("li[data-household][data-done]").count() == 3
    context.close()

    # 3. The council rejects the unwitnessed entry and approves the rest.
    context, page = as_person(browser, live_url, "council")
    page.goto(work(live_url, "review/"))
    doubtful = _entries(household__code="V01-0002", rule__code="VO-03")[0]
    page.check(f"input[name=entries][value='{doubtful.pk}']")
    page.fill("#reason", "nobody witnessed it")
    with page.expect_navigation():
        page.click("button[value=reject]")
    for box in page.locator("input[name=entries]").all():
        box.check()
    shot(page, "journey-03-council-reviews")
    fits_the_phone(page)
    with page.expect_navigation():
        page.click("button[value=approve]")
    assert page.locator("tr[data-entry]").count() == 0
    assert _entries(household__code="V01-0002", rule__code="VO-03")[0].status == "rejected"
    context.close()

    # 4. The household objects to its deduction.
    context, page = as_person(browser, live_url, "head")
    deduction = _entries(household__code="V01-0001", rule__code="P7-04")[0]
    page.goto(work(live_url, "mine/"))
    form = page.locator(f"form[data-object='{deduction.pk}']")
    form.locator("textarea").fill("we were away that week; the neighbour burnt it")
    shot(page, "journey-04-household-objects")
    fits_the_phone(page)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("tr[data-objection][data-status=pending]").count() == 1
    context.close()

    # 5. The council upholds the objection.
    context, page = as_person(browser, live_url, "council")
    page.goto(work(live_url, "objections/"))
    with page.expect_navigation():
        page.click("tr[data-objection] a.button")
    page.check("input[value=uphold]")
    page.fill("textarea[name=reason]", "the neighbour confirmed it was theirs")
    shot(page, "journey-05-council-decides-the-objection")
    fits_the_phone(page)
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert _entries(pk=deduction.pk)[0].status == "reversed"
    context.close()

    # 6. The administrator grants a new evaluator a role, finalises the month, publishes.
    context, page = as_person(browser, live_url, "admin")
    page.goto(work(live_url, "staff/"))
    page.fill("#id_email", f"newparty@{SLUG}.test")
    page.select_option("#id_role", "party_member")
    page.fill("#id_village_code", "V01")
    with page.expect_navigation():
        page.click("text=Grant the role")
    assert page.locator("body", has_text=f"newparty@{SLUG}.test").count() == 1
    shot(page, "journey-06-admin-grants-a-role")
    fits_the_phone(page)
    page.goto(work(live_url, f"month/?month={MONTH:%Y-%m}"))
    # The month's results are posted (公示) first. Finalising is refused while the
    # posting runs; the administrator finalises anyway with a recorded reason
    # (docs/scoring.md, "Public posting before finalising").
    with page.expect_navigation():
        page.click("button[value=post]")
    assert page.locator("td.posting", has_text="until").count() == 2
    with page.expect_navigation():
        page.click("button[value=finalise]")
    assert page.locator("li.error", has_text="are posted until").count() == 1
    assert page.locator("tr[data-status=finalised]").count() == 0
    page.fill("#id_override_posting", "县里要求本周上报 (the county needs the figures this week)")
    with page.expect_navigation():
        page.click("button[value=override]")
    assert page.locator("tr[data-status=finalised]").count() == 2
    with page.expect_navigation():
        page.click("button[value=publish]")
    shot(page, "journey-07-admin-finalises-and-publishes")
    fits_the_phone(page)
    assert page.locator("text=published").count() >= 2
    context.close()

    # 7. The household sees its new tier: +2 and a reversed deduction, green.
    context, page = as_person(browser, live_url, "head")
    page.goto(work(live_url, "mine/"))
    assert page.locator("[data-tier=green]").count() >= 1
    shot(page, "journey-08-household-sees-its-tier")
    fits_the_phone(page)
    context.close()

    # 8. The bank clerk checks the household's eligibility for an integrity loan.
    context, page = as_person(browser, live_url, "bank")
    page.goto(work(live_url, "eligibility/"))
    page.fill("#id_household", "V01-0001")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    assert page.locator("[data-eligible]").count() >= 1, page.content()[:3000]
    shot(page, "journey-09-bank-clerk-checks-eligibility")
    fits_the_phone(page)
    context.close()
