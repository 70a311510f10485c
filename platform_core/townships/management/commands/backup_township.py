"""``backup_township --township CODE FILE``: one township's schema and metadata to a file."""

from platform_core.township_command import TownshipCommand
from platform_core.townships.backup import backup_township


class Command(TownshipCommand):
    help = (
        "Back up one township: its schema (pg_dump custom format) and the facts needed to "
        "restore it (plugins and their settings, score policy, domains, migration state), "
        "in one tar file. Restore it with restore_township."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file", help="Backup file to write, e.g. 330502103-2025-01-31.tar")
        parser.add_argument(
            "--overwrite", action="store_true", help="Replace FILE if it already exists"
        )

    def handle_township(self, township, **options):
        result = backup_township(
            township, options["file"], overwrite=options["overwrite"], progress=self.progress
        )
        self.done(result.summary())
