"""``import_rules --township CODE FILE [--operator EMAIL]``: add or update covenant rules."""

from platform_core.scoring.imports import import_rules
from platform_core.township_command import TownshipCommand, add_operator_argument


class Command(TownshipCommand):
    help = (
        "Add or update covenant rules by code (CSV UTF-8 or XLSX). Columns: code, title_zh, "
        "title_en, category, points, needs_review (or 编码, 名称, 英文名称, 类别, 分值, 需审核). "
        "Recorded entries keep their points."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file")
        add_operator_argument(parser)  # named in the action log

    def handle_township(self, township, **options):
        self.done(import_rules(options["file"], by=self.operator(options)).summary())
