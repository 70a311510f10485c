"""Plugins' external feeds (``township_feed_sources``): imported once, refused whole,
recorded, scheduled only where enabled, shown and run from the workbench and the CLI."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import EntryPoint
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from platform_core import scheduling, tasks
from platform_core.feeds import services
from platform_core.feeds.models import FeedRun
from platform_core.feeds.selectors import feed_states
from platform_core.plugins import manager
from platform_core.plugins.services import enable_plugin
from platform_core.scheduling import DueWork, FeedSchedule, TownshipState, due_work
from tests import factories as f
from tests.workbench.conftest import work
from tests.workbench.test_staff import key
from township_integrity import FeedOutcome, FeedSource, PluginMetadata, hookimpl
from township_integrity.errors import PlatformError
from township_integrity.tabular import Column, Problems, as_date, as_text, open_table
from township_integrity.testing import contract_problems

KEY = "sample_feeds"
TZ = ZoneInfo("Asia/Shanghai")
COLUMNS = (
    Column("household", ("户码",), required=True),
    Column("date", ("日期",), required=True),
    Column("id", ("编号",), required=True),
)
PULLED = {"refuse": False}


def import_alerts(path: Path, actor) -> FeedOutcome:
    """Records each row as it goes, so a later bad row proves the file's transaction."""
    from platform_core.households.models import Household
    from platform_core.scoring.models import Rule, ScoreEvent
    from township_integrity.services import record_entry

    table = open_table(path, COLUMNS)
    created = unchanged = 0
    for number, row in table.rows:
        try:
            day = as_date(row["date"])
        except ValueError as error:
            problems = Problems(table.file_name)
            problems.add(number, table.label("date"), str(error))
            problems.raise_if_any()
        external_id = as_text(row["id"])
        known = ScoreEvent.objects.filter(source=KEY, external_id=external_id).exists()
        record_entry(
            household=Household.objects.get(code=as_text(row["household"])),
            rule=Rule.objects.get(code="VO-03"),
            occurred_on=day,
            recorder=actor,
            source=KEY,
            evidence="sample alert",
            external_id=external_id,
        )
        created, unchanged = created + (not known), unchanged + known
    return FeedOutcome(created, unchanged, f"{created} alerts new, {unchanged} known")


def pull_remote(actor) -> FeedOutcome:
    from platform_core.households.models import Household
    from platform_core.scoring.models import Rule, ScoreEvent
    from township_integrity.services import record_entry

    if PULLED["refuse"]:
        raise PlatformError("the remote platform answered 503; try again later")
    known = ScoreEvent.objects.filter(source=KEY, external_id="remote-1").exists()
    record_entry(
        household=Household.objects.get(code="V01-0001"),
        rule=Rule.objects.get(code="VO-03"),
        occurred_on=timezone.localdate(),
        recorder=actor,
        source=KEY,
        evidence="pulled",
        external_id="remote-1",
    )
    return FeedOutcome(int(not known), int(known))


class SampleFeeds:
    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata(KEY, "示例数据源", "Sample feeds", "1.0", ">=0.3")

    @hookimpl
    def township_feed_sources(self, settings):
        return [
            FeedSource("alerts", "Sample alerts", import_file=import_alerts, patterns=("*.csv",)),
            FeedSource("remote", "Sample remote", pull=pull_remote, crontab="0 3 * * *"),
        ]


sample_feeds = SampleFeeds()


@pytest.fixture
def plugin(monkeypatch):
    """The sample plugin as if pip-installed (a fake entry point)."""
    real = manager.entry_points
    fake = EntryPoint(
        name=KEY, value="tests.test_feeds:sample_feeds", group=manager.ENTRY_POINT_GROUP
    )

    def with_sample(group):
        found = list(real(group=group))
        return found + [fake] if group == manager.ENTRY_POINT_GROUP else found

    monkeypatch.setattr(manager, "entry_points", with_sample)
    PULLED["refuse"] = False
    manager.reload()
    yield sample_feeds
    monkeypatch.undo()
    manager.reload()


@pytest.fixture
def feed_dir(tmp_path, settings):
    settings.FEED_DIR = tmp_path / "feeds"
    return settings.FEED_DIR


@pytest.fixture
def enabled(plugin, feed_dir, township_a, in_township):
    """Township A with two villages and the sample plugin enabled (B has not enabled it)."""
    enable_plugin(township_a, KEY)
    with in_township(township_a):
        f.village("V01")
    return township_a


GOOD = "household,date,id\nV01-0001,2026-03-02,A-1\nV01-0002,2026-03-03,A-2\n"
BAD = "household,date,id\nV01-0001,2026-03-02,A-1\nV01-0002,3 March,A-2\n"


def drop(feed_dir: Path, township, name: str, text: str, feed: str = "alerts") -> Path:
    folder = feed_dir / township.code / KEY / feed
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def entries() -> int:
    from platform_core.scoring.models import ScoreEvent

    return ScoreEvent.objects.filter(source=KEY).count()


# --- files ------------------------------------------------------------------------------


def test_a_file_is_imported_once_and_moved_to_done(enabled, feed_dir, in_township):
    drop(feed_dir, enabled, "day1.csv", GOOD)
    drop(feed_dir, enabled, "notes.txt", "not a feed file")  # not the feed's pattern
    with in_township(enabled):
        (run,) = services.run_waiting_feeds()
        assert (run.status, run.created, run.unchanged) == ("done", 2, 0)
        assert run.summary == "2 alerts new, 0 known"
        assert run.by_label == "system:scheduler" and len(run.sha256) == 64
        assert entries() == 2
        # The same content again (re-sent under another name, or a retry): nothing new.
        drop(feed_dir, enabled, "day1-again.csv", GOOD)
        (again,) = services.run_waiting_feeds()
        assert (again.status, again.created) == ("unchanged", 0)
        assert "Same content as day1.csv" in again.summary
        # Other content naming the same alerts: imported, the plugin's ids keep it single.
        drop(feed_dir, enabled, "day1-fixed.csv", GOOD + "\n")
        (fixed,) = services.run_waiting_feeds()
        assert (fixed.status, fixed.created, fixed.unchanged) == ("done", 0, 2)
        assert entries() == 2
        assert services.run_waiting_feeds() == []  # nothing waits
    folder = feed_dir / enabled.code / KEY / "alerts"
    assert sorted(p.name for p in (folder / "done").iterdir()) == [
        "day1-again.csv",
        "day1-fixed.csv",
        "day1.csv",
    ]
    assert (folder / "notes.txt").exists()


def test_a_bad_file_fails_whole_with_its_row_and_column(enabled, feed_dir, in_township):
    drop(feed_dir, enabled, "a-bad.csv", BAD)
    drop(feed_dir, enabled, "b-good.csv", GOOD)  # one bad file never stops the next
    with in_township(enabled):
        bad, good = services.run_waiting_feeds()
        assert bad.status == "failed" and bad.created == 0
        assert "a-bad.csv, row 3, column date: '3 March' is not a date" in bad.error
        assert "Nothing from a-bad.csv was imported." in bad.error
        assert good.status == "done" and entries() == 2  # the bad file's first row is gone
        # The same bad content dropped again is tried again (the plugin may be fixed).
        drop(feed_dir, enabled, "a-bad.csv", BAD)
        (retried,) = services.run_waiting_feeds()
        assert retried.status == "failed"
    failed = feed_dir / enabled.code / KEY / "alerts" / "failed"
    assert (failed / "a-bad.csv").exists()
    assert "row 3, column date" in (failed / "a-bad.csv.error.txt").read_text(encoding="utf-8")
    assert len(list(failed.glob("a-bad*.csv"))) == 2  # the earlier one is kept


def test_a_plugin_bug_fails_the_file_not_the_run(enabled, feed_dir, in_township):
    drop(feed_dir, enabled, "day1.csv", GOOD)
    broken = FeedSource("alerts", "Broken", import_file=lambda path, actor: {"created": 1})
    with in_township(enabled):
        (run,) = services.run_feed(KEY, broken)
        assert run.status == "failed"
        assert "day1.csv could not be imported (TypeError: returned dict" in run.error
        assert entries() == 0


def test_a_crash_after_the_import_leaves_the_file_only_to_be_moved(
    enabled, feed_dir, in_township, monkeypatch
):
    """Imported and recorded, then the worker dies before the move: the retry moves it."""
    path = drop(feed_dir, enabled, "day1.csv", GOOD)
    monkeypatch.setattr(services, "_move", lambda path, subfolder: None)
    with in_township(enabled):
        services.run_waiting_feeds()
        assert path.exists() and entries() == 2
        monkeypatch.undo()
        (retry,) = services.run_waiting_feeds()
        assert retry.status == "unchanged" and entries() == 2
    assert not path.exists()


# --- pulls ------------------------------------------------------------------------------


def test_a_pull_feed_is_imported_idempotently_and_its_refusal_kept(enabled, in_township):
    with in_township(enabled):
        by = f.person("ta", "township_admin")
        (first,) = services.run_now(KEY, "remote", by=by)
        (second,) = services.run_now(KEY, "remote", by=by)
        assert [(r.status, r.created, r.unchanged) for r in (first, second)] == [
            ("done", 1, 0),
            ("done", 0, 1),
        ]
        assert first.file_name == "" and first.by_label == by.label
        assert first.summary == "1 new, 0 already there."
        PULLED["refuse"] = True
        (refused,) = services.run_now(KEY, "remote", by=by)
        assert refused.status == "failed"
        assert refused.error == "the remote platform answered 503; try again later"
        assert entries() == 1
        states = {s.key: s for s in feed_states()}
        assert states["remote"].folder is None
        assert [r.status for r in states["remote"].runs] == ["failed", "done", "done"]
        assert states["remote"].failures == [refused]


def test_feeds_of_another_township_are_not_there(enabled, township_b, feed_dir, in_township):
    b_file = drop(feed_dir, township_b, "b.csv", GOOD)
    with in_township(township_b):
        assert feed_states() == []
        assert services.run_waiting_feeds() == []
        with pytest.raises(services.FeedError, match="No feed remote of plugin sample_feeds"):
            services.run_now(KEY, "remote", by=f.person("tb", "township_admin"))
        assert not FeedRun.objects.exists()
    assert b_file.exists()
    with in_township(enabled):
        by = f.person("ta", "township_admin")
        with pytest.raises(services.FeedError, match="No feed nope of plugin sample_feeds"):
            services.run_now(KEY, "nope", by=by)


# --- scheduling -------------------------------------------------------------------------


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def test_feeds_are_due_by_crontab_and_waiting_files_where_enabled():
    t = SimpleTownship()
    files = FeedSchedule(KEY, "alerts", "*/10 * * * *", files_waiting=True)
    idle = FeedSchedule(KEY, "alerts", "*/10 * * * *", files_waiting=False)
    pull = FeedSchedule(KEY, "remote", "0 3 * * *", pull=True)
    state = TownshipState(
        finalised_periods=frozenset({dt.date(2026, 4, 1)}),
        enabled_plugins=frozenset({KEY}),
        feeds=(files, pull),
    )
    assert due_work(t, at(2026, 5, 6, 3, 0), state) == [
        DueWork(scheduling.FEED_TASK, (KEY, "alerts"), f"feed {KEY}/alerts"),
        DueWork(scheduling.FEED_TASK, (KEY, "remote"), f"feed {KEY}/remote"),
    ]
    assert [w.args for w in due_work(t, at(2026, 5, 6, 9, 30), state)] == [(KEY, "alerts")]
    quiet = TownshipState(
        finalised_periods=state.finalised_periods,
        enabled_plugins=state.enabled_plugins,
        feeds=(idle,),
    )
    assert due_work(t, at(2026, 5, 6, 3, 0), quiet) == []
    disabled = TownshipState(finalised_periods=state.finalised_periods, feeds=(files, pull))
    assert due_work(t, at(2026, 5, 6, 3, 0), disabled) == []


class SimpleTownship:
    evaluation_day = 1
    status = "active"
    code = "330502901"


def test_the_dispatcher_sends_a_townships_feeds_only_where_enabled(
    sent, enabled, township_b, feed_dir, monkeypatch
):
    monkeypatch.setattr(tasks, "local_now", lambda: at(2026, 5, 12, 9, 30))
    tasks.dispatch_due_work()
    assert [s for s in sent if s[1] == scheduling.FEED_TASK] == []  # nothing waits, no pull
    drop(feed_dir, enabled, "a.csv", GOOD)
    drop(feed_dir, township_b, "b.csv", GOOD)  # B has not enabled the plugin
    sent.clear()
    tasks.dispatch_due_work()
    assert [s for s in sent if s[1] == scheduling.FEED_TASK] == [
        (enabled.schema_name, scheduling.FEED_TASK, (KEY, "alerts"))
    ]
    monkeypatch.setattr(tasks, "local_now", lambda: at(2026, 5, 12, 3, 0))
    sent.clear()
    tasks.dispatch_due_work()
    assert sorted(s[2] for s in sent if s[1] == scheduling.FEED_TASK) == [
        (KEY, "alerts"),
        (KEY, "remote"),
    ]
    assert {s[0] for s in sent if s[1] == scheduling.FEED_TASK} == {enabled.schema_name}


def test_the_feed_task_runs_in_its_township_and_skips_feeds_not_enabled(
    enabled, township_b, feed_dir, in_township
):
    drop(feed_dir, enabled, "a.csv", GOOD)
    with in_township(enabled):
        result = tasks.run_township_feed(KEY, "alerts")
        assert result == {
            "township": enabled.code,
            "feed": f"{KEY}/alerts",
            "runs": {"a.csv": "done"},
        }
        assert FeedRun.objects.get().by_label == "system:scheduler"
    with in_township(township_b):
        skipped = tasks.run_township_feed(KEY, "alerts")
        assert skipped["runs"] == {} and "is enabled in this township" in skipped["skipped"]
    task = tasks.run_township_feed
    assert task.acks_late and task.retry_backoff and task.max_retries == 5


# --- the contract kit -------------------------------------------------------------------


def test_the_contract_kit_checks_feed_sources():
    assert contract_problems(sample_feeds) == []

    class Both:
        @hookimpl
        def township_plugin_metadata(self):
            return PluginMetadata("sample_both", "两者", "Both", "1.0", ">=0.3")

        @hookimpl
        def township_feed_sources(self, settings):
            return [
                FeedSource("Bad Key", "", import_file=import_alerts, pull=pull_remote),
                FeedSource("twice", "A", pull=pull_remote, crontab="every day"),
                FeedSource("twice", "B", import_file=import_alerts, patterns=()),
                "not a source",
            ]

    problems = contract_problems(Both())
    assert (
        "township_feed_sources: feed key 'Bad Key' is not lower-case letters, digits and _"
        in problems
    )
    assert "township_feed_sources: feed Bad Key: needs a name" in problems
    assert (
        "township_feed_sources: feed Bad Key: give exactly one of import_file and pull" in problems
    )
    assert "township_feed_sources: feed twice: crontab 'every day' needs 5 fields" in problems
    assert (
        "township_feed_sources: feed twice: patterns must be file-name patterns like '*.csv'"
        in problems
    )
    assert "township_feed_sources: feed key twice is used twice" in problems
    assert "township_feed_sources returned str, not FeedSource" in problems


# --- the workbench page, the admin and the command ------------------------------------------


@pytest.fixture
def people(enabled, township_b, in_township):
    with in_township(enabled):
        found = {
            "ta": f.person("ta", "township_admin"),
            "vc": f.person("vc", "village_committee", "V01"),
            "gw": f.person("gw", "grid_worker", "V01"),
        }
    with in_township(township_b):
        found["other"] = f.person("other", "township_admin")
    return found


def client_of(actor):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(actor.user)
    return client


def test_the_feeds_page_shows_runs_and_runs_a_feed_once(people, enabled, feed_dir, in_township):
    drop(feed_dir, enabled, "a-bad.csv", BAD)
    client = client_of(people["vc"])
    page = client.get(work(enabled, "feeds/"))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-feed="{KEY}/alerts"' in html and f'data-feed="{KEY}/remote"' in html
    assert "1 file waits." in html and "Not run yet." in html
    data = {"submission": key(page), "plugin": KEY, "feed": "alerts"}
    reply = client.post(work(enabled, "feeds/run/"), data)
    assert reply.status_code == 302 and reply["Location"] == work(enabled, "feeds/")
    assert client.post(work(enabled, "feeds/run/"), data).status_code == 302  # double tap
    with in_township(enabled):
        (run,) = FeedRun.objects.all()
        assert run.status == "failed" and run.by_label == people["vc"].label
    html = client.get(work(enabled, "feeds/")).content.decode()
    assert 'data-status="failed"' in html
    assert "a-bad.csv, row 3, column date: &#x27;3 March&#x27; is not a date" in html
    menu = client_of(people["ta"]).get(work(enabled, "")).content.decode()
    assert work(enabled, "feeds/") in menu


def test_the_feeds_page_refuses_other_roles_townships_and_feeds(
    people, enabled, township_b, in_township
):
    assert client_of(people["gw"]).get(work(enabled, "feeds/")).status_code == 403
    data = {"plugin": KEY, "feed": "alerts", "submission": "s1"}
    assert client_of(people["gw"]).post(work(enabled, "feeds/run/"), data).status_code == 403
    # Another township's administrator: no role here; in their own, no such feed.
    other = client_of(people["other"])
    assert other.get(work(enabled, "feeds/")).status_code == 403
    assert other.post(work(enabled, "feeds/run/"), data).status_code == 403
    reply = other.post(work(township_b, "feeds/run/"), data)
    assert reply.status_code == 400
    assert (
        "No feed alerts of plugin sample_feeds is enabled in this township."
        in reply.content.decode()
    )
    assert "No enabled plugin has a feed" in other.get(work(township_b, "feeds/")).content.decode()
    ta = client_of(people["ta"])
    reply = ta.post(work(enabled, "feeds/run/"), {**data, "feed": "nope", "submission": "s2"})
    assert reply.status_code == 400
    assert "No feed nope of plugin sample_feeds is enabled" in reply.content.decode()
    reply = ta.post(work(enabled, "feeds/run/"), {"submission": "s3"})
    assert reply.status_code == 400 and "Choose a feed to run." in reply.content.decode()
    assert ta.get(work(enabled, "feeds/run/")).status_code == 405
    for township in (enabled, township_b):  # nothing ran anywhere
        with in_township(township):
            assert not FeedRun.objects.exists()


def test_the_admin_lists_feed_runs_read_only(people, enabled, feed_dir, in_township):
    drop(feed_dir, enabled, "day1.csv", GOOD)
    with in_township(enabled):
        services.run_waiting_feeds()
    url = f"/t/{enabled.code}/admin/feeds/feedrun/"
    page = client_of(people["ta"]).get(url)
    assert page.status_code == 200 and "day1.csv" in page.content.decode()
    assert client_of(people["ta"]).get(url + "add/").status_code == 403
    assert client_of(people["gw"]).get(url).status_code in (302, 403)


def test_the_feeds_command_lists_and_runs(enabled, feed_dir, township_b):
    drop(feed_dir, enabled, "day1.csv", GOOD)
    out = StringIO()
    call_command("feeds", "--township", enabled.code, stdout=out)
    listing = out.getvalue()
    assert f"{KEY}/alerts  Sample alerts" in listing and "waiting: 1" in listing
    assert f"{KEY}/remote  Sample remote  (pull, crontab 0 3 * * *)" in listing
    out = StringIO()
    call_command(
        "feeds", "--township", enabled.code, "--run", "--feed", f"{KEY}/alerts", stdout=out
    )
    assert f"{KEY}/alerts day1.csv: done: 2 alerts new, 0 known" in out.getvalue()
    with pytest.raises(CommandError, match="No feed alerts of plugin sample_feeds"):
        call_command("feeds", "--township", township_b.code, "--run", "--feed", f"{KEY}/alerts")
    with pytest.raises(CommandError, match="PLUGIN/FEED"):
        call_command("feeds", "--township", enabled.code, "--run", "--feed", "alerts")
    with pytest.raises(CommandError, match="--run needs --township"):
        call_command("feeds", "--run")
    with pytest.raises(CommandError, match="no township with code"):
        call_command("feeds", "--township", "nope")
