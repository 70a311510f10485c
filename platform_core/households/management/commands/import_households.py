"""``import_households --township CODE FILE``: add or update households from CSV/XLSX."""

from platform_core.households.imports import import_households
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = (
        "Import households (CSV UTF-8 or XLSX). Columns: code, village, grid, head_name, "
        "address, members, phone (or 户码, 村, 网格, 户主, 地址, 人口, 电话). "
        "Atomic: a bad row fails the whole file."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file")

    def handle_township(self, township, **options):
        result = import_households(
            options["file"], progress=lambda n: self.progress(f"checked {n:,} rows")
        )
        self.done(result.summary())
