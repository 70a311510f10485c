"""Notice before a deduction counts (issue 16, item 4; docs/scoring.md): the response
window in working days of the Chinese holiday calendar, the notice by SMS (file backend)
and e-mail, immediate rules, a township without a response period, the household's
answer as an objection, and who may answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from platform_core.errors import NotAllowed
from platform_core.evaluation.selectors import preview_month
from platform_core.notices.backends import SmsError, read_file_messages
from platform_core.notices.models import Notice
from platform_core.notices.selectors import masked, notices_of
from platform_core.notices.services import NoticeError, deliver, record_letter, record_notices
from platform_core.scoring.due_process import window_end
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.selectors import score_card
from platform_core.scoring.services import (
    LedgerError,
    file_objection,
    record_entry,
    review_entry,
)
from platform_core.scoring.workdays import add_working_days
from tests import factories as f

pytestmark = pytest.mark.django_db

REAL_LOCALDATE = timezone.localdate


@pytest.fixture
def today(monkeypatch):
    """``today(day)``: the platform's clock reads ``day`` (dates only)."""

    def set_day(day: dt.date):
        def localdate(value=None, timezone=None):
            return day if value is None else REAL_LOCALDATE(value, timezone)

        monkeypatch.setattr("django.utils.timezone.localdate", localdate)

    return set_day


@pytest.fixture
def sms_dir(tmp_path):
    with override_settings(
        NOTIFY_SMS_BACKEND="platform_core.notices.backends.FileBackend",
        NOTIFY_SMS_DIR=tmp_path / "sms",
    ):
        yield tmp_path / "sms"


@pytest.fixture
def five_days(township_a):
    """Township A with the default response period of 5 working days."""
    township_a.response_days = 5
    township_a.save(update_fields=["response_days"])
    return township_a


def _deduction(code="V01-0001", rule="CR-04", on=None, recorder=None, reviewer=None):
    """A deduction recorded by one person and approved by another (the joint review)."""
    entry = record_entry(
        household=f.household(code),
        rule=f.rule(rule),
        occurred_on=on or timezone.localdate(),
        recorder=recorder or f.person(),
        source="staff",
        evidence="seen by the grid worker",
    )
    review_entry(entry, reviewer=reviewer or f.person(), approve=True)
    entry.refresh_from_db()
    return entry


# --- working days -----------------------------------------------------------------


def test_a_window_opened_before_the_spring_festival_ends_after_it_with_the_make_up_days():
    # Fri 13 Feb 2026: Sat 14 Feb is a make-up working day (1), 15–23 Feb are the
    # holiday, then Tue 24 (2), 25 (3), 26 (4), 27 Feb (5).
    assert add_working_days(dt.date(2026, 2, 13), 5) == dt.date(2026, 2, 27)
    # Opened inside the holiday (18 Feb): 24, 25, 26, 27, Sat 28 Feb (make-up day).
    assert add_working_days(dt.date(2026, 2, 18), 5) == dt.date(2026, 2, 28)
    # Weekdays alone would have said 20 Feb, inside the holiday.
    assert window_end(False, ScoringPolicy(response_days=5), dt.date(2026, 2, 13)) == dt.date(
        2026, 2, 27
    )
    assert window_end(True, ScoringPolicy(response_days=5), dt.date(2026, 2, 13)) is None
    assert window_end(False, ScoringPolicy(response_days=0), dt.date(2026, 2, 13)) is None


# --- approval, the window and the score ---------------------------------------------


def test_a_deduction_approved_before_the_festival_counts_from_the_fifth_working_day_after(
    five_days, in_township, today, sms_dir, django_capture_on_commit_callbacks
):
    today(dt.date(2026, 2, 13))
    with in_township(five_days):
        f.village(size=2)
        f.household("V01-0001").__class__.objects.filter(code="V01-0001").update(
            phone="13812345678"
        )
        with django_capture_on_commit_callbacks(execute=True):
            entry = _deduction(on=dt.date(2026, 2, 12))
        assert entry.counts_from == dt.date(2026, 2, 27)
        household = f.household("V01-0001")
        policy = ScoringPolicy.of(five_days)
        # Not on the last day of the window, from counts_from on.
        assert score_card(household, dt.date(2026, 2, 26), policy).score == policy.base
        assert score_card(household, dt.date(2026, 2, 27), policy).score == policy.base - 5
        # The notice: when, how, to whom, with the answer day.
        notice = Notice.objects.get(entry=entry)
        assert notice.channel == "sms" and notice.status == "sent"
        assert notice.notified_on == dt.date(2026, 2, 13)
        assert notice.response_due == dt.date(2026, 2, 26)
        assert notice.sent_at is not None and notice.reference.startswith("file-")
        assert notice.sent_by_label == entry.reviewed_by_label
        [message] = read_file_messages(sms_dir)
        assert message["to"] == "13812345678" and message["reference"] == notice.reference
        for words in (
            "CR-04",
            "-5",
            "2026-02-12",
            "2026-02-26",
            "2026-02-27",
            "《村规民约》CR-04条",
        ):
            assert words in message["text"]
        assert masked(notice.address) == "138****5678"
        assert list(notices_of(household)) == [notice]


def test_the_month_evaluation_counts_a_deduction_only_from_its_counts_from(
    five_days, in_township, today, sms_dir, django_capture_on_commit_callbacks
):
    with in_township(five_days):
        f.village(size=2)
        today(dt.date(2026, 3, 24))  # Tue: 25, 26, 27, 30, 31 March
        late_march = _deduction("V01-0001", on=dt.date(2026, 3, 23))
        today(dt.date(2026, 3, 25))  # 26, 27, 30, 31 March, 1 April
        april = _deduction("V01-0002", on=dt.date(2026, 3, 23))
        assert late_march.counts_from == dt.date(2026, 3, 31)
        assert april.counts_from == dt.date(2026, 4, 1)
        policy = ScoringPolicy.of(five_days)
        march = preview_month(dt.date(2026, 3, 1), policy)
        # The SQL and the Python arithmetic agree: one household red in March, both in April.
        assert march.red == 1
        assert preview_month(dt.date(2026, 4, 1), policy).red == 2
        assert score_card(f.household("V01-0002"), dt.date(2026, 3, 31), policy).tier != "red"
        assert score_card(f.household("V01-0001"), dt.date(2026, 3, 31), policy).tier == "red"


def test_an_immediate_rule_and_a_township_without_response_period_count_at_once(
    five_days, in_township, today, sms_dir, django_capture_on_commit_callbacks
):
    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village(size=2)
        Rule.objects.filter(code="P7-04").update(immediate=True)
        with django_capture_on_commit_callbacks(execute=True):
            immediate = _deduction("V01-0001", rule="P7-04")
        assert immediate.counts_from is None
        notice = Notice.objects.get(entry=immediate)
        # Notices are written in Chinese, the language households read them in.
        assert notice.response_due is None and "即时计入" in notice.text
        five_days.response_days = 0
        ordinary = _deduction("V01-0002")
        assert ordinary.counts_from is None
        policy = ScoringPolicy.of(five_days)
        assert score_card(f.household("V01-0002"), dt.date(2026, 3, 24), policy).score == 95


def test_a_rule_without_review_recorded_approved_gets_its_window_and_notice_in_one_write(
    five_days, in_township, today, sms_dir, django_capture_on_commit_callbacks
):
    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village(size=1)
        Rule.objects.filter(code="GS-03").update(needs_review=False)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            entry = record_entry(
                household=f.household("V01-0001"),
                rule=f.rule("GS-03"),
                occurred_on=dt.date(2026, 3, 24),
                recorder=f.person(),
                source="inspection",
                evidence="mixed waste in the green bin",
            )
            # Recorded in the approving transaction, sent only after the commit.
            assert Notice.objects.get(entry=entry).status == "failed"  # no phone, no e-mail
        assert callbacks == []  # nothing to send: the household has no contact on file
        assert ScoreEvent.objects.get(pk=entry.pk).counts_from == dt.date(2026, 3, 31)
        notice = Notice.objects.get(entry=entry)
        assert notice.channel == "none" and "printed letter" in notice.error


def test_a_rejected_or_positive_entry_sends_no_notice(five_days, in_township, today, sms_dir):
    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village(size=1)
        bonus = f.approved("V01-0001", "VO-01", dt.date(2026, 3, 24))
        assert bonus.counts_from is None
        entry = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("CR-04"),
            occurred_on=dt.date(2026, 3, 24),
            recorder=f.person(),
            source="staff",
            evidence="seen",
        )
        review_entry(entry, reviewer=f.person(), approve=False, reason="not this household")
        entry.refresh_from_db()
        assert entry.counts_from is None
        assert not Notice.objects.exists()


# --- e-mail, failures, idempotency ------------------------------------------------------


def test_notices_go_by_sms_and_e_mail_once_each_and_a_failing_gateway_is_recorded(
    five_days, in_township, today, sms_dir, django_capture_on_commit_callbacks
):
    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village(size=1)
        f.household("V01-0001").__class__.objects.filter(code="V01-0001").update(
            phone="13900001111", email="yu@example.cn"
        )
        with django_capture_on_commit_callbacks(execute=True):
            entry = _deduction()
        assert sorted(Notice.objects.filter(entry=entry).values_list("channel", "status")) == [
            ("email", "sent"),
            ("sms", "sent"),
        ]
        [message] = mail.outbox
        assert message.to == ["yu@example.cn"] and "CR-04" in message.body
        assert masked("yu@example.cn") == "y***@example.cn"
        # Again: nothing new is recorded or sent.
        with django_capture_on_commit_callbacks(execute=True):
            record_notices([entry.pk], notified_on=dt.date(2026, 3, 24), by=None)
        assert deliver(entry_ids=[entry.pk]) == {"sent": 0, "failed": 0}
        assert Notice.objects.filter(entry=entry).count() == 2 and len(mail.outbox) == 1
        assert len(read_file_messages(sms_dir)) == 1


class Refusing:
    def send(self, phone, text):
        raise SmsError("gateway answered 503")


def test_a_gateway_failure_is_recorded_on_the_notice_and_the_approval_stands(
    five_days, in_township, today, django_capture_on_commit_callbacks
):
    today(dt.date(2026, 3, 24))
    with (
        override_settings(NOTIFY_SMS_BACKEND="tests.test_notices.Refusing"),
        in_township(five_days),
    ):
        f.village(size=1)
        f.household("V01-0001").__class__.objects.filter(code="V01-0001").update(
            phone="13900001111"
        )
        with django_capture_on_commit_callbacks(execute=True):
            entry = _deduction()
        notice = Notice.objects.get(entry=entry)
        assert notice.status == "failed" and notice.error == "gateway answered 503"
        assert entry.status == "approved" and entry.counts_from == dt.date(2026, 3, 31)


def test_a_letter_handed_over_is_recorded_by_staff_of_the_village_only(
    five_days, in_township, today, sms_dir
):
    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village("V01", size=1)
        f.village("V02", "南浔村", size=1)
        entry = _deduction()
        with pytest.raises(NotAllowed):
            record_letter(
                entry,
                by=f.person("other", "grid_worker", "V02"),
                handed_over_on=dt.date(2026, 3, 24),
                to="户主",
            )
        grid = f.person("grid", "grid_worker", "V01")
        with pytest.raises(NoticeError, match="in the future"):
            record_letter(entry, by=grid, handed_over_on=dt.date(2026, 3, 25), to="户主")
        with pytest.raises(NoticeError, match="to whom"):
            record_letter(entry, by=grid, handed_over_on=dt.date(2026, 3, 24), to=" ")
        letter = record_letter(
            entry, by=grid, handed_over_on=dt.date(2026, 3, 24), to="户主 俞国明"
        )
        assert letter.channel == "letter" and letter.status == "sent"
        assert letter.response_due == dt.date(2026, 3, 30)


# --- the household's answer -------------------------------------------------------------


def test_an_answer_in_the_window_goes_to_the_council_as_an_objection(
    five_days, in_township, today, sms_dir
):
    today(dt.date(2026, 2, 13))
    with in_township(five_days):
        f.village(size=2)
        entry = _deduction(on=dt.date(2026, 2, 12))
        head = f.person("head", "household", household_code="V01-0001")
        neighbour = f.person("neighbour", "household", household_code="V01-0002")
        with pytest.raises(NotAllowed):
            file_objection(entry, by=neighbour, reason="not them", today=dt.date(2026, 2, 24))
        with pytest.raises(LedgerError, match="needs a reason"):
            file_objection(entry, by=head, reason=" ", today=dt.date(2026, 2, 24))
        # 26 Feb: the last day of the window, after the holiday.
        answer = file_objection(entry, by=head, reason="we were away", today=dt.date(2026, 2, 26))
        assert answer.answers_notice is True and answer.on_behalf is False


def test_staff_record_an_answer_received_by_phone_and_after_the_window_it_is_an_objection(
    five_days, in_township, today, sms_dir
):
    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village(size=2)
        first = _deduction("V01-0001")
        grid = f.person("grid", "grid_worker", "V01")
        by_phone = file_objection(
            first, by=grid, reason="called: not us", on_behalf=True, today=dt.date(2026, 3, 30)
        )
        assert by_phone.answers_notice and by_phone.on_behalf
        second = _deduction("V01-0002")
        head = f.person("head2", "household", household_code="V01-0002")
        later = file_objection(second, by=head, reason="late", today=dt.date(2026, 3, 31))
        assert later.answers_notice is False  # the ordinary objection within objection_days


def test_a_window_longer_than_the_objection_period_keeps_answers_open(
    five_days, in_township, today, sms_dir
):
    today(dt.date(2026, 9, 29))  # before the National Day week (1–7 October 2026)
    five_days.objection_days = 3
    with in_township(five_days):
        f.village(size=1)
        entry = _deduction(on=dt.date(2026, 9, 29))
        head = f.person("head", "household", household_code="V01-0001")
        due = entry.counts_from - dt.timedelta(days=1)
        assert due > dt.date(2026, 10, 2)  # past the 3 days of the objection period
        answer = file_objection(entry, by=head, reason="away", today=due)
        assert answer.answers_notice is True


def test_the_township_admin_lists_notices_masked_and_by_village(
    five_days, in_township, today, sms_dir, client
):
    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village("V01", size=1)
        f.village("V02", "南浔村", size=1)
        f.household("V01-0001").__class__.objects.filter(code="V01-0001").update(
            phone="13812345678"
        )
        ours = _deduction("V01-0001")
        _deduction("V02-0001")
        committee = f.person("vc", "village_committee", "V01")
        notice = Notice.objects.get(entry=ours)
    client.force_login(committee.user)
    admin = f"/t/{five_days.code}/admin/notices/notice/"
    listing = client.get(admin, HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    assert "138****5678" in listing.text and "13812345678" not in listing.text
    assert "V01-0001" in listing.text and "V02-0001" not in listing.text
    page = client.get(f"{admin}{notice.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "13812345678" not in page.text


def test_send_notices_sends_what_waits_once_and_names_a_bad_township(
    five_days, in_township, today, sms_dir
):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    today(dt.date(2026, 3, 24))
    with in_township(five_days):
        f.village(size=1)
        f.household("V01-0001").__class__.objects.filter(code="V01-0001").update(
            phone="13812345678"
        )
        entry = _deduction()  # the commit never comes in a test: the notice waits
        assert Notice.objects.get(entry=entry).status == "pending"
    out = StringIO()
    call_command("send_notices", "--township", five_days.code, stdout=out)
    assert f"{five_days.code}: 1 notices sent, 0 failed" in out.getvalue()
    call_command("send_notices", "--township", five_days.code, stdout=out)
    assert "0 notices sent, 0 failed" in out.getvalue()
    assert len(read_file_messages(sms_dir)) == 1
    with pytest.raises(CommandError, match="no township with code '999999999'"):
        call_command("send_notices", "--township", "999999999")
