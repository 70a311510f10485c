"""The plugin API reference, docs/plugins/api.md: generated from township_integrity's
docstrings, current, and complete (every public module and name documented)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

import township_integrity
from township_integrity.reference import (
    COMMAND,
    PUBLIC_MODULES,
    TARGET,
    api_reference,
    public_names,
    undocumented_names,
)

# Modules of the package that are not the plugin API (the reference's own tool).
NOT_PUBLIC = {"township_integrity.reference"}


def test_the_api_reference_is_current():
    written = (Path(settings.BASE_DIR) / TARGET).read_text(encoding="utf-8")
    assert written == api_reference(), f"{TARGET} is stale: run {COMMAND}"


def test_every_public_name_has_a_docstring():
    assert undocumented_names() == [], (
        "write the docstring where the name is defined (for a constant or an instance, "
        f"a #: comment right above its assignment), then run {COMMAND}"
    )


def test_every_module_of_the_package_is_in_the_reference():
    package = Path(township_integrity.__file__).parent
    found = {"township_integrity"} | {
        f"township_integrity.{path.stem if path.is_file() else path.name}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    assert found - NOT_PUBLIC == set(PUBLIC_MODULES), "add the module to PUBLIC_MODULES"


def test_each_exported_name_has_its_heading():
    text = api_reference()
    for module_name in PUBLIC_MODULES:
        module = __import__(module_name, fromlist=["_"])
        section = text.split(f"## `{module_name}`\n", 1)[1].split("\n## `", 1)[0]
        for name in public_names(module):
            assert f"### `{name}" in section, f"{module_name}.{name}"


def test_models_list_their_fields_by_verbose_name():
    text = api_reference()
    household = text.split("### `Household`\n", 1)[1].split("\n### ", 1)[0]
    assert "| `code` | household code | CharField |" in household
    assert "| `village` | village | ForeignKey → Village |" in household


def test_the_command_writes_the_reference_and_check_refuses_a_stale_one(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="api_docs"):
        call_command("api_docs", "--check")  # no file yet
    call_command("api_docs")
    assert (tmp_path / TARGET).read_text(encoding="utf-8") == api_reference()
    (tmp_path / TARGET).write_text("# edited by hand\n", encoding="utf-8")
    with pytest.raises(CommandError, match=f"stale: run {COMMAND}"):
        call_command("api_docs", "--check")
