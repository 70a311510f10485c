"""``migrate_schemas`` at scale: up-to-date townships are skipped, failures are reported.

These run inside the test transaction, so townships are migrated sequentially
(``--processes 1``): forked workers would not see the uncommitted changes. The
parallel path is exercised by ``tests/bench/bench_migrations.py``.
"""

from __future__ import annotations

import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tenants import migrating
from tenants.models import Township

pytestmark = pytest.mark.django_db

# Unapplying the board guard makes it and every later publication migration pending.
PENDING = len(
    [
        name
        for name in os.listdir(Path(__file__).parents[1] / "platform_core/publication/migrations")
        if name[:4].isdigit() and name >= "0002_board_guard"
    ]
)
UNGUARD = """
DELETE FROM {s}.django_migrations WHERE app = 'publication' AND name >= '0002_board_guard';
DROP TRIGGER IF EXISTS publication_board_entry_immutable ON {s}.publication_boardentry;
DROP TRIGGER IF EXISTS publication_board_immutable ON {s}.publication_honourboard;
DROP FUNCTION IF EXISTS {s}.publication_board_guard();
"""


def _migrate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("migrate_schemas", "--noinput", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _unapply_guard(schema: str, drop_function: bool = True) -> None:
    """Make ``0002_board_guard`` pending in ``schema`` (leaving its function: it will fail)."""
    sql = UNGUARD.format(s=schema)
    if not drop_function:
        sql = sql.split("\n")[1]
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _has_guard(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s AND p.proname = 'publication_board_guard'",
            [schema],
        )
        return cursor.fetchone()[0] == 1


def test_nothing_to_apply_skips_every_township(monkeypatch):
    def replay(*args, **kwargs):
        raise AssertionError("an up-to-date schema was migrated")

    monkeypatch.setattr(migrating, "run_migrations", replay)
    townships = Township.objects.exclude(schema_name="public").count()
    assert townships >= 2

    started = time.perf_counter()
    out, err = _migrate("--processes", "1")
    elapsed = time.perf_counter() - started

    assert f"{townships} townships up to date, skipped" in out
    assert "Public schema up to date, skipped" in out
    assert "up to date, skipped" in out.splitlines()[-1]  # the template too
    assert "Migrating" not in out and not err
    assert elapsed < 5, f"nothing to apply took {elapsed:.1f} s"


def test_pending_township_is_migrated_and_up_to_date_ones_skipped(township_a, township_b):
    _unapply_guard(township_a.schema_name)

    out, _ = _migrate("--processes", "1")

    assert "1 townships up to date, skipped" in out
    done = f"[1/1] {township_a.code} ({township_a.schema_name}): applied {PENDING} migration(s)"
    assert done in out
    assert "Townships: 1 migrated, 0 failed, 1 up to date" in out
    assert _has_guard(township_a.schema_name)
    assert migrating.plan([township_a.schema_name]).up_to_date == [township_a.schema_name]


def test_failing_township_is_reported_and_the_others_still_migrate(township_a, township_b):
    _unapply_guard(township_a.schema_name, drop_function=False)  # CREATE FUNCTION will fail
    _unapply_guard(township_b.schema_name)

    out = StringIO()
    err = StringIO()
    with pytest.raises(CommandError, match=rf"failed in 1 of 2 townships: {township_a.code} \("):
        call_command("migrate_schemas", "--noinput", "--processes", "1", stdout=out, stderr=err)

    assert f"{township_a.code} ({township_a.schema_name}): FAILED" in err.getvalue()
    assert "already exists" in err.getvalue()
    done = f"{township_b.code} ({township_b.schema_name}): applied {PENDING} migration(s)"
    assert done in out.getvalue()
    assert "Townships: 1 migrated, 1 failed, 0 up to date" in out.getvalue()
    assert _has_guard(township_b.schema_name)
    assert migrating.plan([township_b.schema_name]).up_to_date == [township_b.schema_name]
    assert migrating.plan([township_a.schema_name]).pending == [township_a.schema_name]
    assert connection.schema_name == "public"


def test_processes_defaults_to_at_most_four():
    assert 1 <= migrating.default_processes() <= 4
