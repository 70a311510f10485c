"""Refusals a plugin raises or catches.

A ``PlatformError`` carries a message for the person at the keyboard (a township
clerk): every adapter shows ``str(error)`` as is — the API as REFUSED (or
FORBIDDEN/NOT_FOUND for ``NotAllowed``/``NotFound``), the workbench at the field
named by ``field``, the CLI as a one-line error. Anything else is a bug.
"""

from platform_core.errors import NotAllowed, NotFound, PlatformError
from platform_core.plugins.services import PluginError
from platform_core.scoring.services import ExternalIdConflict, LedgerError
from platform_core.tabular import TableError

__all__ = [
    "ExternalIdConflict",
    "LedgerError",
    "NotAllowed",
    "NotFound",
    "PlatformError",
    "PluginError",
    "TableError",
]
