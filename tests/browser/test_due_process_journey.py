"""Due process in a real browser: a deduction, its notice, the household's answer, the
objection upheld and the restriction lifted the same day (issue 16, the Bar).

The township keeps its 5-working-day response window (posting is switched off: it is
not what this journey is about). The platform's clock is moved for the server and the
test alike (``django.utils.timezone.now``), so the journey takes its real course in
three weeks of October and November 2026:

1. Tue 20 Oct: a grid worker records a deduction (P7-04, -10) and the council approves
   it; the household is notified by SMS (the file backend) and the deduction counts
   only from Tue 27 Oct.
2. Wed 21 Oct: the household signs in, opens the notice and answers within the
   window: its answer goes to the council as an objection, due 20 working days later.
3. Mon 2 Nov: the deduction counts since 27 Oct; the administrator finalises
   October: the household is red (90), its undrawn credit is frozen and a bank's
   eligibility check is refused under the bank-loan restriction.
4. Tue 3 Nov: the council upholds the objection. The same day, without another
   finalised month, the freeze is lifted and the bank's check answers eligible.

Screenshots go to test-artifacts/browser/due-process-*.png.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone

from platform_core.actors import Actor
from tests import factories as f
from tests.browser.conftest import shot, sign_in
from tests.committed import committed

CODE, SLUG = "330502964", "gongzheng"
PASSWORD = "pw"
SHANGHAI = ZoneInfo("Asia/Shanghai")
RECORDED = dt.datetime(2026, 10, 20, 9, 30, tzinfo=SHANGHAI)  # Tuesday
ANSWERED = dt.datetime(2026, 10, 21, 19, 0, tzinfo=SHANGHAI)
FINALISED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # Monday
UPHELD = dt.datetime(2026, 11, 3, 15, 0, tzinfo=SHANGHAI)
OCTOBER = dt.date(2026, 10, 1)


class Clock:
    """``django.utils.timezone.now`` moved to a chosen moment; it keeps ticking from there."""

    def __init__(self, monkeypatch):
        self._real = timezone.now
        self._offset = dt.timedelta(0)
        monkeypatch.setattr(timezone, "now", self.now)

    def now(self) -> dt.datetime:
        return self._real() + self._offset

    def set(self, moment: dt.datetime) -> None:
        self._offset = moment - self._real()


def _fill(township) -> None:
    from django.contrib.auth import get_user_model

    from platform_core.accounts.services import grant_role
    from platform_core.alliance.services import add_member
    from platform_core.households.models import Household
    from plugins.loans.services import add_product, apply, decide

    type(township).objects.filter(pk=township.pk).update(posting_days=0, response_days=5)
    f.village("V01", "公正村", size=2)
    Household.objects.filter(code="V01-0001").update(phone="13900001111")
    users = get_user_model().objects

    def person(name: str, role: str, village: str = "", **scope):
        email = f"{name}@{SLUG}.test"
        user = users.create_user(username=email, email=email, password=PASSWORD)
        grant_role(user, township, role, village, **scope)
        return Actor.of(user)

    person("gw", "grid_worker", "V01")
    person("council", "council_member")
    person("head", "household", household_code="V01-0001")
    clerk = person("bank", "alliance_member", alliance_member_code="B1")
    bank = add_member(code="B1", name="公正农商银行", kind="bank", by=Actor.cli())
    product = add_product(
        bank, name="鸿信贷", limit_green=200000, limit_blue=50000, annual_rate="4.35", by=clerk
    )
    # The household is blue (never evaluated) and holds a credit line, not drawn yet.
    application = apply(f.household("V01-0001"), product, 30000, by=Actor.cli())
    decide(application, approve=True, by=clerk)


@pytest.fixture(scope="module")
def township(django_db_setup, django_db_blocker):
    with committed(
        django_db_blocker,
        code=CODE,
        name="公正镇",
        slug=SLUG,
        plugins=["loans", "restrictions"],
        fill=_fill,
    ) as township:
        yield township


def as_person(browser, live_url: str, name: str):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    password = PASSWORD if name != "admin" else f"pw-{SLUG}"
    sign_in(page, live_url, f"{name}@{SLUG}.test", password, code=CODE)
    return context, page


def work(live_url: str, path: str = "") -> str:
    return f"{live_url}/t/{CODE}/work/{path}"


def in_schema(read):
    from django_tenants.utils import schema_context

    with schema_context(f"t_{CODE}"):
        return read()


def _deduction():
    from platform_core.scoring.models import ScoreEvent

    return in_schema(
        lambda: ScoreEvent.objects.get(
            household__code="V01-0001", rule__code="P7-04", kind=ScoreEvent.Kind.NORMAL
        )
    )


def _line():
    from plugins.loans.models import CreditLine

    return in_schema(lambda: CreditLine.objects.get(application__household__code="V01-0001"))


def bank_check(browser, live_url, name: str) -> str:
    """The bank clerk asks about the bank-loan restriction; the answer's data-eligible."""
    context, page = as_person(browser, live_url, "bank")
    page.goto(work(live_url, "eligibility/"))
    page.fill("#id_household", "V01-0001")
    page.select_option("#id_benefit", "bank_loan")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    answer = page.locator("[data-eligible]").first.get_attribute("data-eligible")
    shot(page, name)
    context.close()
    return answer


def test_a_deduction_its_notice_the_answer_upheld_and_the_restriction_lifted_the_same_day(
    browser, live_url, township, django_db_blocker, monkeypatch, tmp_path
):
    clock = Clock(monkeypatch)
    with (
        django_db_blocker.unblock(),
        override_settings(
            NOTIFY_SMS_BACKEND="platform_core.notices.backends.FileBackend",
            NOTIFY_SMS_DIR=tmp_path / "sms",
        ),
    ):
        _journey(browser, live_url, clock, tmp_path / "sms")


def _journey(browser, live_url, clock, sms_dir):
    from platform_core.notices.backends import read_file_messages

    # 1. Tuesday 20 October: the grid worker records, the council approves; the SMS goes out.
    clock.set(RECORDED)
    context, page = as_person(browser, live_url, "gw")
    page.goto(work(live_url, "record/?household=V01-0001"))
    from platform_core.scoring.models import Rule

    rule_id = in_schema(lambda: str(Rule.objects.get(code="P7-04").pk))
    page.select_option("#id_rule", value=rule_id)
    page.fill("#id_occurred_on", "2026-10-19")
    page.fill("#id_evidence", "a fight at the market, two witnesses")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    context.close()
    deduction = _deduction()
    assert deduction.status == "proposed"

    context, page = as_person(browser, live_url, "council")
    page.goto(work(live_url, "review/"))
    page.check(f"input[name=entries][value='{deduction.pk}']")
    with page.expect_navigation():
        page.click("button[value=approve]")
    shot(page, "due-process-1-council-approves")
    context.close()
    deduction = _deduction()
    assert deduction.status == "approved"
    assert deduction.counts_from == dt.date(2026, 10, 27)  # 5 working days after the notice
    messages = read_file_messages(sms_dir)
    assert [m["to"] for m in messages] == ["13900001111"]
    assert "P7-04" in messages[0]["text"]

    # 2. Wednesday 21 October: the household reads the notice and answers within the window.
    clock.set(ANSWERED)
    context, page = as_person(browser, live_url, "head")
    page.goto(work(live_url, "mine/"))
    answer = f"a[data-answer='{deduction.pk}']"
    notice = page.locator("tr[data-notice]").filter(has=page.locator(answer))
    assert notice.count() == 1
    assert notice.get_attribute("data-status") == "sent"
    assert "2026-10-26" in notice.inner_text()  # the last day to answer
    shot(page, "due-process-2-household-reads-the-notice")
    with page.expect_navigation():
        notice.locator(answer).click()
    page.locator("form.wb-form textarea").fill("It was my cousin at the market, not me.")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    row = page.locator("tr[data-objection][data-status=pending]")
    assert row.count() == 1
    due = row.locator("[data-answer-due]").get_attribute("data-answer-due")
    shot(page, "due-process-3-household-answers")
    context.close()
    from platform_core.scoring.models import Objection

    objection = in_schema(lambda: Objection.objects.get(entry=deduction))
    assert objection.answers_notice
    assert objection.answer_due == dt.date.fromisoformat(due) == dt.date(2026, 11, 18)

    # 3. Monday 2 November: October is finalised; red: the credit is frozen, the bank refused.
    clock.set(FINALISED)
    context, page = as_person(browser, live_url, "admin")
    page.goto(work(live_url, f"month/?month={OCTOBER:%Y-%m}"))
    with page.expect_navigation():
        page.click("button[value=finalise]")
    assert page.locator("tr[data-status=finalised]").count() == 1
    shot(page, "due-process-4-admin-finalises-october")
    context.close()
    line = _line()
    assert line.frozen and line.frozen_reason == "red_tier"
    assert bank_check(browser, live_url, "due-process-5-bank-refused") == "no"

    # 4. Tuesday 3 November: the council upholds the objection; lifted the same day.
    clock.set(UPHELD)
    context, page = as_person(browser, live_url, "council")
    page.goto(work(live_url, "objections/"))
    assert page.locator(f"tr[data-objection='{objection.pk}']").count() == 1
    assert "2026-11-18" in page.locator(f"tr[data-objection='{objection.pk}']").inner_text()
    with page.expect_navigation():
        page.click(f"tr[data-objection='{objection.pk}'] a.button")
    page.check("input[value=uphold]")
    page.fill("textarea[name=reason]", "the market's camera shows the cousin")
    with page.expect_navigation():
        page.click("form.wb-form button[type=submit]")
    shot(page, "due-process-6-council-upholds")
    context.close()
    assert _deduction().status == "reversed"
    line = _line()
    assert not line.frozen and line.frozen_reason == ""
    assert bank_check(browser, live_url, "due-process-7-bank-eligible-the-same-day") == "yes"

    context, page = as_person(browser, live_url, "head")
    page.goto(work(live_url, "mine/"))
    assert page.locator("tr[data-objection][data-status=upheld]").count() == 1
    shot(page, "due-process-8-household-sees-the-decision")
    context.close()
