"""The platform's models a plugin may read or point a foreign key at.

    from township_integrity.models import Household, Village, LedgerEntry

Read them through querysets; change them only through the services in
``township_integrity.services`` (the ledger is append-only: approved entries are
never edited, corrections are new entries). Every township has its own schema, so
a queryset only ever sees the township being served.
"""

from django.conf import settings
from django.db import models

from platform_core.alliance.models import AllianceMember, EligibilityCheck, Grant
from platform_core.households.models import Grid, Household, Village
from platform_core.scoring.models import (
    COUNTED_STATUSES,
    EntryStatus,
    Rule,
    ScoreEvent,
    WalletSpend,
)

# The ledger entry under its domain name; ``ScoreEvent`` is the model's class name.
LedgerEntry = ScoreEvent


def person_field(**kwargs) -> models.ForeignKey:
    """A foreign key to a person (the user model): who filed, decided or recorded.

    People live in the county's (public) schema and a township's tables in its own,
    so the key has no database constraint, and deleting a person deletes nothing
    here (``related_name="+"``: no reverse accessors on the user). ``null`` and
    ``blank`` default to True; pass ``blank=False`` where a form must name someone.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **{"null": True, "blank": True, **kwargs},
    )


__all__ = [
    "COUNTED_STATUSES",
    "AllianceMember",
    "EligibilityCheck",
    "EntryStatus",
    "Grant",
    "Grid",
    "Household",
    "LedgerEntry",
    "Rule",
    "ScoreEvent",
    "Village",
    "WalletSpend",
    "person_field",
]
