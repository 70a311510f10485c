"""``migrate`` is ``migrate_schemas`` (public, townships and the template)."""

from platform_core.townships.management.commands.migrate_schemas import Command  # noqa: F401
