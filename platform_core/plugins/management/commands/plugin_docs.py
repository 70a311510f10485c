"""``plugin_docs``: regenerate docs/plugins/hooks.md from the hookspecs."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from platform_core.plugins.docs import hook_reference


class Command(BaseCommand):
    help = "Write docs/plugins/hooks.md from the hookspecs' docstrings."

    def handle(self, *args, **options):
        target = Path(settings.BASE_DIR) / "docs" / "plugins" / "hooks.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(hook_reference(), encoding="utf-8")
        self.stdout.write(f"{target} written")
