"""``startplugin NAME [DIR]``: a new, installable plugin package that passes its own tests."""

import importlib.util
import keyword
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

TEMPLATE = Path(__file__).resolve().parents[2] / "template"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,29}$")


class Command(BaseCommand):
    help = (
        "Write a new plugin package DIR/NAME (pyproject with the entry point, hook examples, "
        "a test using the contract kit). Install it with `pip install DIR/NAME`."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="plugin key: lowercase letters, digits and _")
        parser.add_argument("directory", nargs="?", default=".")

    def handle(self, *args, **options):
        name = options["name"]
        if not NAME.match(name) or keyword.iskeyword(name):
            raise CommandError(
                f"{name!r} is not a plugin name: use lowercase letters, digits and _ "
                "(starting with a letter), e.g. river_crab"
            )
        taken = _taken(name)
        if taken:
            raise CommandError(f"{name!r} is taken: {taken}; choose another name")
        target = Path(options["directory"]) / name
        if target.exists():
            raise CommandError(f"{target} already exists")
        for source in sorted(TEMPLATE.rglob("*.tmpl")):
            relative = source.relative_to(TEMPLATE).with_suffix("")
            destination = target / str(relative).replace("plugin_name", name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            text = source.read_text(encoding="utf-8")
            destination.write_text(text.replace("plugin_name", name), encoding="utf-8")
        self.stdout.write(f"Plugin package written to {target}")
        self.stdout.write(f"  pip install {target}   # then: python manage.py plugins")
        self.stdout.write(f"  cd {target} && python -m pytest   # its contract test")


def _taken(name: str) -> str:
    """Why ``name`` would clash (an importable module, a Django app, a plugin), or ""."""
    from django.apps import apps

    from platform_core.plugins.manager import registry

    if name in registry().plugins or name in registry().failed:
        return "a plugin with that key is installed"
    if any(config.label == name for config in apps.get_app_configs()):
        return "a Django app has that label"
    try:
        if importlib.util.find_spec(name) is not None:
            return "a Python module of that name is importable"
    except (ImportError, ValueError):
        pass
    return ""
