"""``seed_demo``: the demo county and townships (idempotent; demo/test mode only)."""

from django.core.management.base import BaseCommand

from platform_core import demo


class Command(BaseCommand):
    help = "Create the demo county, Hongqiao (10,800 households) and Heping, unless present."

    def handle(self, *args, **options):
        demo.seed(progress=self.stdout.write)
