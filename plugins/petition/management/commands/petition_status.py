"""``petition_status --township CODE --period YYYY-MM``: three-none villages and early warnings."""

import json

from django.core.management.base import CommandError

from plugins.petition.selectors import early_warnings, village_status
from township_integrity.management import TownshipCommand
from township_integrity.services import month_end, parse_period


class Command(TownshipCommand):
    help = (
        "Print one JSON line per village for the month: cases by kind, whether it is a "
        "three-none village (no petition, lawsuit or criminal case), and its early warning."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--period", required=True, metavar="YYYY-MM")

    def handle_township(self, township, **options):
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        warned = {w.village.pk: w for w in early_warnings(period)}
        for status in village_status(period, month_end(period)):
            warning = warned.get(status.village.pk)
            line = {
                "village": status.village.code,
                "name": status.village.name,
                "period": f"{period:%Y-%m}",
                "cases": status.cases,
                "three_none": status.three_none,
                "warning": warning.describe() if warning else None,
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
