"""import_score_events and due process (issue 16, item 13): a ``notified_on`` column (通知日期)
or ``--notified-on`` for the whole file, so historical deductions count from their real
notice; approved deductions without one are notified now; bad dates fail the file."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from platform_core.notices.backends import read_file_messages
from platform_core.notices.models import Notice
from platform_core.scoring.imports import import_score_events
from platform_core.scoring.models import ScoreEvent
from platform_core.tabular import TableError
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 24)  # a Tuesday: notified now, it counts from 31 March
REAL_LOCALDATE = timezone.localdate


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    def localdate(value=None, timezone=None):
        return TODAY if value is None else REAL_LOCALDATE(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@pytest.fixture
def township(township_a, in_township, tmp_path):
    township_a.response_days = 5
    township_a.save(update_fields=["response_days"])
    with in_township(township_a):
        f.village(size=3)
        f.household("V01-0001").__class__.objects.filter(code="V01-0001").update(
            phone="13800000000"
        )
        f.person("clerk")
    with override_settings(NOTIFY_SMS_DIR=tmp_path / "sms"):
        yield township_a


def _csv(tmp_path, text: str, name: str = "events.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(township, *args) -> str:
    out = StringIO()
    call_command("import_score_events", "--township", township.code, *map(str, args), stdout=out)
    return out.getvalue()


HISTORY_ZH = """户码,规则,日期,分值,外部编号,通知日期
V01-0001,CR-04,2026-02-10,,h-1,2026-02-13
V01-0002,CR-04,2026-03-20,,h-2,
V01-0003,VO-01,2026-03-20,,h-3,
"""


def test_a_notice_day_per_row_sets_the_window_and_rows_without_one_are_notified_now(
    township, in_township, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = _run(township, _csv(tmp_path, HISTORY_ZH), "--approve")
    assert "3 rows, 3 entries recorded approved" in out
    with in_township(township):
        told_before = ScoreEvent.objects.get(external_id="h-1")
        notified_now = ScoreEvent.objects.get(external_id="h-2")
        bonus = ScoreEvent.objects.get(external_id="h-3")
        # 13 Feb 2026 + 5 working days across the Spring Festival: 27 Feb.
        assert told_before.counts_from == dt.date(2026, 2, 27)
        assert notified_now.counts_from == dt.date(2026, 3, 31)
        assert bonus.counts_from is None
        # Only the deduction without a notice day is notified (now, after the commit).
        [notice] = Notice.objects.all()
        assert notice.entry == notified_now and notice.channel == "none"
        assert notice.notified_on == TODAY and notice.response_due == dt.date(2026, 3, 30)
        assert notice.sent_by_label.startswith("cli:")


def test_the_flag_gives_the_notice_day_of_rows_without_one(
    township, in_township, tmp_path, django_capture_on_commit_callbacks
):
    text = """household_code,rule_code,occurred_on,external_id,notified_on
V01-0001,CR-04,2026-02-10,a,
V01-0002,CR-04,2026-02-10,b,2026-02-18
"""
    with django_capture_on_commit_callbacks(execute=True):
        _run(township, _csv(tmp_path, text), "--approve", "--notified-on", "2026-02-12")
    with in_township(township):
        # 12 Feb: 13, Sat 14 (make-up), 24, 25, 26 Feb. 18 Feb (holiday): 24–27, Sat 28.
        assert ScoreEvent.objects.get(external_id="a").counts_from == dt.date(2026, 2, 26)
        assert ScoreEvent.objects.get(external_id="b").counts_from == dt.date(2026, 2, 28)
        assert not Notice.objects.exists()


def test_a_household_with_a_phone_gets_its_sms_when_imported_without_notice_day(
    township, in_township, tmp_path, django_capture_on_commit_callbacks
):
    text = "household_code,rule_code,occurred_on\nV01-0001,CR-04,2026-03-20\n"
    with in_township(township), django_capture_on_commit_callbacks(execute=True):
        import_score_events(
            _csv(tmp_path, text), operator=f.person("operator", "township_admin"), approve=True
        )
    [message] = read_file_messages(tmp_path / "sms")
    assert message["to"] == "13800000000" and "2026-03-30" in message["text"]


def test_entries_imported_for_review_get_their_window_when_approved(
    township, in_township, tmp_path
):
    text = "household_code,rule_code,occurred_on,notified_on\nV01-0001,CR-04,2026-03-20,\n"
    with in_township(township):
        import_score_events(_csv(tmp_path, text), operator=f.person("operator"))
        entry = ScoreEvent.objects.get()
        assert entry.status == "proposed" and entry.counts_from is None
        assert not Notice.objects.exists()


@pytest.mark.parametrize(
    "cell, message",
    [
        ("2026-02-30", "2026-02-30"),
        ("next week", "next week"),
        ("2026-03-25", "2026-03-25 is in the future"),
        ("2026-02-01", "notice day 2026-02-01 is before the entry's date 2026-02-10"),
    ],
)
def test_a_bad_notice_day_fails_the_file_at_its_row_and_column(
    township, in_township, tmp_path, cell, message
):
    text = f"""户码,规则,日期,外部编号,通知日期
V01-0001,CR-04,2026-02-10,ok,2026-02-13
V01-0002,CR-04,2026-02-10,bad,{cell}
"""
    with pytest.raises(CommandError) as refused:
        _run(township, _csv(tmp_path, text), "--approve")
    assert "row 3" in str(refused.value) and "通知日期" in str(refused.value)
    assert message in str(refused.value)
    with in_township(township):
        assert not ScoreEvent.objects.exists() and not Notice.objects.exists()


def test_a_bad_flag_is_refused_before_reading(township, in_township, tmp_path):
    path = _csv(tmp_path, "household_code,rule_code,occurred_on\nV01-0001,CR-04,2026-02-10\n")
    with pytest.raises(CommandError, match="--notified-on"):
        _run(township, path, "--approve", "--notified-on", "13/02/2026")
    with pytest.raises(CommandError, match="--notified-on.*in the future"):
        _run(township, path, "--approve", "--notified-on", "2026-04-01")
    with pytest.raises(CommandError, match="--notified-on.*before the entry's date"):
        _run(township, path, "--approve", "--notified-on", "2026-02-01")
    with in_township(township):
        assert not ScoreEvent.objects.exists()
        with pytest.raises(TableError):
            import_score_events(
                path,
                operator=f.person("op"),
                approve=True,
                notified_on=dt.date(2026, 4, 1),
            )


def test_households_bring_their_e_mail_and_keep_it_when_the_column_is_absent(
    township_a, in_township, tmp_path
):
    from platform_core.households.imports import import_households
    from platform_core.households.models import Household

    with_email = _csv(
        tmp_path, "户码,村,户主,电子邮箱\nE-1,太湖村,俞国明,yu@example.cn\n", "h1.csv"
    )
    without = _csv(tmp_path, "户码,村,户主,电话\nE-1,太湖村,俞国明,13800000001\n", "h2.csv")
    bad = _csv(tmp_path, "户码,村,户主,电子邮箱\nE-2,太湖村,沈红,not-an-address\n", "h3.csv")
    with in_township(township_a):
        import_households(with_email)
        assert Household.objects.get(code="E-1").email == "yu@example.cn"
        import_households(without)
        household = Household.objects.get(code="E-1")
        assert household.email == "yu@example.cn" and household.phone == "13800000001"
        with pytest.raises(TableError) as refused:
            import_households(bad)
        assert "row 2" in str(refused.value) and "电子邮箱" in str(refused.value)
        assert "not-an-address is not an e-mail address" in str(refused.value)
        assert not Household.objects.filter(code="E-2").exists()
