"""Scheduled township work: due-work decisions, the dispatcher, and real Celery workers."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from platform_core import scheduling, tasks
from platform_core.scheduling import DueWork, PluginSchedule, TownshipState, due_work

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def township(evaluation_day=1, status="active", code="330502901"):
    return SimpleNamespace(evaluation_day=evaluation_day, status=status, code=code)


# --- pure decisions -------------------------------------------------------------------


def test_evaluation_is_due_from_the_evaluation_day_for_the_previous_month():
    t = township(evaluation_day=5)
    assert due_work(t, at(2026, 5, 4, 23, 45)) == []
    assert due_work(t, at(2026, 5, 5, 0, 0)) == [
        DueWork(scheduling.EVALUATE_TASK, ("2026-04-01",), "evaluate 2026-04")
    ]
    # A missed day is caught up later in the month.
    assert [w.args for w in due_work(t, at(2026, 5, 20, 9, 0))] == [("2026-04-01",)]
    # January evaluates December of the year before.
    assert [w.args for w in due_work(t, at(2027, 1, 5, 0, 0))] == [("2026-12-01",)]


def test_a_finalised_month_is_never_evaluated_again():
    done = TownshipState(finalised_periods=frozenset({dt.date(2026, 4, 1)}))
    assert due_work(township(), at(2026, 5, 1, 0, 0), done) == []


def test_boards_follow_the_first_evaluation_after_a_quarter_ends():
    t = township(evaluation_day=3)
    march = dt.date(2026, 3, 1)
    # Before the quarter's last month is finalised: only the evaluation.
    assert [w.task for w in due_work(t, at(2026, 4, 3, 8, 0))] == [scheduling.EVALUATE_TASK]
    finalised = TownshipState(finalised_periods=frozenset({march}))
    assert due_work(t, at(2026, 4, 3, 8, 15), finalised) == [
        DueWork(scheduling.BOARDS_TASK, (2026, 1), "boards 2026 Q1")
    ]
    assert due_work(t, at(2026, 4, 2, 8, 15), finalised) == []  # before the evaluation day
    published = TownshipState(
        finalised_periods=frozenset({march}), published_quarters=frozenset({(2026, 1)})
    )
    assert due_work(t, at(2026, 4, 3, 8, 30), published) == []
    # Not in a month that starts a quarter.
    may = TownshipState(finalised_periods=frozenset({dt.date(2026, 4, 1)}))
    assert due_work(t, at(2026, 5, 3, 8, 30), may) == []
    # Q4 boards in January.
    december = TownshipState(finalised_periods=frozenset({dt.date(2026, 12, 1)}))
    assert [w.args for w in due_work(t, at(2027, 1, 3, 0, 0), december)] == [(2026, 4)]


def test_suspended_townships_get_nothing():
    assert due_work(township(status="suspended"), at(2026, 5, 1, 0, 0)) == []


def test_a_changed_evaluation_day_takes_effect_at_the_next_run():
    t = township(evaluation_day=20)
    assert due_work(t, at(2026, 5, 10, 9, 0)) == []
    t.evaluation_day = 10  # the settings changed; no restart, the next slot reads them
    assert [w.task for w in due_work(t, at(2026, 5, 10, 9, 15))] == [scheduling.EVALUATE_TASK]


def test_plugin_tasks_run_in_the_slot_their_crontab_matches_when_enabled():
    nightly = PluginSchedule("petition", "plugins.petition.import_feed", "5 2 * * *", "feed")
    state = TownshipState(
        finalised_periods=frozenset({dt.date(2026, 4, 1)}), enabled_plugins=frozenset({"petition"})
    )
    t = township()
    assert due_work(t, at(2026, 5, 6, 2, 0, 3), state, [nightly]) == [
        DueWork(scheduling.PLUGIN_TASK, ("plugins.petition.import_feed",), "petition: feed")
    ]
    assert due_work(t, at(2026, 5, 6, 2, 14, 59), state, [nightly]) != []
    assert due_work(t, at(2026, 5, 6, 2, 15), state, [nightly]) == []
    assert due_work(t, at(2026, 5, 6, 1, 45), state, [nightly]) == []
    not_enabled = TownshipState(finalised_periods=state.finalised_periods)
    assert due_work(t, at(2026, 5, 6, 2, 0), not_enabled, [nightly]) == []
    # Day of week: 2026-05-04 is a Monday (cron 1); day of month and month are respected.
    mondays = PluginSchedule("petition", "x.y", "30 9 * * 1")
    assert due_work(t, at(2026, 5, 4, 9, 30), state, [mondays]) != []
    assert due_work(t, at(2026, 5, 5, 9, 30), state, [mondays]) == []
    quarterly = PluginSchedule("petition", "x.y", "0 0 1 1,4,7,10 *")

    def plugin_work(now):
        return [w for w in due_work(t, now, state, [quarterly]) if w.task == scheduling.PLUGIN_TASK]

    assert plugin_work(at(2026, 7, 1, 0, 0)) != []
    assert plugin_work(at(2026, 8, 1, 0, 0)) == []
    assert plugin_work(at(2026, 7, 2, 0, 0)) == []
    with pytest.raises(ValueError, match="5 fields"):
        scheduling.parse_crontab("0 2 * *")


# --- the dispatcher ---------------------------------------------------------------------


@pytest.mark.django_db
def test_dispatch_sends_each_active_township_its_work_in_its_schema(sent, township_a, township_b):
    township_b.evaluation_day = 20
    township_b.save(update_fields=["evaluation_day"])
    result = tasks.dispatch_due_work()
    assert sent == [
        (township_a.schema_name, scheduling.EVALUATE_TASK, ("2026-04-01",)),
    ]
    assert result["failed"] == {}
    # B's evaluation day moves to today: the next run sends it, without a restart.
    township_b.evaluation_day = 12
    township_b.save(update_fields=["evaluation_day"])
    sent.clear()
    tasks.dispatch_due_work()
    assert sorted(sent) == sorted(
        [
            (township_a.schema_name, scheduling.EVALUATE_TASK, ("2026-04-01",)),
            (township_b.schema_name, scheduling.EVALUATE_TASK, ("2026-04-01",)),
        ]
    )
    assert connection.schema_name == "public"


@pytest.mark.django_db
def test_one_failing_township_never_stops_the_others(sent, monkeypatch, township_a, township_b):
    real_state = tasks.township_state

    def broken_for_a(township):
        if township.code == township_a.code:
            raise RuntimeError("schema of A is broken")
        return real_state(township)

    monkeypatch.setattr(tasks, "township_state", broken_for_a)
    result = tasks.dispatch_due_work()
    assert sent == [(township_b.schema_name, scheduling.EVALUATE_TASK, ("2026-04-01",))]
    assert list(result["failed"]) == [township_a.code]
    assert "schema of A is broken" in result["failed"][township_a.code]


@pytest.mark.django_db
def test_suspended_townships_are_not_dispatched(sent, township_a, township_b):
    township_a.status = "suspended"
    township_a.save(update_fields=["status"])
    tasks.dispatch_due_work()
    assert [schema for schema, _, _ in sent] == [township_b.schema_name]


@pytest.mark.django_db
def test_finalised_months_are_not_sent_again(sent, township_a, township_b, in_township):
    from platform_core.actors import Actor
    from platform_core.evaluation.services import finalise_month
    from tests import factories as f

    with in_township(township_a):
        f.village()
        finalise_month(dt.date(2026, 4, 1), by=Actor("test"))
    tasks.dispatch_due_work()
    assert [schema for schema, _, _ in sent] == [township_b.schema_name]


def test_tasks_are_acked_late_and_retried_with_backoff():
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError

    for task in (
        tasks.evaluate_township_month,
        tasks.publish_township_boards,
        tasks.run_plugin_task,
        tasks.run_township_feed,
    ):
        assert task.acks_late and task.retry_backoff and task.max_retries == 5
        assert set(task.autoretry_for) == {OperationalError, InterfaceError, BrokerError}
    from platform_core.celery import app

    assert app.conf.beat_schedule["dispatch-due-work"]["task"] == "platform_core.dispatch_due_work"


def test_the_dispatcher_runs_every_15_minutes_unless_a_number_of_seconds_is_set():
    from celery.schedules import crontab

    from platform_core.celery import DISPATCH_SECONDS_ENV, dispatch_schedule

    every_slot = dispatch_schedule({})
    assert isinstance(every_slot, crontab)
    assert every_slot.minute == {0, 15, 30, 45}
    assert dispatch_schedule({DISPATCH_SECONDS_ENV: " "}) == every_slot
    assert dispatch_schedule({DISPATCH_SECONDS_ENV: "2.5"}) == 2.5
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ValueError):
            dispatch_schedule({DISPATCH_SECONDS_ENV: bad})


# --- real workers (embedded PostgreSQL, filesystem or Redis broker, solo worker) ---------

CLEAN, CRASHED = "330502103", "330502104"

SEED = f"""
import django, datetime as dt
django.setup()
from django.utils import timezone
from django_tenants.utils import tenant_context
from tenants.models import Township
from tests import factories as f
last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
# The workers' evaluation is under test, not the posting (tests/test_posting.py).
Township.objects.filter(code__in=("{CLEAN}", "{CRASHED}")).update(posting_days=0, response_days=0)
for code in ("{CLEAN}", "{CRASHED}"):
    with tenant_context(Township.objects.get(code=code)):
        f.village(size=4)
        f.approved("V01-0001", "VO-03", last.replace(day=3))
        f.approved("V01-0002", "P7-02", last.replace(day=4))
print(last.isoformat())
"""

CALL = """
import django, json, sys, time
django.setup()
from django.db import connection
from django_tenants.utils import tenant_context
from tenants.models import Township
from platform_core import tasks
from platform_core.evaluation.models import EvaluationRound, HouseholdSnapshot

def snapshots(code, period):
    with tenant_context(Township.objects.get(code=code)):
        return {
            "rounds": sorted(EvaluationRound.objects.filter(period=period).values_list(
                "status", flat=True)),
            "snapshots": [list(map(str, row)) for row in HouseholdSnapshot.objects.filter(
                period=period).order_by("household__code").values_list(
                "household__code", "score", "tier", "change", "deductions", "index")],
        }

def finalised(code, period):
    return snapshots(code, period)["rounds"] == ["finalised"]

def wait(condition, seconds):
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)

def locked():
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM pg_locks l JOIN pg_class r ON r.oid = l.relation "
                  "WHERE r.relname = 'scoring_scoreevent' AND l.mode = 'ShareLock'")
        return c.fetchone()[0] > 0

action, code, period = sys.argv[1:4]
if action == "send":
    with tenant_context(Township.objects.get(code=code)):
        tasks.evaluate_township_month.apply_async((period,))
elif action == "send-and-wait-for-lock":
    with tenant_context(Township.objects.get(code=code)):
        tasks.evaluate_township_month.apply_async((period,))
    wait(locked, 30)
elif action == "wait":
    wait(lambda: finalised(code, period), 40)
elif action == "dispatch":
    print(json.dumps(tasks.dispatch_due_work()))
print(json.dumps(snapshots(code, period)))
"""


# Redis only: delete the run's queue and forget the messages of killed workers that wait
# unacked for their visibility timeout (else they would come back into the queue later).
PURGE = """
import json
from platform_core.celery import app
queue = app.conf.task_default_queue
with app.connection_for_write() as conn:
    channel = conn.default_channel
    client = channel.client
    dropped = 0
    for tag, payload in client.hgetall(channel.unacked_key).items():
        if json.loads(payload)[-1] == queue:  # [message, exchange, routing key]
            client.hdel(channel.unacked_key, tag)
            client.zrem(channel.unacked_index_key, tag)
            dropped += 1
    purged = channel.queue_purge(queue) or 0
    channel.queue_delete(queue)
    for key in client.scan_iter(match=f"_kombu.binding*.{queue}"):  # the exchange's bindings
        client.delete(key)
print(json.dumps({"queue": queue, "purged": purged, "unacked_dropped": dropped}))
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """A fresh data folder with embedded PostgreSQL and two onboarded, seeded townships."""
    from platform_core import embedded

    data = tmp_path_factory.mktemp("tasks-data")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "TEST_DATABASE_NAME"}
    }
    env.update(PLATFORM_MODE="demo", PLATFORM_DATA_DIR=str(data), DEBUG="0")
    # A Redis broker from the environment (CI's first pass) is kept, with a queue of this
    # run's own, so messages never mix with other runs; it is deleted at the end.
    broker = os.environ.get("CELERY_BROKER_URL", "").strip()
    if broker.startswith(("redis://", "rediss://")):
        env.update(
            CELERY_BROKER_URL=broker, CELERY_TASK_DEFAULT_QUEUE=f"tasks-test-{uuid.uuid4().hex}"
        )
    env.pop(tasks.TEST_DELAY_ENV, None)

    def run(*args, timeout=120):
        done = subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    workers: list[subprocess.Popen] = []

    def worker(**extra):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "platform_core.celery",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, **extra},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers.append(process)
        return process

    def stop_workers():
        """Only the worker a test starts next may take its tasks."""
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)

    try:
        run("manage.py", "migrate_schemas", "--noinput", "-v", "0", timeout=300)
        for code, slug in ((CLEAN, "hongqiao"), (CRASHED, "shuanglin")):
            run(
                "manage.py",
                "onboard_township",
                "--code",
                code,
                "--name",
                slug,
                "--slug",
                slug,
                "--admin-email",
                f"admin@{slug}.cn",
            )
        period = run("-c", SEED)
        yield SimpleNamespace(run=run, worker=worker, stop_workers=stop_workers, period=period)
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
        try:
            if "CELERY_TASK_DEFAULT_QUEUE" in env:
                run("-c", PURGE)
        finally:
            embedded.stop(data / "postgres")


@pytest.mark.embedded
@pytest.mark.worker
def test_a_real_worker_finalises_the_townships_month(platform):
    platform.worker()
    platform.run("-c", CALL, "send", CLEAN, platform.period)
    month = json.loads(platform.run("-c", CALL, "wait", CLEAN, platform.period))
    assert month["rounds"] == ["finalised"]
    assert len(month["snapshots"]) == 4
    assert sorted(row[2] for row in month["snapshots"]) == ["blue", "blue", "green", "red"]


@pytest.mark.embedded
@pytest.mark.worker
def test_killing_the_worker_mid_evaluation_leaves_no_partial_month(platform):
    """kill -9 inside the evaluation's transaction; the re-sent task finishes it cleanly."""
    clean = json.loads(platform.run("-c", CALL, "wait", CLEAN, platform.period))
    platform.stop_workers()
    slow = platform.worker(**{tasks.TEST_DELAY_ENV: "60"})
    platform.run("-c", CALL, "send-and-wait-for-lock", CRASHED, platform.period)
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait(timeout=10)
    after_crash = json.loads(platform.run("-c", CALL, "status", CRASHED, platform.period))
    assert after_crash["snapshots"] == []
    assert after_crash["rounds"] != ["finalised"]
    # The filesystem broker drops a message once fetched: the dispatcher's next run sends
    # the unfinished month again. With Redis the killed message waits unacked for the
    # visibility timeout; the fixture deletes it with the run's queue (and were it ever
    # redelivered, the month is final and finalising it again changes nothing).
    platform.stop_workers()
    platform.worker()
    platform.run("-c", CALL, "dispatch", CRASHED, platform.period)
    recovered = json.loads(platform.run("-c", CALL, "wait", CRASHED, platform.period))
    assert recovered == clean


FEED_CALL = """
import sys
sys.path.insert(0, sys.argv[1])  # the sample plugin's dist-info: found like an installed one
import django, json, time
django.setup()
from django.conf import settings
from django_tenants.utils import tenant_context
from tenants.models import Township
from platform_core import tasks
from platform_core.feeds.models import FeedRun
from platform_core.plugins.services import enable_plugin
from platform_core.scoring.models import ScoreEvent

township = Township.objects.get(code=sys.argv[2])
enable_plugin(township, "sample_feeds")
folder = settings.FEED_DIR / township.code / "sample_feeds" / "alerts"
folder.mkdir(parents=True, exist_ok=True)
for name in ("day1.csv", "day1-again.csv"):  # the same content twice
    (folder / name).write_text(sys.argv[3], encoding="utf-8")
    with tenant_context(township):
        tasks.run_township_feed.apply_async(("sample_feeds", "alerts"))
    end = time.monotonic() + 40
    while (folder / name).exists():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)
with tenant_context(township):
    runs = FeedRun.objects.order_by("pk").values_list("file_name", "status", "created")
    entries = ScoreEvent.objects.filter(source="sample_feeds").count()
    print(json.dumps({"runs": [list(run) for run in runs], "entries": entries}))
"""


@pytest.mark.embedded
@pytest.mark.worker
def test_a_real_worker_imports_a_plugins_feed_once(platform, tmp_path):
    """A plugin's feed (tests.test_feeds' sample, installed by its dist-info) through a
    real worker: the file imported and moved to done/, the same content again not."""
    info = tmp_path / "sample_feeds-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sample-feeds\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[township_integrity.plugins]\nsample_feeds = tests.test_feeds:sample_feeds\n"
    )
    platform.stop_workers()  # only a worker that has the sample plugin takes the tasks
    platform.worker(PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    today = timezone.localdate().isoformat()
    csv = f"household,date,id\nV01-0001,{today},W-1\n"
    result = json.loads(platform.run("-c", FEED_CALL, str(tmp_path), CLEAN, csv))
    platform.stop_workers()
    assert result == {
        "runs": [["day1.csv", "done", 1], ["day1-again.csv", "unchanged", 0]],
        "entries": 1,
    }


ESCALATION_CALL = """
import django, datetime as dt, json, sys, time
django.setup()
from django_tenants.utils import tenant_context
from tenants.models import Township
from platform_core import tasks
from platform_core.scoring.models import Objection
from platform_core.scoring.services import file_objection
from tests import factories as f

township = Township.objects.get(code=sys.argv[1])
with tenant_context(township):
    # Named people: the seed's process already used the factories' numbered names.
    recorder, reviewer = f.person("esc-recorder"), f.person("esc-reviewer")
    day = dt.date(2026, 2, 10)
    deduction = f.approved("V01-0003", "P7-04", day, by=recorder, reviewer=reviewer)
    head = f.person("esc-head", role="household", household_code="V01-0003")
    # Filed on 11 February 2026: its answer was due on 17 March, long past.
    objection = file_objection(deduction, by=head, reason="not me", today=dt.date(2026, 2, 11))
    f.person("escalation-boss", "township_admin")
first = tasks.dispatch_due_work()["sent"].get(township.code, [])
end = time.monotonic() + 40
with tenant_context(township):
    while Objection.objects.get(pk=objection.pk).escalated_at is None:
        assert time.monotonic() < end, "timed out"
        time.sleep(0.2)
    escalated_at = Objection.objects.get(pk=objection.pk).escalated_at
again = tasks.dispatch_due_work()["sent"].get(township.code, [])
time.sleep(2)
with tenant_context(township):
    unchanged = Objection.objects.get(pk=objection.pk).escalated_at == escalated_at
print(json.dumps({"first": first, "again": again, "unchanged": unchanged,
                  "due": str(objection.answer_due)}))
"""


@pytest.mark.embedded
@pytest.mark.worker
def test_a_real_worker_escalates_an_overdue_objection_once(platform):
    """The dispatcher sends the escalation to the township with an overdue objection; a
    real worker sets escalated_at; the next dispatch sends nothing more for it."""
    platform.stop_workers()
    platform.worker()
    result = json.loads(platform.run("-c", ESCALATION_CALL, CLEAN))
    platform.stop_workers()
    assert result["due"] == "2026-03-17"
    assert "escalate 1 overdue objections" in result["first"]
    assert not any(reason.startswith("escalate") for reason in result["again"])
    assert result["unchanged"]


@pytest.mark.django_db
def test_a_task_finds_its_township_without_a_query_once_cached(
    township_a, django_assert_num_queries
):
    """The worker looks a township up once and reuses it (app.conf.task_tenant_cache_seconds)."""
    task = tasks.evaluate_township_month
    task.get_tenant_for_schema(township_a.schema_name)
    with django_assert_num_queries(0):
        found = task.get_tenant_for_schema(township_a.schema_name)
    assert found.code == township_a.code
