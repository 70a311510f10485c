"""``covenant_whatif --township CODE --from YYYY-MM --to YYYY-MM FILE [--output FILE]``.

Replays the months' ledger under the proposed rules and caps in FILE (the
``import_rules`` format plus ``active``, ``cap_month``, ``cap_year``; a ``*`` row
caps a category) and prints, per month and village, the tier counts before and
after, then the households whose tier would change. Writes nothing to the database.
"""

from django.core.management.base import CommandError

from platform_core.evaluation.whatif import covenant_whatif, write_changes
from platform_core.scoring.policy import parse_period
from platform_core.township_command import TownshipCommand, add_operator_argument

SHOWN = 50


class Command(TownshipCommand):
    help = (
        "What if the covenant changed? Replay the ledger of --from..--to (YYYY-MM) under the "
        "proposed rules in FILE (import_rules' columns, plus active, cap_month, cap_year; a "
        "row with code * caps the category in its category cell) and print the tier counts "
        "(green:blue:red) before -> after per month and village, and the households whose "
        "tier would change (--output FILE writes all of them, .csv or .xlsx). "
        "Nothing is written to the database."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--from", dest="first", required=True, metavar="YYYY-MM")
        parser.add_argument("--to", dest="last", required=True, metavar="YYYY-MM")
        parser.add_argument(
            "--output", metavar="FILE", help="write every tier change to FILE (.csv or .xlsx)"
        )
        parser.add_argument(
            "--show",
            type=int,
            default=SHOWN,
            metavar="N",
            help=f"print at most N tier changes (default {SHOWN})",
        )
        add_operator_argument(parser)
        parser.add_argument("file")

    def handle_township(self, township, **options):
        try:
            first = parse_period(options["first"])
            last = parse_period(options["last"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.progress(f"replaying {first:%Y-%m}..{last:%Y-%m} under {options['file']}")
        result = covenant_whatif(options["file"], first=first, last=last, by=self.operator(options))
        out = self.stdout
        self.done(
            "changed rules: "
            + (", ".join(result.rules_changed) or "none")
            + "; withdrawn: "
            + (", ".join(result.rules_withdrawn) or "none")
            + "; caps"
            + ("" if result.caps_from_file else " (in force, the file names none)")
            + ": "
            + (", ".join(result.caps) or "none")
        )
        out.write("month    village  households  green:blue:red before -> after")
        for row in result.villages:
            mark = "  *" if row.changed else ""
            out.write(
                f"{row.period:%Y-%m}  {row.village_code:<7}  {row.households:>10}  "
                f"{_tiers(row.before)} -> {_tiers(row.after)}{mark}"
            )
        for period, households, before, after in result.totals():
            out.write(
                f"{period:%Y-%m}  {'all':<7}  {households:>10}  {_tiers(before)} -> {_tiers(after)}"
            )
        shown = result.changes[: max(options["show"], 0)]
        if result.changes:
            out.write("tier changes (month, village, household, name, score and tier):")
        for c in shown:
            out.write(
                f"{c.period:%Y-%m}  {c.village_code}  {c.household_code}  {c.masked_name}  "
                f"{c.score_before} {c.tier_before} -> {c.score_after} {c.tier_after}"
            )
        if len(result.changes) > len(shown):
            out.write(f"... and {len(result.changes) - len(shown)} more (--output FILE)")
        if options["output"]:
            count = write_changes(options["output"], result)
            out.write(f"{options['output']}: {count} tier changes written")
        out.write(result.summary())


def _tiers(tiers) -> str:
    return f"{tiers.green}:{tiers.blue}:{tiers.red}"
