"""The petition plugin's Celery task: the hourly escalation of overdue cases.

Registered with the platform through ``township_periodic_tasks`` (``plugin.py``); the
platform's dispatcher runs it for every township that enabled the plugin, with the
township's schema active and its code as the argument. The module is imported when
the plugin's Django app is ready (``apps.py``), so every worker knows the task.
"""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from plugins.petition.conf import KEY

ESCALATE_TASK = "petition.escalate_overdue"


@shared_task(name=ESCALATE_TASK)
def escalate_overdue(township_code: str) -> dict:
    """Escalate the township's overdue cases to its administrators, once each (a second
    run escalates nothing)."""
    from plugins.petition.services import escalate_overdue as escalate
    from township_integrity.services import Actor

    township = connection.tenant
    if township.code != township_code:  # sent with another township's schema
        raise RuntimeError(f"escalate_overdue for {township_code} ran in {township.code}")
    escalated = escalate(by=Actor.plugin(KEY))
    return {"township": township.code, "escalated": [case.pk for case in escalated]}
