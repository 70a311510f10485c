"""``import_cases --township CODE FILE``: register petition and hotline cases from a file."""

from plugins.petition.imports import import_cases
from township_integrity.management import TownshipCommand, add_operator_argument


class Command(TownshipCommand):
    help = (
        "Register petition and hotline cases (CSV UTF-8, XLSX or a JSON list of objects). "
        "Columns/keys: reference, kind, received_at, village, household_code, petitioner, "
        "summary (or 工单号, 类型, 受理时间, 村, 户码, 姓名, 内容). Atomic; cases whose kind "
        "and case number are already registered are skipped and counted."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file")
        add_operator_argument(parser)

    def handle_township(self, township, **options):
        self.done(import_cases(options["file"], operator=self.operator(options)).summary())
