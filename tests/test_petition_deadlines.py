"""Petition deadlines (issue 17): working-day due times, the overdue flag and queue, the
dashboard's overdue count, the hourly escalation (also by a real Celery worker), GraphQL."""

from __future__ import annotations

import datetime as dt
import json
import re

import chinese_calendar
import pytest
from django.test import Client
from django.utils import timezone

from platform_core.errors import NotAllowed
from platform_core.households.models import Village
from platform_core.plugins.services import PluginError, enable_plugin
from plugins.petition.dashboard import villages_panel
from plugins.petition.imports import import_cases
from plugins.petition.models import Case
from plugins.petition.selectors import overdue_cases, overdue_q
from plugins.petition.services import advance, escalate_overdue, receive_case
from tests import factories as f
from tests.api import endpoint, gql, token_for
from tests.test_tasks import CLEAN, platform  # noqa: F401,F811 (the real-worker fixture)
from township_integrity.services import Actor, Viewer

pytestmark = pytest.mark.django_db

D = dt.date
# The case of the brief: a hotline case received the day before the National Day holiday.
SEPT_30 = dt.datetime(2026, 9, 30, 10, 0)


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.make_aware(moment)


def end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def nth_working_day_after(day: dt.date, n: int) -> dt.date:
    """Counted here straight from chinese_calendar (not through the platform's helper)."""
    while n:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


@pytest.fixture
def petition_a(township_a, in_township):
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
        f.village("V02", "白鹤村")
        yield township_a


def viewer(actor: Actor) -> Viewer:
    from django.db import connection

    return Viewer.of(actor.user, connection.tenant)


def new_case(reference="H1", kind="hotline", village="V01", received=SEPT_30) -> Case:
    return receive_case(
        kind=kind,
        reference=reference,
        village=Village.objects.get(code=village),
        summary="反映路灯损坏",
        received_at=local(received),
        by=f.person(),
    )


# --- due times ---------------------------------------------------------------------


def test_a_hotline_case_before_national_day_is_due_after_the_holiday(petition_a):
    case = new_case()
    acknowledge = nth_working_day_after(D(2026, 9, 30), 1)
    handling = nth_working_day_after(D(2026, 9, 30), 6)
    assert case.acknowledge_due == end_of(acknowledge)
    assert case.handling_due == end_of(handling)
    # By the installed calendar: Oct 1-7 off, Oct 8 a working day, Saturday Oct 10 a
    # make-up working day (调休), Sunday Oct 11 off.
    assert acknowledge == D(2026, 10, 8) and handling == D(2026, 10, 14)
    assert not any(chinese_calendar.is_workday(D(2026, 10, day)) for day in range(1, 8))
    case.refresh_from_db()  # stored as computed
    assert timezone.localtime(case.handling_due).date() == D(2026, 10, 14)


def test_each_kind_has_its_default_and_a_township_may_change_one_kind(petition_a):
    petition = new_case("P1", kind="petition")
    assert petition.acknowledge_due == end_of(nth_working_day_after(D(2026, 9, 30), 15))
    assert petition.handling_due == end_of(nth_working_day_after(D(2026, 9, 30), 60))
    lawsuit = new_case("L1", kind="lawsuit")
    assert lawsuit.acknowledge_due is None and lawsuit.handling_due is None

    enable_plugin(petition_a, "petition", {"deadlines": {"hotline": {"handling_days": 2}}})
    hotline = new_case("H2")
    assert hotline.acknowledge_due is None  # the township's hotline entry names none
    assert hotline.handling_due == end_of(D(2026, 10, 9))
    online = new_case("O1", kind="online")  # the other kinds keep their defaults
    assert online.handling_due == end_of(D(2026, 10, 14))


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"deadlines": {"hotline": {"acknowledge_days": 0}}}, "deadlines.hotline.acknowledge_days"),
        ({"deadlines": {"hotline": {"handling_days": "six"}}}, "deadlines.hotline.handling_days"),
        ({"deadlines": {"parcel": {"handling_days": 3}}}, "deadlines"),
        ({"deadlines": {"hotline": {"answer_days": 3}}}, "deadlines.hotline"),
        ({"repeat_days": -1}, "repeat_days"),
        ({"reopen_days": "soon"}, "reopen_days"),
        ({"follow_up_days": 0}, "follow_up_days"),
    ],
)
def test_bad_deadline_settings_are_refused_naming_the_key(township_a, settings, named):
    with pytest.raises(PluginError, match=re.escape(f"settings.{named}")):
        enable_plugin(township_a, "petition", settings)


def test_the_steps_record_acknowledged_responded_and_closed_times(petition_a):
    case = new_case()
    handler = f.person("handler", "grid_worker", "V01")
    advance(case, "assigned", by=handler, at=local(dt.datetime(2026, 10, 8, 9)))
    advance(case, "handling", by=handler, at=local(dt.datetime(2026, 10, 8, 10)))
    advance(case, "responded", by=handler, at=local(dt.datetime(2026, 10, 12, 9)))
    advance(
        case, "closed", by=handler, satisfaction="satisfied", at=local(dt.datetime(2026, 10, 13))
    )
    case.refresh_from_db()
    assert case.acknowledged_at == local(dt.datetime(2026, 10, 8, 9))
    assert case.responded_at == local(dt.datetime(2026, 10, 12, 9))
    assert case.closed_at == local(dt.datetime(2026, 10, 13))


def test_imported_cases_get_their_deadlines_in_the_same_write(petition_a, tmp_path):
    path = tmp_path / "hotline.csv"
    path.write_text(
        "工单号,类型,受理时间,村,内容\n"
        "IMP-1,12345热线,2026-09-30 10:00,太湖村,反映路灯损坏\n"
        "IMP-2,刑事,2026-09-30 10:00,太湖村,盗窃\n",
        encoding="utf-8",
    )
    import_cases(path, operator=f.person())
    hotline, criminal = Case.objects.get(reference="IMP-1"), Case.objects.get(reference="IMP-2")
    assert hotline.acknowledge_due == end_of(D(2026, 10, 8))
    assert hotline.handling_due == end_of(D(2026, 10, 14))
    assert criminal.acknowledge_due is None and criminal.handling_due is None


# --- overdue -----------------------------------------------------------------------


def test_the_overdue_flag_follows_acknowledgement_and_answer(petition_a):
    case = new_case()
    handler = f.person("handler", "grid_worker", "V01")

    def overdue_at(*moment) -> bool:
        now = local(dt.datetime(*moment))
        case.refresh_from_db()
        flagged = case.is_overdue(now)
        assert flagged == Case.objects.filter(overdue_q(now), pk=case.pk).exists()
        return flagged

    assert not overdue_at(2026, 10, 8, 23, 59)  # the last minute of the acknowledge day
    assert overdue_at(2026, 10, 9, 0, 1)  # not acknowledged in time
    advance(case, "assigned", by=handler, at=local(dt.datetime(2026, 10, 9, 9)))
    assert not overdue_at(2026, 10, 9, 10)  # acknowledged (late), answer not due yet
    advance(case, "handling", by=handler, at=local(dt.datetime(2026, 10, 9, 10)))
    assert not overdue_at(2026, 10, 14, 23)
    assert overdue_at(2026, 10, 15, 8)  # not answered by the end of Oct 14
    advance(case, "responded", by=handler, at=local(dt.datetime(2026, 10, 15, 9)))
    assert not overdue_at(2026, 10, 16)  # answered: no longer overdue
    advance(
        case, "closed", by=handler, satisfaction="satisfied", at=local(dt.datetime(2026, 10, 16))
    )
    assert not overdue_at(2026, 12, 1)


def test_the_overdue_queue_shows_the_viewers_villages_only(petition_a, township_b, in_township):
    new_case("A-V01")
    new_case("A-V02", village="V02")
    new_case("A-LATER", received=dt.datetime.now() - dt.timedelta(hours=1))  # not due yet
    handler = f.person("handler", "grid_worker", "V01")
    admin = f.person("boss", "township_admin")
    assert [c.reference for c in overdue_cases(viewer(handler))] == ["A-V01"]
    assert sorted(c.reference for c in overdue_cases(viewer(admin))) == ["A-V01", "A-V02"]
    enable_plugin(township_b, "petition")
    with in_township(township_b):
        f.village()
        new_case("B-V01")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin.user)
    page = client.get(f"/t/{petition_a.code}/work/x/petition/overdue/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "A-V01" in html and "A-V02" in html and "B-V01" not in html
    assert "A-LATER" not in html
    home = client.get(f"/t/{petition_a.code}/work/").content.decode()
    assert "Overdue cases of your villages" in home
    client.force_login(handler.user)
    html = client.get(f"/t/{petition_a.code}/work/x/petition/overdue/").content.decode()
    assert "A-V01" in html and "A-V02" not in html and "B-V01" not in html
    # Township B's people see only B's.
    with in_township(township_b):
        admin_b = f.person("boss-b", "township_admin")
    client.force_login(admin_b.user)
    html = client.get(f"/t/{township_b.code}/work/x/petition/overdue/").content.decode()
    assert "B-V01" in html and "A-V01" not in html
    # Someone of township B has no business in A's queue.
    assert client.get(f"/t/{petition_a.code}/work/x/petition/overdue/").status_code in (302, 403)


def test_a_household_member_has_no_overdue_queue(petition_a):
    new_case("A-V01")
    head = f.person("head", "household", household_code="V01-0001")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(head.user)
    assert client.get(f"/t/{petition_a.code}/work/x/petition/overdue/").status_code == 403


def test_the_case_page_and_list_show_due_times_and_the_overdue_flag(petition_a):
    late = new_case("LATE")
    fresh = new_case("FRESH", received=dt.datetime.now() - dt.timedelta(hours=1))
    handler = f.person("handler", "grid_worker", "V01")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(handler.user)
    base = f"/t/{petition_a.code}/work/x/petition/cases/"
    listing = client.get(base).content.decode()
    late_row = re.search(rf'<tr data-case="{late.pk}">.*?</tr>', listing, re.S).group(0)
    fresh_row = re.search(rf'<tr data-case="{fresh.pk}">.*?</tr>', listing, re.S).group(0)
    assert "2026-10-14" in late_row and "data-overdue" in late_row and "Overdue" in late_row
    assert "data-overdue" not in fresh_row
    page = client.get(f"{base}{late.pk}/").content.decode()
    assert "2026-10-08 23:59" in page and "2026-10-14 23:59" in page and "data-overdue" in page
    assert "data-overdue" not in client.get(f"{base}{fresh.pk}/").content.decode()


def test_the_dashboard_counts_overdue_cases_per_village(petition_a):
    new_case("A1")
    new_case("A2")
    new_case("B1", village="V02", kind="lawsuit")  # no deadline: never overdue
    panel = villages_panel(timezone.localdate().replace(day=1), None)
    assert panel.table.headers_en[-1] == "Overdue cases"
    rows = {row[0]: row[-1] for row in panel.table.rows}
    assert rows == {"太湖村": 2, "白鹤村": 0}
    only = villages_panel(timezone.localdate().replace(day=1), ["V02"])
    assert [row[-1] for row in only.table.rows] == [0]


# --- escalation --------------------------------------------------------------------


def test_escalation_marks_and_notifies_once(petition_a, django_capture_on_commit_callbacks):
    from platform_core.notices.models import StaffNotice

    late = new_case("LATE")
    new_case("FRESH", received=dt.datetime.now() - dt.timedelta(hours=1))
    admin = f.person("boss", "township_admin")
    admin.user.email = "boss@test.local"
    admin.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        escalated = escalate_overdue(by=Actor.plugin("petition"))
    assert [c.reference for c in escalated] == ["LATE"]
    late.refresh_from_db()
    assert late.escalated_at is not None and late.overdue_since == late.escalated_at
    notices = StaffNotice.objects.filter(key=f"petition-overdue-{late.pk}")
    assert notices.count() >= 1
    before = StaffNotice.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue(by=Actor.plugin("petition")) == []  # once
    assert StaffNotice.objects.count() == before
    late.refresh_from_db()
    assert late.escalated_at == late.overdue_since


def test_only_an_administrator_or_the_scheduler_escalates(petition_a):
    new_case("LATE")
    with pytest.raises(NotAllowed):
        escalate_overdue(by=f.person("handler", "grid_worker", "V01"))
    assert not Case.objects.filter(escalated_at__isnull=False).exists()


def test_the_escalation_is_a_periodic_task_of_the_plugin():
    from platform_core.plugins.selectors import periodic_tasks

    tasks = {task.task: task for key, task in periodic_tasks() if key == "petition"}
    assert tasks["petition.escalate_overdue"].crontab == "0 * * * *"  # hourly
    from platform_core.celery import app

    assert "petition.escalate_overdue" in app.tasks


# --- GraphQL -----------------------------------------------------------------------

DUE = """query($id: ID!) { petitionCase(id: $id) {
  reference acknowledgeDue handlingDue overdue acknowledgedAt escalatedAt } }"""
CASES = "query { petitionCases { edges { node { id reference overdue handlingDue } } } }"


def test_graphql_shows_the_due_times_and_overdue(petition_a, township_b, in_township):
    new_case("LATE")
    new_case("OTHER", village="V02")
    admin = token_for(petition_a, "admin@deadlines.test", "township_admin")
    bearer = token_for(petition_a, "gw@deadlines.test", "grid_worker", "V01")
    ids = _ids(petition_a, admin)
    body = gql(Client(), endpoint(petition_a), DUE, {"id": ids["LATE"]}, token=bearer)
    assert not body.get("errors"), body
    found = body["data"]["petitionCase"]
    assert found["overdue"] is True
    assert dt.datetime.fromisoformat(found["acknowledgeDue"]) == end_of(D(2026, 10, 8))
    assert dt.datetime.fromisoformat(found["handlingDue"]) == end_of(D(2026, 10, 14))
    assert found["acknowledgedAt"] is None and found["escalatedAt"] is None
    # Another village's case is not found for this grid worker.
    denied = gql(Client(), endpoint(petition_a), DUE, {"id": ids["OTHER"]}, token=bearer)
    assert denied["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert list(_ids(petition_a, bearer)) == ["LATE"]
    # Township B's token sees nothing of A's, and A's case id finds nothing there.
    enable_plugin(township_b, "petition")
    bearer_b = token_for(township_b, "admin@deadlines-b.test", "township_admin")
    assert _ids(township_b, bearer_b) == {}
    elsewhere = gql(Client(), endpoint(township_b), DUE, {"id": ids["LATE"]}, token=bearer_b)
    assert elsewhere["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def _ids(township, bearer) -> dict[str, str]:
    body = gql(Client(), endpoint(township), CASES, token=bearer)
    assert not body.get("errors"), body
    edges = body["data"]["petitionCases"]["edges"]
    return {e["node"]["reference"]: e["node"]["id"] for e in edges}


# --- a real worker ------------------------------------------------------------------

ESCALATION_CALL = """
import django, datetime as dt, json, sys, time
django.setup()
from django.utils import timezone
from django_tenants.utils import tenant_context
from tenants.models import Township
from platform_core import tasks
from platform_core.plugins.services import enable_plugin
from platform_core.households.models import Village
from platform_core.notices.models import StaffNotice
from plugins.petition.models import Case
from plugins.petition.services import receive_case
from tests import factories as f

township = Township.objects.get(code=sys.argv[1])
enable_plugin(township, "petition")
with tenant_context(township):
    boss = f.person("petition-boss", "township_admin")
    boss.user.email = "petition-boss@test.local"
    boss.user.save()
    case = receive_case(kind="hotline", reference="ESC-1", village=Village.objects.get(code="V01"),
                        summary="路灯不亮", by=f.person("petition-clerk"),
                        received_at=timezone.make_aware(dt.datetime(2026, 9, 30, 10)))

def run_once():
    with tenant_context(township):
        tasks.run_plugin_task.apply_async(("petition.escalate_overdue",))

def notices():
    with tenant_context(township):
        return StaffNotice.objects.filter(key=f"petition-overdue-{case.pk}").count()

run_once()
end = time.monotonic() + 60
with tenant_context(township):
    while Case.objects.get(pk=case.pk).escalated_at is None:
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)
    escalated_at = Case.objects.get(pk=case.pk).escalated_at
first = notices()
with tenant_context(township):
    total = StaffNotice.objects.count()
run_once()
time.sleep(5)  # the second run (a solo worker takes tasks in order) finds nothing
with tenant_context(township):
    unchanged = Case.objects.get(pk=case.pk).escalated_at == escalated_at
    total_after = StaffNotice.objects.count()
print(json.dumps({"first": first, "again": notices(), "unchanged": unchanged,
                  "total": total, "total_after": total_after}))
"""


@pytest.mark.embedded
@pytest.mark.worker
def test_a_real_worker_escalates_an_overdue_case_once(platform):  # noqa: F811
    platform.stop_workers()
    platform.worker()
    result = json.loads(platform.run("-c", ESCALATION_CALL, CLEAN))
    platform.stop_workers()
    assert result["first"] >= 1  # the administrator's notice(s), one per channel
    assert result["again"] == result["first"] and result["unchanged"]
    assert result["total_after"] == result["total"]
