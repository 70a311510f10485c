"""The Celery application. Tasks carry their township's schema (tenant-schemas-celery)."""

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")

app = CeleryApp("township_integrity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["platform_core", "tenants"])

app.conf.beat_schedule = {
    "heartbeat": {"task": "platform_core.heartbeat", "schedule": 60.0},
}
