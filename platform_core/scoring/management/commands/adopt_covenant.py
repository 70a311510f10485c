"""``adopt_covenant --township CODE ... RULES_FILE``: record an adopted covenant version."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError

from platform_core.households.models import Village
from platform_core.scoring.covenants import adopt_covenant
from platform_core.scoring.imports import read_covenant_file
from platform_core.tabular import as_date
from platform_core.township_command import TownshipCommand, add_operator_argument


def _date(text: str):
    try:
        return as_date(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(TownshipCommand):
    help = (
        "Record a covenant version adopted by the village meeting: the township's (every "
        "rule, as the rules stand plus RULES_FILE) or, with --village, that village's own "
        "variant (only the rules and caps it changes or adds). RULES_FILE is in import_rules' "
        "format with active, cap_month, cap_year (a row with code * caps a category). The "
        "version applies to entries from --effective on and never rescores the past."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--village", metavar="CODE", help="a village's own variant")
        parser.add_argument("--title", required=True)
        parser.add_argument("--effective", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--meeting-date", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--attendance", required=True, type=int)
        parser.add_argument("--for", dest="votes_for", required=True, type=int)
        parser.add_argument("--against", dest="votes_against", required=True, type=int)
        parser.add_argument("--abstain", dest="votes_abstaining", required=True, type=int)
        parser.add_argument("--minutes", required=True, metavar="FILE", help="scan of the minutes")
        parser.add_argument("--note", default="")
        add_operator_argument(parser)
        parser.add_argument("rules_file", metavar="RULES_FILE")

    def handle_township(self, township, **options):
        village = None
        if options["village"]:
            village = Village.objects.filter(code=options["village"]).first()
            if village is None:
                raise CommandError(
                    f"no village with code {options['village']!r} in {township.name}"
                )
        effective = _date(options["effective"])
        meeting = _date(options["meeting_date"])
        covenant = read_covenant_file(options["rules_file"])
        minutes = Path(options["minutes"])
        with open(minutes, "rb") as handle:
            version = adopt_covenant(
                by=self.operator(options),
                village=village,
                title=options["title"],
                effective_from=effective,
                meeting_date=meeting,
                attendance=options["attendance"],
                votes_for=options["votes_for"],
                votes_against=options["votes_against"],
                votes_abstaining=options["votes_abstaining"],
                minutes=File(handle, name=minutes.name),
                rules=covenant.rules,
                caps=covenant.caps,
                note=options["note"],
            )
        scope = f"village {village.code}" if village else "the township"
        self.done(
            f"{covenant.file}: version {version.number} of {scope}'s covenant adopted, "
            f"effective {version.effective_from}: {version.terms.count()} terms, "
            f"{version.caps.count()} caps"
        )
