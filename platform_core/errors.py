"""Errors whose message is meant for the person at the keyboard (a township clerk).

Services raise these for broken business rules; adapters (CLI, admin, GraphQL)
show ``str(error)`` as is. Anything else is a bug and is logged, not shown.
"""

from __future__ import annotations


class PlatformError(Exception):
    """A refused operation, with a message that says what was wrong and what to do."""

    code = "refused"


class NotAllowed(PlatformError):
    code = "not_allowed"


class NotFound(PlatformError):
    code = "not_found"
