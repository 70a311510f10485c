"""``import_enterprises --township CODE FILE``: register or update merchants and firms."""

from platform_core.households.enterprise_imports import import_enterprises
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = (
        "Import merchants and firms (CSV UTF-8 or XLSX). Columns: name, credit_code, "
        "legal_representative, village, kind (merchant/firm), phone, address (or 名称, "
        "统一社会信用代码, 法定代表人, 村, 类型 (商户/企业), 电话, 地址). A credit code already "
        "registered updates that subject. Atomic: a bad row fails the whole file."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file")

    def handle_township(self, township, **options):
        result = import_enterprises(
            options["file"], progress=lambda n: self.progress(f"checked {n:,} rows")
        )
        self.done(result.summary())
