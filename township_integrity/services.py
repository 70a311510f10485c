"""The platform's services a plugin may call.

    from township_integrity.services import Actor, record_entry, require_role

Every write names an ``Actor`` (a person, or ``Actor.plugin(key)``), so the
ledger always says who did it. Services check roles and refuse with a
``township_integrity.errors.PlatformError`` subclass. ``Viewer`` is who asks (a
page or an API call), with the checks ``has`` and ``villages``.

For county-wide reads over several townships: ``plugin_enabled(key, township)``
and ``in_township(township)``, in which querysets see that township's schema.

Deadlines count whole working days by the Chinese holiday calendar (public holidays
off, 调休 make-up weekend days on): ``is_working_day``, ``add_working_days``,
``working_days_between`` and ``working_deadline``.
"""

import datetime as dt

from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.accounts.viewer import Viewer
from platform_core.actors import Actor
from platform_core.alliance.selectors import current_tier
from platform_core.alliance.services import check_eligibility
from platform_core.plugins.manager import hooks_for
from platform_core.scoring.policy import month_end, parse_period
from platform_core.scoring.selectors import wallet_balance
from platform_core.scoring.services import (
    may_review,
    record_by_hand,
    record_entry,
    require_role,
    spend_points,
    value_word,
)
from platform_core.scoring.workdays import (
    add_working_days,
    is_working_day,
    working_days_between,
)


def plugin_enabled(key: str, township) -> bool:
    """Whether ``township`` has enabled plugin ``key`` (the township need not be served)."""
    return key in hooks_for(township).enabled


def in_township(township):
    """A context manager serving ``township``: querysets inside read its schema."""
    return tenant_context(township)


def working_deadline(received_at: dt.datetime, days: int) -> dt.datetime:
    """The end (23:59:59 local time) of the ``days``-th working day after ``received_at``.

    Deadlines are whole working days: a case received on day D with a 1-working-day
    deadline is due at the end of the next working day, whatever the hour it came in.
    ``received_at`` is aware; the local day is the platform's time zone (TIME_ZONE).
    """
    if timezone.is_naive(received_at):
        raise ValueError("received_at must be an aware datetime")
    due = add_working_days(timezone.localtime(received_at).date(), days)
    return timezone.make_aware(dt.datetime.combine(due, dt.time(23, 59, 59)))


__all__ = [
    "Actor",
    "Viewer",
    "add_working_days",
    "check_eligibility",
    "current_tier",
    "in_township",
    "is_working_day",
    "may_review",
    "month_end",
    "parse_period",
    "plugin_enabled",
    "record_by_hand",
    "record_entry",
    "require_role",
    "spend_points",
    "value_word",
    "wallet_balance",
    "working_days_between",
    "working_deadline",
]
