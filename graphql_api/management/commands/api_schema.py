"""``api_schema``: write the printed schemas to graphql_api/schema/ (or check them)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from graphql_api.assembly import snapshots

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


class Command(BaseCommand):
    help = (
        "Write the county schema, the township core schema and the township schema with "
        "every built-in plugin to graphql_api/schema/*.graphql. Review the diff: it is the "
        "API change clients will see."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail if a file is stale.")

    def handle(self, *args, check: bool = False, **options):
        SCHEMA_DIR.mkdir(exist_ok=True)
        stale = []
        for name, text in snapshots().items():
            path = SCHEMA_DIR / name
            if path.exists() and path.read_text(encoding="utf-8") == text + "\n":
                continue
            stale.append(name)
            if not check:
                path.write_text(text + "\n", encoding="utf-8")
                self.stdout.write(f"{path} written")
        if check and stale:
            raise CommandError(f"stale schema snapshots: {', '.join(stale)}")
