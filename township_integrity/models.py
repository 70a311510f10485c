"""The platform's models a plugin may read or point a foreign key at.

    from township_integrity.models import Household, Village, LedgerEntry

Read them through querysets; change them only through the services in
``township_integrity.services`` (the ledger is append-only: approved entries are
never edited, corrections are new entries). Every township has its own schema, so
a queryset only ever sees the township being served.
"""

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
]
