"""The Celery application. Tasks carry their township's schema (tenant-schemas-celery)."""

import os
from collections.abc import Mapping

from celery.schedules import crontab
from tenant_schemas_celery.app import CeleryApp

from platform_core import action_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

app = CeleryApp("township_integrity")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The action log names who queued a task (else the scheduler) and the task's name.
action_context.connect_tasks()
app.autodiscover_tasks(["platform_core", "platform_core.townships"])

# Seconds between dispatcher runs instead of the 15-minute slots (benchmarks and drills
# that cannot wait for the next slot; unset in production).
DISPATCH_SECONDS_ENV = "PLATFORM_DISPATCH_SECONDS"


def dispatch_schedule(environ: Mapping[str, str] = os.environ) -> crontab | float:
    """Beat's schedule for the dispatcher: every 15 minutes, or every N seconds when
    ``PLATFORM_DISPATCH_SECONDS`` is a positive number (ValueError otherwise)."""
    raw = (environ.get(DISPATCH_SECONDS_ENV) or "").strip()
    if not raw:
        return crontab(minute="*/15")
    seconds = float(raw)
    if not seconds > 0:
        raise ValueError(f"{DISPATCH_SECONDS_ENV} must be a positive number of seconds: {raw!r}")
    return seconds


app.conf.beat_schedule = {
    "heartbeat": {"task": "platform_core.heartbeat", "schedule": 60.0},
    # Reads every active township's settings on each run: a changed evaluation day
    # or plugin schedule takes effect at the next slot, without restarting beat.
    "dispatch-due-work": {
        "task": "platform_core.dispatch_due_work",
        "schedule": dispatch_schedule(),
    },
}
# A task carries its township's schema; the worker caches the township it names
# instead of looking it up for every task (short, so settings changes show soon).
app.conf.task_tenant_cache_seconds = 30
