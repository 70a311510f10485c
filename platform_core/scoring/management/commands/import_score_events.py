"""``import_score_events --township CODE FILE [--approve] [--notified-on YYYY-MM-DD]``: add
ledger entries from CSV/XLSX."""

from django.core.management import CommandError

from platform_core.scoring.imports import IMPORT_SOURCE, import_score_events
from platform_core.tabular import as_date
from platform_core.township_command import TownshipCommand, add_operator_argument


class Command(TownshipCommand):
    help = (
        "Import ledger entries (CSV UTF-8 or XLSX). Columns: household_code, rule_code, "
        "occurred_on, points, external_id, note, notified_on (or 户码, 规则, 日期, 分值, 外部编号, "
        "备注, 通知日期). "
        "Atomic; rows whose external_id is already in the ledger are skipped and counted."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--approve",
            action="store_true",
            help="Record the entries as approved by the operator (each entry says so)",
        )
        parser.add_argument(
            "--notified-on",
            metavar="YYYY-MM-DD",
            help="The day the households were told of these deductions, for rows without a "
            "notified_on cell; approved deductions count after the response window from it "
            "(default: notified now, by the platform)",
        )
        parser.add_argument(
            "--source",
            default=IMPORT_SOURCE,
            help="Source named in each entry; external_id is unique per source (default: import)",
        )
        add_operator_argument(parser)

    def handle_township(self, township, **options):
        notified_on = None
        if options["notified_on"]:
            try:
                notified_on = as_date(options["notified_on"])
            except ValueError as exc:
                raise CommandError(f"--notified-on: {exc}") from None
        result = import_score_events(
            options["file"],
            operator=self.operator(options),
            approve=options["approve"],
            source=options["source"],
            progress=self.progress,
            notified_on=notified_on,
        )
        self.done(result.summary())
