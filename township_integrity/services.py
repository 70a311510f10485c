"""The platform's services a plugin may call.

    from township_integrity.services import Actor, record_entry, require_role

Every write names an ``Actor`` (a person, or ``Actor.plugin(key)``), so the
ledger always says who did it. Services check roles and refuse with a
``township_integrity.errors.PlatformError`` subclass. ``Viewer`` is who asks (a
page or an API call), with the checks ``has`` and ``villages``.

For county-wide reads over several townships: ``plugin_enabled(key, township)``
and ``in_township(township)``, in which querysets see that township's schema.
"""

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


def plugin_enabled(key: str, township) -> bool:
    """Whether ``township`` has enabled plugin ``key`` (the township need not be served)."""
    return key in hooks_for(township).enabled


def in_township(township):
    """A context manager serving ``township``: querysets inside read its schema."""
    return tenant_context(township)


__all__ = [
    "Actor",
    "Viewer",
    "check_eligibility",
    "current_tier",
    "in_township",
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
]
