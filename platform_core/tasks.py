"""Platform-wide background tasks."""

import datetime as dt
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from kombu.exceptions import OperationalError as KombuOperationalError

from platform_core import scheduling
from platform_core.actors import Actor
from platform_core.celery import app
from platform_core.errors import PlatformError
from platform_core.plugins.manager import hooks_for

log = logging.getLogger(__name__)
PETITION = "petition"

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
    final) is logged and reported, not retried: the dispatcher sends it again later.
    """
    from platform_core.evaluation.services import EvaluationError, finalise_month

    period = dt.date.fromisoformat(period_iso)
    township = connection.tenant
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
    if finalised_now and PETITION in hooks_for(township).enabled:
        check_early_warnings.apply_async((period_iso,))
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


@app.task(name="platform_core.check_early_warnings", **TENANT_TASK_OPTIONS)
def check_early_warnings(period_iso: str) -> list[str]:
    """Log the petition plugin's early warnings for the month (nothing if not enabled)."""
    township = connection.tenant
    if PETITION not in hooks_for(township).enabled:
        return []
    from plugins.petition.selectors import early_warnings

    warnings = [w.describe() for w in early_warnings(dt.date.fromisoformat(period_iso))]
    for text in warnings:
        log.warning("early warning in %s: %s", township.code, text)
    return warnings


@app.task(name=scheduling.PLUGIN_TASK, **TENANT_TASK_OPTIONS)
def run_plugin_task(dotted_task_name: str):
    """Run a plugin's periodic task in the current township, with the township's code."""
    return app.tasks[dotted_task_name].run(connection.tenant.code)


# --- hotline feeds: <HOTLINE_FEED_DIR>/<township code>/*.csv|xlsx|json -------------

FEED_SUFFIXES = (".csv", ".xlsx", ".json")


def feed_folder(township) -> Path:
    return Path(settings.HOTLINE_FEED_DIR) / township.code


def waiting_feed_files(township) -> list[Path]:
    """Case files waiting in the township's feed folder (not in done/ or failed/)."""
    try:
        entries = list(feed_folder(township).iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        p
        for p in entries
        if p.suffix.lower() in FEED_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def _move(path: Path, subfolder: str) -> Path:
    """Move ``path`` into ``subfolder`` beside it, never overwriting an earlier file."""
    target_dir = path.parent / subfolder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
        target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
    os.replace(path, target)
    return target


@app.task(name=scheduling.FEEDS_TASK, **TENANT_TASK_OPTIONS)
def import_hotline_feeds() -> dict:
    """Import the township's waiting hotline case files (petition plugin) one by one.

    Each file goes through ``import_cases`` (atomic, and idempotent: a retry or a re-run
    after a crash between the import and the move registers nothing twice), then moves to
    ``done/``; a refused file moves to ``failed/`` with ``<name>.error.txt`` beside it.
    Database and broker errors are retried (the file stays where it is).
    """
    township = connection.tenant
    if PETITION not in hooks_for(township).enabled:
        return {"township": township.code, "imported": {}, "failed": {}}
    from plugins.petition.imports import import_cases

    operator = Actor(label="system:hotline-feed")
    imported: dict[str, str] = {}
    failed: dict[str, str] = {}
    for path in waiting_feed_files(township):
        try:
            result = import_cases(path, operator=operator)
        except RETRY_ON:
            raise
        except Exception as error:  # noqa: BLE001 - one bad file never stops the others
            if isinstance(error, PlatformError):
                message = str(error)
            else:
                log.exception("hotline feed %s of %s failed", path.name, township.code)
                message = f"{path.name} could not be imported ({error}). Nothing was imported."
            if not path.exists():  # another run took the file meanwhile
                continue
            target = _move(path, "failed")
            target.with_name(target.name + ".error.txt").write_text(
                message + "\n", encoding="utf-8"
            )
            failed[path.name] = message
            log.warning("hotline feed %s of %s refused: %s", path.name, township.code, message)
            continue
        if path.exists():
            _move(path, "done")
        imported[path.name] = result.summary()
        log.info("hotline feed of %s: %s", township.code, result.summary())
    return {"township": township.code, "imported": imported, "failed": failed}


# --- the dispatcher (public schema, beat every SLOT_MINUTES) --------------------------


def township_state(township) -> scheduling.TownshipState:
    """What is done in the township (call with its schema active)."""
    from platform_core.evaluation.models import EvaluationRound
    from platform_core.households.models import Village
    from platform_core.publication.models import HonourBoard

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
    enabled = frozenset(hooks_for(township).enabled)
    return scheduling.TownshipState(
        finalised_periods=frozenset(finalised - open_periods),
        published_quarters=frozenset(published),
        enabled_plugins=enabled,
        feed_files_waiting=PETITION in enabled and bool(waiting_feed_files(township)),
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
