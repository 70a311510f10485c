"""``evaluate --township CODE --period YYYY-MM [--post] [--finalize [--override-posting REASON]]``.

A month's tiers as one JSON line; ``--post`` posts the month's results in public
(公示) first, ``--finalize`` writes the month's snapshots once the posting period is over.
"""

import json

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from platform_core.evaluation.selectors import month_result, postings_by_village
from platform_core.evaluation.services import finalise_month, post_months
from platform_core.plugins.services import collect_plugin_events
from platform_core.scoring.policy import month_end, parse_period
from platform_core.township_command import TownshipCommand, add_operator_argument


class Command(TownshipCommand):
    help = (
        "Compute a month for every village and print one JSON line with households, green, "
        "blue, red (a finalised month answers its snapshots). With --post, post the month's "
        "results of every village not finalised in public (公示) first. With --finalize, "
        "write the month's snapshots (idempotent); refused while a village's posting period "
        "runs (the message says until when) unless --override-posting REASON (a township "
        "administrator; recorded)."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--period", required=True, metavar="YYYY-MM")
        parser.add_argument(
            "--post",
            action="store_true",
            help="post the month's results in public (公示) before anything else",
        )
        parser.add_argument("--finalize", "--finalise", action="store_true")
        parser.add_argument(
            "--override-posting",
            metavar="REASON",
            help="with --finalize: finalise although the public posting period has not "
            "ended (or the month was never posted); the reason is recorded",
        )
        add_operator_argument(parser)

    def handle_township(self, township, **options):
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        override = options["override_posting"]
        if override is not None and not options["finalize"]:
            raise CommandError(_("--override-posting goes with --finalize"))
        line = {"township": township.code}
        if options["post"]:
            with transaction.atomic():  # every village posted, or none
                postings, refused = post_months(period, by=self.operator(options))
                if refused:
                    raise CommandError(
                        "; ".join(f"{name}: {message}" for name, message in refused.items())
                        + _("; nothing was posted")
                    )
            line["posted"] = len(postings)
            ends = [p.ends_on for p in postings_by_village(period).values()]
            line["posting_ends_on"] = max(ends).isoformat() if ends else None
        if not options["finalize"]:  # finalising collects them itself
            collect_plugin_events(period, month_end(period), township)
        if options["finalize"]:
            result = finalise_month(period, by=self.operator(options), override_posting=override)
        else:
            result = month_result(period)
        line.update(result.as_dict())
        self.stdout.write(json.dumps(line, ensure_ascii=False))
