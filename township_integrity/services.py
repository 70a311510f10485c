"""The platform's services a plugin may call.

    from township_integrity.services import Actor, record_entry, require_role

Every write names an ``Actor`` (a person, or ``Actor.plugin(key)``), so the
ledger always says who did it. Services check roles and refuse with a
``township_integrity.errors.PlatformError`` subclass.
"""

from platform_core.actors import Actor
from platform_core.alliance.selectors import current_tier
from platform_core.alliance.services import check_eligibility
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

__all__ = [
    "Actor",
    "check_eligibility",
    "current_tier",
    "may_review",
    "month_end",
    "parse_period",
    "record_by_hand",
    "record_entry",
    "require_role",
    "spend_points",
    "value_word",
    "wallet_balance",
]
