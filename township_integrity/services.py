"""The platform's services a plugin may call.

    from township_integrity.services import Actor, record_entry, require_role

Every write names an ``Actor`` (a person, or ``Actor.plugin(key)``), so the
ledger always says who did it. Services check roles and refuse with a
``township_integrity.errors.PlatformError`` subclass. ``Viewer`` is who asks (a
page or an API call), with the checks ``has`` and ``villages``.

For county-wide reads over several townships: ``plugin_enabled(key, township)``
and ``in_township(township)``, in which querysets see that township's schema.

``posting_days()`` is the township's public posting period (公示) in working days: what a
plugin posts in public (a selection's winners) stays up as long as the month's results.

``public_rate_allowed(scope, request)`` counts a request of a public page against the
platform's per-client limit (the public scan page's: ``PUBLIC_SCAN_RATE_PER_MINUTE``).

``notify_staff`` tells the township's staff of something (an overdue case, a
warning) by SMS and e-mail, once per key and person.

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
from platform_core.notices.services import notify_staff
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


def actor_for_api_key(key: str) -> Actor:
    """The Actor of a live API token of the township being served (an open API's api_key).

    A public endpoint of a plugin (``township_urls``) has no signed-in person: the
    caller sends one of the township's API tokens, and writes are recorded in the
    name of the token's person, narrowed to its one role (and village), as the
    GraphQL API does. Raises ``NotAllowed`` saying why when the key is unknown,
    revoked or expired, its person deactivated or no longer holding the role, or
    the token is another township's (or the county's).
    """
    from django.db import connection
    from django.utils.translation import gettext as _

    from platform_core.accounts.services import TokenError, authenticate_token
    from platform_core.errors import NotAllowed

    township = getattr(connection, "tenant", None)
    if connection.schema_name == "public" or township is None:
        raise NotAllowed(_("An API key is checked inside a township."))
    if not isinstance(key, str) or not key.strip():
        raise NotAllowed(_("An API key is required."), field="api_key")
    try:
        record = authenticate_token(key.strip())
    except TokenError as error:
        raise NotAllowed(str(error), field="api_key") from None
    if record.township_id != township.pk:
        raise NotAllowed(
            _("This API key belongs to another township or to the county."), field="api_key"
        )
    viewer = Viewer.of(record.user, township, token=record)
    if not viewer.has_somewhere((record.role,)):
        raise NotAllowed(
            _("The person of this API key no longer holds its role here."), field="api_key"
        )
    return viewer.actor


def posting_days() -> int:
    """The served township's public posting period (公示), in working days.

    The month's results are posted this long before they are finalised; a plugin that
    posts something in public for objections (a selection's winners) uses the same
    period, counted with ``add_working_days`` from the posting day.
    """
    from django.db import connection

    from platform_core.scoring.policy import ScoringPolicy

    return ScoringPolicy.of(connection.tenant).posting_days


def public_rate_allowed(scope: str, request) -> bool:
    """Count a request of a public page; False once the client is over the limit.

    The public scan page's limit (``PUBLIC_SCAN_RATE_PER_MINUTE`` per client address
    and minute, counted per township and ``scope``): a plugin's public form calls it
    before doing any work and answers 429 when it says False.
    """
    from platform_core.ratelimit import allow

    return allow(scope, request)


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
    "actor_for_api_key",
    "add_working_days",
    "check_eligibility",
    "current_tier",
    "in_township",
    "is_working_day",
    "may_review",
    "notify_staff",
    "month_end",
    "parse_period",
    "plugin_enabled",
    "posting_days",
    "public_rate_allowed",
    "record_by_hand",
    "record_entry",
    "require_role",
    "spend_points",
    "value_word",
    "wallet_balance",
    "working_days_between",
    "working_deadline",
]
