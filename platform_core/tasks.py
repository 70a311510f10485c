"""Platform-wide background tasks."""

import datetime as dt
import logging
import os
import time

from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from kombu.exceptions import OperationalError as KombuOperationalError

from platform_core import scheduling
from platform_core.actors import Actor
from platform_core.celery import app
from platform_core.plugins.manager import hooks_for

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "worker-heartbeat"


@app.task(name="platform_core.heartbeat")
def heartbeat() -> str:
    """Record in the cache when a worker last ran a beat-scheduled task (proves beat → worker)."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, 600)
    return now


# --- township work (tenant tasks: they run in the schema active when sent) ----------

RETRY_ON = (OperationalError, InterfaceError, KombuOperationalError)
TENANT_TASK_OPTIONS = {
    "acks_late": True,
    "autoretry_for": RETRY_ON,
    "retry_backoff": True,
    "max_retries": 5,
}
# Test-only: seconds to wait inside the evaluation's transaction before it commits
# (the crash-safety test kills the worker during that wait).
TEST_DELAY_ENV = "PLATFORM_TEST_EVALUATION_DELAY"


def system_actor() -> Actor:
    return Actor(label="system:scheduler")


@app.task(name=scheduling.EVALUATE_TASK, **TENANT_TASK_OPTIONS)
def evaluate_township_month(period_iso: str) -> dict:
    """Finalise ``period_iso``'s month in the current township (idempotent).

    A month that cannot be finalised yet (entries await review, a later month is
    final, a public posting runs) is logged and reported, not retried: the dispatcher
    sends it again later. Villages whose results were not posted yet are posted first
    (公示, when the township's policy posts), so the month is finalised on a later run
    once their posting period is over.
    """
    from platform_core.evaluation.services import EvaluationError, finalise_month, post_months

    period = dt.date.fromisoformat(period_iso)
    township = connection.tenant
    if township.posting_days:
        posted, _refused = post_months(period, by=system_actor(), only_unposted=True)
        if posted:
            log.info("posted %s %s: %s villages", township.code, period_iso, len(posted))
    delay = float(os.environ.get(TEST_DELAY_ENV) or 0)
    try:
        if delay:
            with transaction.atomic():
                result = finalise_month(period, by=system_actor())
                time.sleep(delay)
        else:
            result = finalise_month(period, by=system_actor())
    except EvaluationError as refused:
        log.warning("evaluation of %s %s refused: %s", township.code, period_iso, refused)
        return {"township": township.code, "period": period_iso, "refused": str(refused)}
    finalised_now = result.villages_finalised_now
    log.info("evaluated %s %s: %s villages now", township.code, period_iso, finalised_now)
    return {"township": township.code, "period": period_iso, "finalised_now": finalised_now}


@app.task(name=scheduling.BOARDS_TASK, **TENANT_TASK_OPTIONS)
def publish_township_boards(year: int, quarter: int) -> dict:
    """Publish the quarter's board of every village not published yet (idempotent)."""
    from platform_core.households.models import Village
    from platform_core.publication.models import HonourBoard
    from platform_core.publication.services import PublicationError, publish_board

    township = connection.tenant
    done = set(
        HonourBoard.objects.filter(year=year, quarter=quarter).values_list("village_id", flat=True)
    )
    published, refused = [], {}
    for village in Village.objects.exclude(pk__in=done).order_by("code"):
        try:
            publish_board(
                village, year=year, quarter=quarter, publisher=system_actor(), township=township
            )
            published.append(village.code)
        except PublicationError as error:
            refused[village.code] = str(error)
            log.warning("board of %s %s: %s", township.code, village.code, error)
    return {"township": township.code, "published": published, "refused": refused}


@app.task(name=scheduling.PLUGIN_TASK, **TENANT_TASK_OPTIONS)
def run_plugin_task(dotted_task_name: str):
    """Run a plugin's periodic task in the current township, with the township's code."""
    return app.tasks[dotted_task_name].run(connection.tenant.code)


@app.task(name=scheduling.ESCALATE_TASK, **TENANT_TASK_OPTIONS)
def escalate_overdue_objections() -> dict:
    """Escalate the current township's overdue objections to its administrators (once each;
    a second run escalates nothing)."""
    from platform_core.scoring.escalation import escalate_overdue_objections as escalate

    township = connection.tenant
    escalated = escalate(by=system_actor())
    return {"township": township.code, "escalated": [o.pk for o in escalated]}


# --- plugins' feeds (township_feed_sources; platform_core.feeds) ------------------------


@app.task(name=scheduling.FEED_TASK, **TENANT_TASK_OPTIONS)
def run_township_feed(plugin_key: str, feed_key: str) -> dict:
    """Import one enabled feed of the current township: its waiting files, or one pull.

    Each file is imported and recorded in one transaction and its content never twice
    (``platform_core.feeds.services``), so a retry or a run sent twice imports nothing
    twice. A feed no longer enabled is skipped. Database and broker errors are retried.
    """
    from platform_core.feeds.services import FeedError, find_feed, run_feed

    township = connection.tenant
    feed = f"{plugin_key}/{feed_key}"
    try:
        source = find_feed(plugin_key, feed_key)
    except FeedError as gone:
        log.info("feed %s of %s skipped: %s", feed, township.code, gone)
        return {"township": township.code, "feed": feed, "runs": {}, "skipped": str(gone)}
    runs = run_feed(plugin_key, source, by=system_actor())
    for run in runs:
        log.info("feed %s of %s: %s %s", feed, township.code, run.file_name or "pull", run.status)
    return {
        "township": township.code,
        "feed": feed,
        "runs": {run.file_name or "pull": run.status for run in runs},
    }


# --- the dispatcher (public schema, beat every SLOT_MINUTES) --------------------------


def township_state(township) -> scheduling.TownshipState:
    """What is done in the township (call with its schema active)."""
    from platform_core.evaluation.models import EvaluationRound
    from platform_core.households.models import Village
    from platform_core.publication.models import HonourBoard
    from platform_core.scoring.selectors import to_escalate

    open_periods = set(
        EvaluationRound.objects.exclude(status=EvaluationRound.Status.FINALISED).values_list(
            "period", flat=True
        )
    )
    finalised = set(
        EvaluationRound.objects.filter(status=EvaluationRound.Status.FINALISED).values_list(
            "period", flat=True
        )
    )
    villages = Village.objects.count()
    published = {
        (row["year"], row["quarter"])
        for row in HonourBoard.objects.values("year", "quarter").annotate(n=Count("village"))
        if row["n"] >= villages
    }
    return scheduling.TownshipState(
        finalised_periods=frozenset(finalised - open_periods),
        published_quarters=frozenset(published),
        enabled_plugins=frozenset(hooks_for(township).enabled),
        feeds=feed_schedules(township),
        objections_to_escalate=to_escalate(timezone.localdate()).count(),
    )


def feed_schedules(township) -> tuple[scheduling.FeedSchedule, ...]:
    """The township's enabled feeds and whether files wait for them (its schema active)."""
    from platform_core.feeds.services import waiting_files
    from platform_core.plugins.selectors import feed_sources

    return tuple(
        scheduling.FeedSchedule(
            plugin=key,
            feed=source.key,
            crontab=source.crontab,
            pull=source.pull is not None,
            files_waiting=bool(waiting_files(township, key, source)),
        )
        for key, source in feed_sources(township)
    )


def plugin_schedules() -> list[scheduling.PluginSchedule]:
    from platform_core.plugins.selectors import periodic_tasks

    return [
        scheduling.PluginSchedule(plugin=key, task=t.task, crontab=t.crontab, name=t.name)
        for key, t in periodic_tasks()
    ]


def local_now() -> dt.datetime:
    return timezone.localtime()


@app.task(name="platform_core.dispatch_due_work")
def dispatch_due_work() -> dict:
    """Send every active township the tenant tasks due now; one failure never stops others."""
    from django_tenants.utils import tenant_context

    from tenants.models import Township

    now = local_now()
    schedules = plugin_schedules()
    sent: dict[str, list[str]] = {}
    failed: dict[str, str] = {}
    for township in Township.objects.filter(status=Township.Status.ACTIVE).exclude(
        schema_name=get_public_schema_name()
    ):
        try:
            with tenant_context(township):
                work = scheduling.due_work(township, now, township_state(township), schedules)
                for item in work:
                    app.tasks[item.task].apply_async(item.args)
            sent[township.code] = [item.reason for item in work]
        except Exception as error:  # noqa: BLE001 - one township never stops the others
            log.exception("dispatching work of %s failed", township.code)
            failed[township.code] = repr(error)
    return {"sent": sent, "failed": failed}
