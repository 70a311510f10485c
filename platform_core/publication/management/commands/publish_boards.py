"""``publish_boards --township CODE --quarter YYYY-QN``: publish every village's honour board."""

import re

from django.core.management.base import CommandError
from django.db import transaction

from platform_core.households.models import Village
from platform_core.publication.models import HonourBoard
from platform_core.publication.services import publish_board
from platform_core.township_command import TownshipCommand, add_operator_argument


class Command(TownshipCommand):
    help = (
        "Publish the quarter's honour board of every village from the quarter's last finalised "
        "month, all or none. Boards already published are left as they are (a board never "
        "changes)."
    )

    def add_township_arguments(self, parser):
        parser.add_argument("--quarter", required=True, metavar="YYYY-QN", help="e.g. 2026-Q3")
        add_operator_argument(parser)

    def handle_township(self, township, **options):
        match = re.fullmatch(r"(\d{4})-?Q([1-4])", options["quarter"].strip().upper())
        if not match:
            raise CommandError(f"quarter {options['quarter']!r} is not written as YYYY-QN")
        year, quarter = int(match[1]), int(match[2])
        publisher = self.operator(options)
        published = kept = 0
        # All villages or none: a published board can never be taken back.
        with transaction.atomic():
            for village in Village.objects.order_by("code"):
                if HonourBoard.objects.filter(village=village, year=year, quarter=quarter).exists():
                    kept += 1
                    continue
                publish_board(village, year=year, quarter=quarter, publisher=publisher)
                published += 1
        self.done(f"{year} Q{quarter}: {published} boards published, {kept} already published")
