"""``startplugin NAME [--directory DIR]``: a new plugin package, installable with pip.

The package has the shape of every plugin (``docs/plugins/guide.md``): a pyproject
depending on township-integrity with a compatible range, ``conf.py``, a model with
its migration, an admin, a workbench screen, a GraphQL field and tests using the
public fixtures of ``township_integrity.testing``. It imports only
``township_integrity``, Django and itself.
"""

import importlib.util
import keyword
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from platform_core.plugins import CORE_VERSION

TEMPLATE = Path(__file__).resolve().parents[2] / "template"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,29}$")


class Command(BaseCommand):
    help = (
        "Write a new plugin package DIR/NAME (pyproject with the entry points, conf, a model "
        "and its migration, admin, workbench screen, GraphQL field and tests). "
        "Install it with `pip install -e DIR/NAME`."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="plugin key: lowercase letters, digits and _")
        parser.add_argument(
            "--directory", default=".", help="folder to write NAME/ in (default: here)"
        )

    def handle(self, *args, **options):
        name = options["name"]
        problem = name_problem(name)
        if problem:
            raise CommandError(problem)
        target = Path(options["directory"]).expanduser() / name
        if target.exists():
            raise CommandError(f"{target} already exists: choose another name or directory")
        written = write_package(name, target)
        self.stdout.write(f"Plugin package {name} written to {target} ({written} files)")
        self.stdout.write(f"  pip install -e {target}")
        self.stdout.write(f"  python manage.py plugins --township CODE --enable {name}")
        self.stdout.write(f"  make test PYTEST_ARGS={target}/tests")


def name_problem(name: str) -> str:
    """Why ``name`` cannot be a new plugin's key and package, or ""."""
    if not NAME.match(name) or keyword.iskeyword(name):
        return (
            f"{name!r} is not a plugin name: use 2 to 30 lowercase letters, digits and _ "
            "(a Python identifier starting with a letter), e.g. tea_garden"
        )
    taken = _taken(name)
    return f"{name!r} is taken: {taken}; choose another name" if taken else ""


def _taken(name: str) -> str:
    """Why ``name`` would clash (an installed plugin, a Django app, an importable module)."""
    from django.apps import apps

    from platform_core.plugins.manager import registry

    plugins = registry()
    if name in plugins.plugins:
        where = plugins.plugins[name].distribution or "this platform"
        return f"an installed plugin has that key ({where})"
    if name in plugins.failed:
        return "an installed plugin has that key (skipped: " + plugins.failed[name] + ")"
    if any(config.label == name for config in apps.get_app_configs()):
        return "an installed Django app has that label"
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        where = spec.origin or "a namespace package"
        return f"it would shadow the importable module {name} ({where})"
    return ""


def compatible_range(version: str = CORE_VERSION) -> str:
    """The platform versions with the same plugin API as ``version`` (PEP 440).

    Before 1.0 a minor version may change the API (0.4 → 0.5); from 1.0 a major one.
    """
    major, minor = (int(part) for part in version.split(".")[:2])
    if major == 0:
        return f">=0.{minor},<0.{minor + 1}"
    return f">={major}.{minor},<{major + 1}"


def write_package(name: str, target: Path) -> int:
    """Copy the template to ``target`` with ``name`` in place of its placeholders."""
    camel = "".join(part.capitalize() for part in name.split("_"))
    replacements = {
        "plugin_name": name,
        "PLUGIN_NAME": name.upper(),
        "PluginName": camel,
        "pluginName": camel[0].lower() + camel[1:],
        "plugin-name": name.replace("_", "-"),
        "CORE_RANGE": compatible_range(),
    }

    def filled(text: str) -> str:
        for placeholder, value in replacements.items():
            text = text.replace(placeholder, value)
        return text

    sources = sorted(TEMPLATE.rglob("*.tmpl"))
    for source in sources:
        destination = target / filled(str(source.relative_to(TEMPLATE).with_suffix("")))
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(filled(source.read_text(encoding="utf-8")), encoding="utf-8")
    return len(sources)
