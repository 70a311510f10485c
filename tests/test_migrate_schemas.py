"""``migrate_schemas`` at scale: up-to-date townships are skipped, failures are reported.

These run inside the test transaction, so townships are migrated sequentially
(``--processes 1``): forked workers would not see the uncommitted changes. The
parallel path is exercised by ``tests/bench/bench_migrations.py``.
"""

from __future__ import annotations

import os
import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from platform_core.townships import migrating
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


def test_failing_township_is_reported_and_the_others_still_migrate(
    township_a, township_b, tmp_path
):
    _unapply_guard(township_a.schema_name, drop_function=False)  # CREATE FUNCTION will fail
    _unapply_guard(township_b.schema_name)

    out = StringIO()
    err = StringIO()
    with pytest.raises(CommandError, match=rf"failed in 1 of 2 townships: {township_a.code} \("):
        call_command(
            "migrate_schemas",
            "--noinput",
            "--processes",
            "1",
            "--failures-file",
            str(tmp_path / "failed.txt"),
            stdout=out,
            stderr=err,
        )

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


# --- Many townships failing alike (finding 11) -------------------------------------------

INCONSISTENT = (
    "InconsistentMigrationHistory: Migration publication.0003_field_labels is applied "
    "before its dependency publication.0002_board_guard on database 'default'."
)


def _unmigrated_townships(county, count: int) -> list[str]:
    """Township rows without a schema: the plan counts them pending (nothing migrated)."""
    codes = [str(990600000 + i) for i in range(count)]
    for code in codes:
        Township.objects.create(
            code=code, name=f"坏镇{code}", slug=f"bad{code}", county=county, schema_name=f"t_{code}"
        )
    return codes


def _all_fail_alike(monkeypatch) -> None:
    from django.db.migrations.exceptions import InconsistentMigrationHistory

    def fails(*args, **kwargs):
        raise InconsistentMigrationHistory(INCONSISTENT.split(": ", 1)[1])

    monkeypatch.setattr(migrating, "run_migrations", fails)


def _migrate_failing(*args: str) -> tuple[str, str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "migrate_schemas", "--noinput", "--processes", "1", *args, stdout=out, stderr=err
        )
    return str(caught.value), out.getvalue(), err.getvalue()


def test_finding_11_townships_failing_alike_are_reported_once_with_count_and_first_codes(
    township_a, township_b, monkeypatch, tmp_path
):
    codes = _unmigrated_townships(township_a.county, 30)  # A and B are up to date: skipped
    _all_fail_alike(monkeypatch)
    listing = tmp_path / "failed.txt"

    message, out, err = _migrate_failing("--failures-file", str(listing))

    first = ", ".join(codes[:5])
    assert (
        message == f"Migration failed in 30 of 30 townships: {first} and 25 more ({INCONSISTENT})"
    )
    assert f"  30 township(s) failed with {INCONSISTENT}: {first} and 25 more" in err
    assert err.count(INCONSISTENT) == 2  # the first township's progress line and the summary
    assert err.count(f"(same error as {codes[0]})") == 29
    assert max(len(line) for line in err.splitlines()) < 300
    assert codes[-1] not in message and f"{codes[-1]} (t_{codes[-1]}): {INCONSISTENT}" not in err
    assert "Townships: 0 migrated, 30 failed, 2 up to date" in out
    assert f"Every failed township with its error: {listing}" in err
    written = listing.read_text(encoding="utf-8").splitlines()
    assert written == [f"{code}\tt_{code}\t{INCONSISTENT}" for code in codes]


def test_finding_11_verbosity_2_lists_every_failed_township(township_a, monkeypatch, tmp_path):
    codes = _unmigrated_townships(township_a.county, 8)
    _all_fail_alike(monkeypatch)

    _, _, err = _migrate_failing("--failures-file", str(tmp_path / "f.txt"), "--verbosity", "2")

    for code in codes:
        assert f"  {code} (t_{code}): {INCONSISTENT}" in err
    assert "(same error as" not in err


def test_finding_11_the_benchmarks_old_failure_is_one_error_for_both_townships(
    township_a, township_b, tmp_path
):
    """The bench's old step: 0002 unapplied under an applied 0003 in every township."""
    for township in (township_a, township_b):
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {township.schema_name}.django_migrations "
                "WHERE app = 'publication' AND name = '0002_board_guard'"
            )

    message, _, err = _migrate_failing("--failures-file", str(tmp_path / "f.txt"))

    both = ", ".join(sorted([township_a.code, township_b.code]))
    assert message.startswith(f"Migration failed in 2 of 2 townships: {both} (")
    assert "InconsistentMigrationHistory" in message
    assert "  2 township(s) failed with InconsistentMigrationHistory" in err
    assert connection.schema_name == "public"


def test_errors_naming_their_schema_are_grouped_and_distinct_ones_kept_apart():
    outcomes = [
        migrating.Outcome("t_3", 0.1, 'ProgrammingError: relation "t_3.x" does not exist'),
        migrating.Outcome("t_1", 0.1, 'ProgrammingError: relation "t_1.x" does not exist'),
        migrating.Outcome("t_2", 0.1, "OperationalError: server closed the connection"),
        migrating.Outcome("t_4", 0.1),
    ]

    groups = migrating.group_failures(outcomes)

    assert groups == [
        migrating.FailureGroup(
            'ProgrammingError: relation "<schema>.x" does not exist', ["t_1", "t_3"]
        ),
        migrating.FailureGroup("OperationalError: server closed the connection", ["t_2"]),
    ]
    assert migrating.group_failures([migrating.Outcome("t_4", 0.1)]) == []


def test_many_distinct_errors_are_summarised_and_counted(township_a, monkeypatch, tmp_path):
    codes = _unmigrated_townships(township_a.county, 7)

    def fails_differently(args, options, codename, schema, **kwargs):
        raise RuntimeError(f"problem number {schema[-1]}")

    monkeypatch.setattr(migrating, "run_migrations", fails_differently)

    message, _, err = _migrate_failing("--failures-file", str(tmp_path / "f.txt"))

    assert "Migration failed in 7 of 7 townships: " in message
    assert message.endswith("; and 6 other error(s)")
    assert err.count(" township(s) failed with RuntimeError: problem number ") == 5
    assert "  2 other error(s) in 2 township(s)" in err
    written = (tmp_path / "f.txt").read_text().splitlines()
    assert [line.split("\t")[0] for line in written] == codes


def test_an_unwritable_failures_file_says_to_use_verbosity_2(township_a, monkeypatch, tmp_path):
    _unmigrated_townships(township_a.county, 2)
    _all_fail_alike(monkeypatch)
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    message, _, err = _migrate_failing("--failures-file", str(blocker / "failed.txt"))

    assert "Migration failed in 2 of 2 townships" in message
    assert f"Could not write the list of failed townships to {blocker / 'failed.txt'}" in err
    assert "run with --verbosity 2 to print it" in err


def test_finding_11_the_migrations_benchmark_adds_a_new_leaf_every_township_can_apply(
    township_a, township_b
):
    """The benchmark's "one new migration" must stay applicable whatever migrations
    the apps gain: it writes a leaf after the current one instead of unapplying one."""
    from tests.bench import bench_migrations as bench

    schemas = [township_a.schema_name, township_b.schema_name]
    with bench.new_leaf_migration() as leaf:
        assert leaf.startswith(f"{bench.LEAF_APP}.{bench.LEAF_NAME} after ")
        checked = migrating.plan(schemas)
        assert checked.pending == schemas and set(checked.counts.values()) == {1}
        out, err = _migrate("--processes", "1")
        assert "Townships: 2 migrated, 0 failed" in out and "FAILED" not in err
        assert migrating.plan(schemas).up_to_date == schemas
        bench.unapply_leaf(schemas[:1])
        assert migrating.plan(schemas).pending == schemas[:1]
    assert migrating.plan(schemas).up_to_date == schemas  # the leaf is gone with the package


def test_finding_11_ci_runs_every_benchmark_at_a_tiny_size():
    root = Path(__file__).parents[1]
    assert "make bench-smoke" in (root / ".ci" / "run").read_text()
    makefile = (root / "Makefile").read_text()
    assert "\nbench-smoke: install\n" in makefile
    smoke = makefile.split("BENCH_SMOKE_SIZE :=")[1].split("\n\n")[0]
    for bench in sorted((root / "tests" / "bench").glob("bench_*.py")):
        knobs = set(re.findall(r"BENCH_[A-Z_]+", bench.read_text().split('"""', 2)[2]))
        knobs -= {"BENCH_API_PROFILE"}  # a switch, not a size
        assert knobs <= set(re.findall(r"BENCH_[A-Z_]+", smoke)), (bench.name, knobs)
