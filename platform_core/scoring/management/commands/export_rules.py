"""``export_rules --township CODE FILE``: write the covenant in the import format."""

from platform_core.scoring.imports import export_rules
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = "Write the township's covenant rules to FILE (.csv or .xlsx), in import_rules' format."

    def add_township_arguments(self, parser):
        parser.add_argument("file")

    def handle_township(self, township, **options):
        count = export_rules(options["file"])
        self.done(f"{options['file']}: {count} rules of {township.name} written")
