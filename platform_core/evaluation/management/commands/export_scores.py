"""``export_scores --township CODE --period YYYY-MM FILE``: CSV code,score,tier per household."""

from django.core.management.base import CommandError

from platform_core.evaluation.selectors import month_scores
from platform_core.scoring.policy import parse_period
from platform_core.tabular import write_table
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = (
        "Write code,score,tier (green|blue|red) for every household at the end of the month: "
        "the finalised snapshot where there is one, the ledger as it stands otherwise."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--period", required=True, metavar="YYYY-MM")
        parser.add_argument("file")

    def handle_township(self, township, **options):
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        count = write_table(options["file"], ["code", "score", "tier"], month_scores(period))
        self.done(f"{options['file']}: {count} households of {township.name}, {period:%Y-%m}")
