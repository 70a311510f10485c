"""``api_docs``: regenerate docs/plugins/api.md from township_integrity's docstrings."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from township_integrity.reference import TARGET, api_reference, undocumented_names


class Command(BaseCommand):
    help = "Write docs/plugins/api.md, the plugin API reference, from township_integrity."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare: fail when the file is stale or a public name has no docstring",
        )

    def handle(self, *args, check=False, **options):
        target = Path(settings.BASE_DIR) / TARGET
        missing = undocumented_names()
        if check:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != api_reference():
                raise CommandError(f"{target} is stale: run python manage.py api_docs")
            if missing:
                raise CommandError("no docstring: " + ", ".join(missing))
            self.stdout.write(f"{target} is current")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(api_reference(), encoding="utf-8")
        self.stdout.write(f"{target} written")
        if missing:
            self.stderr.write("no docstring yet: " + ", ".join(missing))
