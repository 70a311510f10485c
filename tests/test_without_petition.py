"""No plugin is special in the core: the platform works with the petition package removed."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent / "without_petition"
CORE = ("platform_core", "tenants", "graphql_api", "township_integrity")


def plugin_imports(package: Path) -> list[str]:
    """``file:line module`` of every import of ``plugins`` (the built-ins) under ``package``."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if "template" in path.parts:  # startplugin's templates are text, not the core's code
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}"
                for name in names
                if name == "plugins" or name.startswith("plugins.")
            ]
    return found


def test_the_core_imports_no_plugin():
    """Not even lazily, inside a function: the core reaches plugins through hooks only."""
    assert [line for package in CORE for line in plugin_imports(ROOT / package)] == []


SYSTEM_CHECK_ID = re.compile(r"^plugins\.[CEIW]\d{3}$")


def plugin_names(package: Path) -> list[str]:
    """``file:line`` of every string naming a built-in plugin's module (``"plugins.x"``)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        if "template" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("plugins.")
            and node.value != "plugins."  # the built-ins' namespace (the schema snapshot)
            and not SYSTEM_CHECK_ID.match(node.value)  # "plugins.W001": the plugins app's check
        ]
    return found


def test_the_core_names_no_plugin_module():
    """Not in settings either: plugins' Django apps come from their entry points only."""
    assert [line for package in CORE for line in plugin_names(ROOT / package)] == []


@pytest.mark.slow
def test_the_platform_works_with_the_petition_package_removed():
    """Onboarding, a month, statistics, both GraphQL schemas, the dispatcher and the demo,
    in a process where the petition package and its entry points do not exist."""
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]),
        PLATFORM_HIDE_PLUGINS="petition",
        TEST_DATABASE_NAME=f"test_{settings.DATABASES['default']['NAME'].removeprefix('test_')}"
        "_no_petition",
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE / "checks_core_alone.py")]
        + ["-q", "-p", "no:cacheprovider", "--create-db"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-2000:]
