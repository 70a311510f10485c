"""The scoring app's approvals, connected to the notices (scoring imports nothing of them)."""

from __future__ import annotations

from django.dispatch import receiver

from platform_core.notices.services import record_notices
from platform_core.scoring.due_process import deduction_approved


@receiver(deduction_approved, dispatch_uid="notices.record_notices")
def notify_household(sender, *, entry_ids, notified_on, by=None, **kwargs) -> None:
    """Record the notices in the approving transaction; they are sent after the commit."""
    record_notices(entry_ids, notified_on=notified_on, by=by)
