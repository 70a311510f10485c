"""Objections on a deadline (issue 16, item 6): the answer's due date by working days,
overdue objections flagged on the pages and in the API, and escalated once to the
township administrator (service, dispatcher, task). The immediate effect of an upheld
objection: tests/test_standing.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from platform_core import scheduling, tasks
from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.scoring.escalation import escalate_overdue_objections
from platform_core.scoring.models import Objection
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.selectors import is_overdue, overdue_objections, to_escalate
from platform_core.scoring.services import decide_objection, file_objection
from tests import factories as f
from tests.api import endpoint, gql

D = dt.date
ESCALATE = scheduling.ESCALATE_TASK
FILED = D(2026, 2, 11)  # a Wednesday before the Spring Festival 2026


@pytest.fixture
def plain(township_a):
    """Township A without the response window and the posting: what is tested here is the
    objection's deadline, not the notice before a deduction counts (tests/conftest.py sets
    both to 0 already; said again here because this file relies on it)."""
    type(township_a).objects.filter(pk=township_a.pk).update(response_days=0, posting_days=0)
    township_a.response_days = township_a.posting_days = 0
    return township_a


def _objection(code="V01-0001", today=FILED, answer_days=20):
    deduction = f.approved(code, "P7-04", today)
    head = f.person(role="household", household_code=code)
    return file_objection(
        deduction,
        by=head,
        reason="I was not there",
        policy=ScoringPolicy(objection_answer_days=answer_days),
        today=today,
    )


# --- the deadline ---------------------------------------------------------------------


def test_an_objection_is_answered_within_20_working_days_by_the_holiday_calendar(
    plain, in_township
):
    with in_township(plain):
        f.village(size=1)
        objection = _objection()
        # 12, 13 Feb, Saturday 14 Feb (a make-up working day), the holiday 15–23 Feb not
        # counted, 24–27 Feb, Saturday 28 Feb (make-up), then 2–17 March: 20 working days.
        assert objection.answer_due == D(2026, 3, 17)
        objection.refresh_from_db()
        assert objection.answer_due == D(2026, 3, 17)
        assert not is_overdue(objection, today=D(2026, 3, 17))  # the last day is in time
        assert is_overdue(objection, today=D(2026, 3, 18))
        assert list(overdue_objections(today=D(2026, 3, 18))) == [objection]
        assert not overdue_objections(today=D(2026, 3, 17)).exists()


def test_the_township_sets_the_answer_period(plain, in_township):
    with in_township(plain):
        f.village(size=1)
        objection = _objection(answer_days=3)
        assert objection.answer_due == D(2026, 2, 14)  # Thursday, Friday, make-up Saturday


def test_a_decided_objection_is_never_overdue(plain, in_township):
    with in_township(plain):
        f.village(size=1)
        objection = _objection()
        decide_objection(objection, decider=f.person(), uphold=False, reason="witnesses")
        objection.refresh_from_db()
        assert not is_overdue(objection, today=D(2026, 12, 1))
        assert not to_escalate(D(2026, 12, 1)).exists()


# --- escalation -------------------------------------------------------------------------


def test_overdue_objections_are_escalated_once_and_the_administrators_mailed(
    plain, in_township, django_capture_on_commit_callbacks
):
    with in_township(plain):
        f.village(size=2)
        late = _objection("V01-0001")
        in_time = _objection("V01-0002", today=D(2026, 11, 30))
        boss = f.person("boss", "township_admin")
        council = f.person("council", "council_member")
        with django_capture_on_commit_callbacks(execute=True):
            escalated = escalate_overdue_objections(by=Actor.cli(), today=D(2026, 12, 4))
        assert [o.pk for o in escalated] == [late.pk]
        late.refresh_from_db(), in_time.refresh_from_db()
        assert late.escalated_at is not None and in_time.escalated_at is None
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert boss.user.email in message.to  # administrators only
        assert council.user.email not in message.to
        assert f"{late.pk}" in message.body and "V01-0001" in message.body
        assert "2026-03-17" in message.body
        # Once only: a second run escalates and mails nothing.
        with django_capture_on_commit_callbacks(execute=True):
            assert escalate_overdue_objections(by=Actor.cli(), today=D(2026, 12, 4)) == []
        assert len(mail.outbox) == 1
        assert late.escalated_at == Objection.objects.get(pk=late.pk).escalated_at


def test_only_a_township_administrator_escalates_by_hand(plain, in_township):
    with in_township(plain):
        f.village(size=1)
        _objection()
        with pytest.raises(NotAllowed):
            escalate_overdue_objections(by=f.person(role="council_member"), today=D(2026, 12, 4))
        assert to_escalate(D(2026, 12, 4)).count() == 1


def test_the_escalation_is_due_while_overdue_objections_wait():
    township = type("T", (), {"status": "active", "evaluation_day": 28, "code": "x"})()
    now = dt.datetime(2026, 12, 4, 9, 0)
    waiting = scheduling.TownshipState(objections_to_escalate=2)
    assert [w.task for w in scheduling.due_work(township, now, waiting)] == [
        scheduling.ESCALATE_TASK
    ]
    assert scheduling.due_work(township, now, scheduling.TownshipState()) == []


def test_the_dispatcher_sends_the_escalation_only_to_the_township_that_needs_it(
    sent, plain, township_b, in_township, monkeypatch
):
    with in_township(plain):
        f.village(size=1)
        _objection()
    monkeypatch.setattr(tasks, "local_now", lambda: timezone.localtime())
    tasks.dispatch_due_work()
    escalations = [
        (schema, args) for schema, name, args in sent if name == scheduling.ESCALATE_TASK
    ]
    assert escalations == [(plain.schema_name, ())]


def test_the_task_escalates_in_its_township(plain, township_b, in_township):
    with in_township(plain):
        f.village(size=1)
        objection = _objection()
        f.person("boss", "township_admin")
        result = tasks.escalate_overdue_objections.run()
        assert result == {"township": plain.code, "escalated": [objection.pk]}
    with in_township(township_b):
        assert tasks.escalate_overdue_objections.run()["escalated"] == []


# --- pages and the API show the deadline and the flag ------------------------------------


def _client(actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(actor.user)
    return client


def test_pages_show_the_deadline_and_flag_overdue_and_escalated_objections(plain, in_township):
    with in_township(plain):
        f.village(size=2)
        late = _objection("V01-0001")
        soon = _objection("V01-0002", today=timezone.localdate())
        escalate_overdue_objections(by=Actor.cli())
        boss = f.person("boss", "township_admin")
        head = f.person(role="household", household_code="V01-0001")
        worker = f.person(role="grid_worker", village_code="V01")
    base = f"/t/{plain.code}/work/"
    admin = _client(boss)
    queue = admin.get(base + "objections/").content.decode()
    assert f'data-objection="{late.pk}" data-overdue="1"' in queue
    assert f'data-objection="{soon.pk}">' in queue
    assert "2026-03-17" in queue and 'data-flag="escalated"' in queue
    only = admin.get(base + "objections/?overdue=1").content.decode()
    assert f'data-objection="{late.pk}"' in only and f'data-objection="{soon.pk}"' not in only
    one = admin.get(base + f"objections/{late.pk}/").content.decode()
    assert 'data-answer-due="2026-03-17"' in one and 'data-flag="overdue"' in one
    home = admin.get(base).content.decode()
    assert 'data-waiting="escalated"' in home and "?overdue=1" in home
    mine = _client(head).get(base + "mine/").content.decode()
    assert 'data-answer-due="2026-03-17"' in mine and 'data-flag="overdue"' in mine
    household = _client(worker).get(base + "households/V01-0001/").content.decode()
    assert 'data-answer-due="2026-03-17"' in household
    # The escalation line is the administrator's; a council member's home has none.
    with in_township(plain):
        council = f.person(role="council_member")
    assert 'data-waiting="escalated"' not in _client(council).get(base).content.decode()


def test_the_api_gives_the_deadline_and_the_flag(plain, in_township):
    with in_township(plain):
        f.village(size=1)
        late = _objection()
        boss = f.person("boss", "township_admin")
    reply = gql(
        _client(boss),
        endpoint(plain),
        '{ household(code: "V01-0001") { objections { answerDue overdue '
        "escalatedAt answersNotice status } } }",
    )
    assert reply["data"]["household"]["objections"] == [
        {
            "answerDue": "2026-03-17",
            "overdue": True,
            "escalatedAt": None,
            "answersNotice": False,
            "status": "pending",
        }
    ]
    assert late.pk
