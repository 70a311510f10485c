"""Errors whose message is meant for the person at the keyboard (a township clerk).

Services raise these for broken business rules; adapters (CLI, admin, GraphQL)
show ``str(error)`` as is. Anything else is a bug and is logged, not shown.
"""

from __future__ import annotations


class PlatformError(Exception):
    """A refused operation, with a message that says what was wrong and what to do.

    ``field``, when given, names the input the refusal is about (a service's argument
    name, e.g. ``occurred_on``), so that a form can show it at that field.
    """

    code = "refused"

    def __init__(self, *args, field: str = ""):
        super().__init__(*args)
        self.field = field


class NotAllowed(PlatformError):
    """The actor lacks the role, or the village, for this (the API answers FORBIDDEN)."""

    code = "not_allowed"


class NotFound(PlatformError):
    """Nothing by that name the actor may see (the API answers NOT_FOUND)."""

    code = "not_found"
