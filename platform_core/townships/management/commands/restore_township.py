"""``restore_township --township CODE FILE [--replace]``: bring a township back from a backup."""

from django.core.management.base import CommandError
from django.db import connection

from platform_core.errors import PlatformError
from platform_core.township_command import TownshipCommand
from platform_core.townships.backup import restore_township


class Command(TownshipCommand):
    help = (
        "Restore one township from a file written by backup_township. Refuses when the "
        "township's schema exists unless --replace is given; replacing happens in one "
        "transaction, so a failed restore leaves the current data as it was. Recreates the "
        "township record (domains, plugins) if it was deleted."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file", help="Backup file written by backup_township")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the township's current data (every change since the backup is lost)",
        )

    def handle(self, *args, **options):
        # Not TownshipCommand.handle: the township record may be gone (that is when a
        # restore is most needed), and the work happens on the public schema.
        connection.set_schema_to_public()
        try:
            result = restore_township(
                options["township"],
                options["file"],
                replace=options["replace"],
                progress=self.progress,
            )
        except PlatformError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"{exc.filename or ''}: {exc.strerror or exc}") from exc
        self.done(result.summary())
