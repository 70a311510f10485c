"""Base class for a plugin's management commands that work in one township.

    from township_integrity.management import TownshipCommand

``TownshipCommand`` adds ``--township CODE`` and runs ``handle_township`` inside
that township's schema; ``add_operator_argument`` adds ``--operator EMAIL`` (the
person the command acts as, through ``Actor.cli``).
"""

from platform_core.township_command import TownshipCommand, add_operator_argument

__all__ = ["TownshipCommand", "add_operator_argument"]
