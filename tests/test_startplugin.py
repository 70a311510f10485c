"""``startplugin``: the package it writes installs, passes its own tests and is served.

The generated package is installed with a real ``pip install`` into a folder of its
own (never the platform's environment), then a second pytest process sees it there
through PYTHONPATH, with its own test database: the package's tests, and checks that
the platform discovers it, enables it for a township, serves its workbench screen
and its GraphQL field, and finds its migration current.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from platform_core.plugins.management.commands.startplugin import compatible_range

ROOT = Path(settings.BASE_DIR)
KEY = "sample_generated"

# Run in the second process, next to the package's own tests, with the public fixtures.
PLATFORM_CHECKS = """
from io import StringIO

from django.core.management import call_command

KEY = "sample_generated"


def test_the_platform_discovers_enables_and_serves_it(township, sign_in, graphql, households):
    from platform_core.plugins.manager import registry

    plugin = registry().plugins[KEY]
    assert plugin.distribution.startswith("township-integrity-sample-generated")
    assert "township_workbench_screens" in plugin.hooks
    listed = StringIO()
    call_command("plugins", stdout=listed)
    assert KEY in listed.getvalue()
    call_command("plugins", "--township", township.code, "--enable", KEY, stdout=StringIO())
    grid = sign_in("grid_worker", "V01")
    page = grid.get(grid.address(f"work/x/{KEY}/observations/"))
    assert page.status_code == 200, page.content[:500]
    assert f"/work/x/{KEY}/observations/" in page.content.decode()  # in the menu
    answer = graphql(grid, "{ sampleGeneratedObservations { totalCount } }")
    assert answer["data"] == {"sampleGeneratedObservations": {"totalCount": 0}}, answer


def test_its_migration_is_current(db):
    call_command("makemigrations", KEY, "--check", "--dry-run", stdout=StringIO())
"""


@pytest.mark.slow
def test_a_generated_plugin_installs_passes_its_tests_and_is_served(tmp_path):
    call_command("startplugin", KEY, "--directory", str(tmp_path), stdout=StringIO())
    package = tmp_path / KEY
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    installed = subprocess.run(
        [*pip, "--target", str(site), str(package)], capture_output=True, text=True
    )
    assert installed.returncode == 0, installed.stderr
    assert (site / KEY / "migrations" / "0001_initial.py").exists()
    assert (site / KEY / "templates" / KEY / "workbench" / "observations.html").exists()
    checks = tmp_path / "platform_checks" / "test_installed_plugin.py"
    checks.parent.mkdir()
    checks.write_text(PLATFORM_CHECKS, encoding="utf-8")
    database = settings.DATABASES["default"]["NAME"]  # test_<db> inside a test with the db
    database = database if database.startswith("test_") else f"test_{database}"
    env = dict(os.environ, PYTHONPATH=str(site), TEST_DATABASE_NAME=f"{database}_{KEY}")
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the public fixtures choose the platform's
    run = subprocess.run(
        [
            *(sys.executable, "-m", "platform_core.launcher", "test"),
            *(str(package / "tests"), str(checks), "-q", "-p", "no:cacheprovider"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-2000:]


def test_the_generated_package_has_the_sdk_shape_and_imports_only_the_public_api(tmp_path):
    call_command("startplugin", "tea_garden", "--directory", str(tmp_path), stdout=StringIO())
    package = tmp_path / "tea_garden"
    pyproject = (package / "pyproject.toml").read_text(encoding="utf-8")
    assert f'dependencies = ["township-integrity {compatible_range()}"]' in pyproject
    assert '[project.entry-points."township_integrity.plugins"]' in pyproject
    assert 'tea_garden = "tea_garden.plugin"' in pyproject
    assert '[project.entry-points."township_integrity.django_apps"]' in pyproject
    for name in (
        "README.md",
        "tea_garden/conf.py",
        "tea_garden/apps.py",
        "tea_garden/models.py",
        "tea_garden/migrations/0001_initial.py",
        "tea_garden/admin.py",
        "tea_garden/plugin.py",
        "tea_garden/workbench.py",
        "tea_garden/templates/tea_garden/workbench/observations.html",
        "tea_garden/graphql.py",
        "tests/test_tea_garden.py",
    ):
        assert (package / name).is_file(), name
    allowed = {"__future__", "datetime", "django", "graphene", "graphene_django", "pytest"}
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                for module in names or [node.module]:
                    top = module.split(".")[0]
                    assert top in allowed | {"township_integrity", "tea_garden"}, (source, module)
    assert "teaGardenObservations" in (package / "README.md").read_text(encoding="utf-8")
    ruff = [sys.executable, "-m", "ruff"]
    lint = subprocess.run([*ruff, "check", "--no-cache", "."], cwd=package, capture_output=True)
    assert lint.returncode == 0, lint.stdout.decode()
    form = subprocess.run(
        [*ruff, "format", "--no-cache", "--check", "."], cwd=package, capture_output=True
    )
    assert form.returncode == 0, form.stdout.decode()


@pytest.mark.parametrize(
    "name, refusal",
    [
        ("river_crab", "'river_crab' is taken: an installed plugin has that key"),
        ("json", "'json' is taken: it would shadow the importable module json"),
        ("tenants", "'tenants' is taken: an installed Django app has that label"),
        ("River-Crab", "'River-Crab' is not a plugin name"),
        ("2crab", "'2crab' is not a plugin name"),
        ("class", "'class' is not a plugin name"),
    ],
)
def test_startplugin_refuses_names_saying_why(tmp_path, name, refusal):
    with pytest.raises(CommandError) as refused:
        call_command("startplugin", name, "--directory", str(tmp_path), stdout=StringIO())
    assert str(refused.value).startswith(refusal)
    assert list(tmp_path.iterdir()) == []


def test_startplugin_refuses_an_existing_directory(tmp_path):
    (tmp_path / "tea_garden").mkdir()
    (tmp_path / "tea_garden" / "mine.txt").write_text("keep me")
    with pytest.raises(CommandError, match="already exists"):
        call_command("startplugin", "tea_garden", "--directory", str(tmp_path), stdout=StringIO())
    assert [p.name for p in (tmp_path / "tea_garden").iterdir()] == ["mine.txt"]


def test_the_version_range_follows_the_plugin_api_version():
    assert compatible_range("0.3.0") == ">=0.3,<0.4"
    assert compatible_range("1.4.2") == ">=1.4,<2"
