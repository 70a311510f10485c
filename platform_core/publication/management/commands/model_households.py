"""``model_households --township CODE --year YYYY FILE``: the year's model households, printable."""

from django.template.loader import render_to_string

from platform_core.publication.selectors import model_households_of_year
from platform_core.tabular import write_table
from platform_core.township_command import TownshipCommand


class Command(TownshipCommand):
    help = (
        "Write the year's model households for the households' meeting: an .html file to print "
        "(A4) or a .csv/.xlsx list. Names are masked unless --full-names is given."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--year", required=True, type=int)
        parser.add_argument("--full-names", action="store_true")
        parser.add_argument("file")

    def handle_township(self, township, **options):
        households = model_households_of_year(options["year"], full_names=options["full_names"])
        path = options["file"]
        if path.lower().endswith((".csv", ".xlsx")):
            rows = ((h.code, h.village, h.name, h.score, h.green_months) for h in households)
            header = ["code", "village", "name", "score", "green_months"]
            write_table(path, header, rows, bom=True)
        else:
            html = render_to_string(
                "publication/model_households.html",
                {"township": township, "year": options["year"], "households": households},
            )
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(html)
        self.done(
            f"{path}: {len(households)} model households of {township.name}, {options['year']}"
        )
