"""``migrate`` is ``migrate_schemas`` (public, townships and the template)."""

from tenants.management.commands.migrate_schemas import Command  # noqa: F401
