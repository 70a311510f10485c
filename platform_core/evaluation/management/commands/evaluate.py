"""``evaluate --township CODE --period YYYY-MM [--finalize]``: a month's tiers as one JSON line."""

import json

from django.core.management.base import CommandError

from platform_core.evaluation.selectors import month_result
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.services import collect_plugin_events
from platform_core.scoring.policy import month_end, parse_period
from platform_core.township_command import TownshipCommand, add_operator_argument


class Command(TownshipCommand):
    help = (
        "Compute a month for every village and print one JSON line with households, green, "
        "blue, red (a finalised month answers its snapshots). With --finalize, write the "
        "month's snapshots (idempotent)."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--period", required=True, metavar="YYYY-MM")
        parser.add_argument("--finalize", "--finalise", action="store_true")
        add_operator_argument(parser)

    def handle_township(self, township, **options):
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["finalize"]:  # finalising collects them itself
            collect_plugin_events(period, month_end(period), township)
        if options["finalize"]:
            result = finalise_month(period, by=self.operator(options))
        else:
            result = month_result(period)
        line = {"township": township.code, **result.as_dict()}
        self.stdout.write(json.dumps(line, ensure_ascii=False))
