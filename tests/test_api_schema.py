"""The printed schemas are committed; a change to the API must be a reviewed change."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphql_api.assembly import snapshots

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "graphql_api" / "schema"


@pytest.mark.parametrize("name", sorted(snapshots()))
def test_the_schema_matches_its_committed_snapshot(name):
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == snapshots()[name] + "\n", (
        f"graphql_api/schema/{name} differs from the code's schema. If the API change is "
        "intended, run `python manage.py api_schema` and commit the file."
    )


def test_the_core_schema_has_no_plugin_fields_and_the_full_one_has_each_plugins():
    core, full = snapshots()["township.core.graphql"], snapshots()["township.all-plugins.graphql"]
    assert "recordEntry" in core and "recordEntry" in full
    assert len(full) > len(core)
