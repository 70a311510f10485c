"""Migrations at scale: ``migrate_schemas`` over many townships versus replaying every schema.

Run with ``make bench BENCH=tests/bench/bench_migrations.py`` (not part of
``make test``). Onboards BENCH_TOWNSHIPS (default 200) townships by template
clone on a database of its own, then times, in the same process:

* nothing to apply: ``migrate_schemas`` over every township (up-to-date ones are
  skipped after one cross-schema query). Target: a few seconds in total.
* the old replay path: django-tenants' own ``migrate_schemas`` (``migrate`` run for
  each schema), measured on BENCH_SAMPLE (default 20) townships and extrapolated.
* one new migration: ``publication.0002_board_guard`` (a RunSQL) is unapplied in
  every township (its ``django_migrations`` row deleted, its function and triggers
  dropped), then ``migrate_schemas`` applies it with its default bounded pool; the
  old path is timed on the sample the same way.

Prints seconds per township and the ratios, plus the largest worker's peak memory.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import harness  # noqa: E402

COUNT = int(os.environ.get("BENCH_TOWNSHIPS", "200"))
SAMPLE = min(COUNT, int(os.environ.get("BENCH_SAMPLE", "20")))

UNGUARD = """
DELETE FROM {s}.django_migrations WHERE app = 'publication' AND name = '0002_board_guard';
DROP TRIGGER IF EXISTS publication_board_entry_immutable ON {s}.publication_boardentry;
DROP TRIGGER IF EXISTS publication_board_immutable ON {s}.publication_honourboard;
DROP FUNCTION IF EXISTS {s}.publication_board_guard();
"""


def onboard_all() -> list[str]:
    from tenants.services import onboard_township

    started = time.perf_counter()
    schemas = []
    for i in range(COUNT):
        code = str(990300000 + i)
        onboard_township(
            code=code,
            name=f"迁移镇{code}",
            schema_method="clone",
            admin_email=f"admin{code}@bench.test",
            admin_password="bench-password",
        )
        schemas.append(f"t_{code}")
    print(f"  onboarded {COUNT} townships in {time.perf_counter() - started:.1f} s", flush=True)
    return schemas


def unapply_guard(schemas: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("".join(UNGUARD.format(s=s) for s in schemas))


def new_command() -> tuple[float, str]:
    """Seconds for our ``migrate_schemas`` over everything, and its output."""
    from django.core.management import call_command

    out = StringIO()
    started = time.perf_counter()
    call_command("migrate_schemas", interactive=False, verbosity=1, stdout=out, stderr=out)
    return time.perf_counter() - started, out.getvalue()


def old_replay(schemas: list[str]) -> float:
    """Seconds per township for django-tenants' standard path (``migrate`` per schema)."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

    started = time.perf_counter()
    for schema in schemas:
        call_command(
            MigrateSchemasCommand(),
            schema_name=schema,
            tenant=True,
            interactive=False,
            verbosity=0,
            executor="standard",
        )
    connection.set_schema_to_public()
    return (time.perf_counter() - started) / len(schemas)


def summary(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("Townships:")]
    skipped = [line for line in output.splitlines() if "townships up to date" in line]
    return (lines or skipped or ["?"])[-1]


def main() -> None:
    harness.setup("migrations")
    from tenants.migrating import default_processes, plan

    print(f"Onboarding {COUNT} townships by clone ...", flush=True)
    schemas = onboard_all()
    sample = schemas[:SAMPLE]

    print("Nothing to apply: migrate_schemas over every township ...", flush=True)
    idle, out = new_command()
    idle_summary = summary(out)
    print(f"Old replay path (django-tenants, migrate per schema) on {SAMPLE} ...", flush=True)
    replay_idle = old_replay(sample)

    print(f"One new migration in all {COUNT} townships ...", flush=True)
    unapply_guard(schemas)
    assert len(plan(schemas).pending) == COUNT
    one_new, out = new_command()
    one_new_summary = summary(out)
    assert not plan(schemas).pending, "some townships were left unmigrated"
    unapply_guard(sample)
    print(f"Old replay path with one new migration on {SAMPLE} ...", flush=True)
    replay_one_new = old_replay(sample)
    assert not plan(sample).pending

    worker_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    idle_per, one_per = idle / COUNT, one_new / COUNT
    harness.report(
        {
            "townships": f"{COUNT} (old path sampled on {SAMPLE}, extrapolated per township)",
            "nothing to apply": f"{idle:.2f} s total, {idle_per:.4f} s per township",
            "  summary": idle_summary,
            "  old replay (sampled)": f"{replay_idle:.3f} s per township "
            f"(~{replay_idle * COUNT:.0f} s for {COUNT}, extrapolated)",
            "  ratio old/new": f"{replay_idle / idle_per:.0f}x",
            "one new migration": f"{one_new:.2f} s total, {one_per:.3f} s per township "
            f"({default_processes()} processes)",
            "  summary ": one_new_summary,
            "  old replay (sampled) ": f"{replay_one_new:.3f} s per township "
            f"(~{replay_one_new * COUNT:.0f} s for {COUNT}, extrapolated)",
            "  ratio old/new ": f"{replay_one_new / one_per:.1f}x",
            "largest worker peak RSS": f"{worker_kib / 1024:.0f} MiB",
            "target": f"nothing to apply in seconds: {'met' if idle < 10 else 'NOT met'}",
        }
    )


if __name__ == "__main__":
    main()
