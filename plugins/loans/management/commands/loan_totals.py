"""``loan_totals --township CODE``: integrity-loan credit granted, per bank and in total."""

import json

from plugins.loans.selectors import Totals, totals_per_bank, township_totals
from township_integrity.management import TownshipCommand


def _line(totals: Totals, **first) -> str:
    values = {
        **first,
        "lines": totals.lines,
        "granted": str(totals.granted),
        "drawn": str(totals.drawn),
        "undrawn": str(totals.undrawn),
        "frozen_undrawn": str(totals.frozen_undrawn),
    }
    return json.dumps(values, ensure_ascii=False)


class Command(TownshipCommand):
    help = (
        "Print one JSON line per bank offering integrity loans (credit lines, granted, drawn, "
        "undrawn and frozen undrawn yuan), then one line for the whole township."
    )

    def handle_township(self, township, **options):
        for row in totals_per_bank():
            self.stdout.write(_line(row.totals, bank=row.bank.code, name=row.bank.name))
        self.stdout.write(_line(township_totals(), township=township.code))
