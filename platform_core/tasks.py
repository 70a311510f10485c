"""Platform-wide background tasks."""

from django.core.cache import cache
from django.utils import timezone

from platform_core.celery import app

HEARTBEAT_KEY = "worker-heartbeat"


@app.task(name="platform_core.heartbeat")
def heartbeat() -> str:
    """Record in the cache when a worker last ran a beat-scheduled task (proves beat → worker)."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, 600)
    return now
