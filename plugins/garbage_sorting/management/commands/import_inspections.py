"""``import_inspections --township CODE FILE``: garbage-sorting inspections from CSV/XLSX."""

from plugins.garbage_sorting.imports import import_inspections
from township_integrity.management import TownshipCommand, add_operator_argument


class Command(TownshipCommand):
    help = (
        "Import inspections (CSV UTF-8 or XLSX). Columns: household_code, inspected_on, "
        "result (correct/wrong/not_sorted or 正确/错误/未分类), photo_ref (or 户码, 检查日期, "
        "结果, 照片). Atomic; a household already inspected that day is skipped and counted."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file")
        add_operator_argument(parser)

    def handle_township(self, township, **options):
        result = import_inspections(options["file"], inspector=self.operator(options))
        self.done(result.summary())
