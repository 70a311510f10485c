"""The Celery application. Tasks carry their township's schema (tenant-schemas-celery)."""

import os

from celery.schedules import crontab
from tenant_schemas_celery.app import CeleryApp

from platform_core import action_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

app = CeleryApp("township_integrity")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The action log names who queued a task (else the scheduler) and the task's name.
action_context.connect_tasks()
app.autodiscover_tasks(["platform_core", "platform_core.townships"])

app.conf.beat_schedule = {
    "heartbeat": {"task": "platform_core.heartbeat", "schedule": 60.0},
    # Reads every active township's settings on each run: a changed evaluation day
    # or plugin schedule takes effect at the next slot, without restarting beat.
    "dispatch-due-work": {
        "task": "platform_core.dispatch_due_work",
        "schedule": crontab(minute="*/15"),
    },
}
# A task carries its township's schema; the worker caches the township it names
# instead of looking it up for every task (short, so settings changes show soon).
app.conf.task_tenant_cache_seconds = 30
