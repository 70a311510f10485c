"""``export_enterprises --township CODE FILE``: merchants and firms in the import's format."""

from platform_core.households.enterprise_imports import export_enterprises
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = (
        "Write the township's merchants and firms to FILE (.csv UTF-8 with BOM, or .xlsx) "
        "with Chinese headers: 户码, 名称, 统一社会信用代码, 法定代表人, 村, 类型, 电话, 地址 "
        "(import_enterprises reads it back)."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file")

    def handle_township(self, township, **options):
        count = export_enterprises(options["file"])
        self.done(f"{options['file']}: {count} merchants and firms")
