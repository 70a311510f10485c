#!/usr/bin/env python3
"""Distribute township schemas over a Citus cluster (schema-based sharding).

Connects to the Citus *coordinator* (``--database-url`` or ``DATABASE_URL``), reads the
townships from ``tenants_township`` and runs, for each township schema ``t_<code>``
that is not distributed yet::

    SELECT citus_schema_distribute('t_<code>');

which makes the schema's tables single-shard tables of one colocation group and moves
them to a worker node. Schemas already distributed are skipped, so the script can be
re-run (after onboarding new townships, or after a failure). The template schema new
townships are cloned from stays on the coordinator unless ``--include-template`` is
given (see deploy/scale-out.md).

Examples::

    python deploy/citus_distribute_townships.py --dry-run
    python deploy/citus_distribute_townships.py --codes 330502103,330502104 --dry-run
    DATABASE_URL=postgresql://township@coordinator:5432/township \\
        python deploy/citus_distribute_townships.py

Exit status: 0 when every schema is distributed, 1 when any failed, 2 on bad usage or
when the database cannot be used (no connection, no Citus, not the coordinator, a
township schema with foreign keys to public tables that are not reference tables, or
township tables with triggers while ``citus.enable_unsafe_triggers`` is off).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterable, Sequence

CODE_RE = re.compile(r"^\d{9}$")
SCHEMA_RE = re.compile(r"^t_\d{9}$")
DEFAULT_TEMPLATE_SCHEMA = "township_template"  # settings.TENANT_TEMPLATE_SCHEMA


class DistributeError(Exception):
    """A problem the operator must fix; the message says what and how."""


def schema_for(code: str) -> str:
    """The schema of township ``code`` (platform_core.townships.services.schema_name_for)."""
    code = code.strip()
    if not CODE_RE.match(code):
        raise DistributeError(
            f"Township code {code!r} is not valid: a township code is 9 digits, "
            "for example 330502103."
        )
    return f"t_{code}"


def distribute_statement(schema: str) -> str:
    if not re.match(r"^[a-z_][a-z0-9_]*$", schema):
        raise DistributeError(f"Schema name {schema!r} is not a plain lower-case identifier.")
    return f"SELECT citus_schema_distribute('{schema}');"


def build_statements(codes: Iterable[str], template: str | None = None) -> list[str]:
    """The statements distributing the townships ``codes`` (and ``template`` if given).

    Codes are validated, de-duplicated and sorted; no database is needed.
    """
    schemas = sorted({schema_for(code) for code in codes})
    if template:
        schemas.append(template)
    return [distribute_statement(schema) for schema in schemas]


def parse_codes(text: str) -> list[str]:
    codes = [item.strip() for item in re.split(r"[,\s]+", text) if item.strip()]
    if not codes:
        raise DistributeError("--codes needs at least one township code.")
    for code in codes:
        schema_for(code)
    return codes


# --- Database ---------------------------------------------------------------------------

PUBLIC_FOREIGN_KEYS = """
SELECT DISTINCT n.nspname, c.conrelid::regclass::text, c.confrelid::regclass::text
FROM pg_constraint c
JOIN pg_class r ON r.oid = c.conrelid
JOIN pg_namespace n ON n.oid = r.relnamespace
JOIN pg_class f ON f.oid = c.confrelid
JOIN pg_namespace fn ON fn.oid = f.relnamespace
WHERE c.contype = 'f' AND n.nspname = ANY(%s) AND fn.nspname <> n.nspname
  AND c.confrelid NOT IN (
      SELECT table_name::oid FROM citus_tables WHERE citus_table_type = 'reference')
ORDER BY 1, 2, 3
"""


def connect(database_url: str):
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is in requirements.lock
        raise DistributeError("psycopg is not installed: pip install -r requirements.lock") from exc
    try:
        return psycopg.connect(database_url, autocommit=True)
    except psycopg.Error as exc:
        raise DistributeError(f"Cannot connect to the coordinator: {exc}".strip()) from exc


def check_cluster(cursor) -> None:
    cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
    row = cursor.fetchone()
    if row is None:
        raise DistributeError(
            "The Citus extension is not installed in this database. On the coordinator: "
            "shared_preload_libraries = 'citus' in postgresql.conf, restart, then "
            "CREATE EXTENSION citus; (see deploy/scale-out.md)."
        )
    major = int(row[0].split(".")[0])
    if major < 12:
        raise DistributeError(
            f"Citus {row[0]} has no schema-based sharding; version 12.0 or newer is needed."
        )
    cursor.execute("SELECT citus_is_coordinator()")
    if not cursor.fetchone()[0]:
        raise DistributeError(
            "This server is not the Citus coordinator: point --database-url at the "
            "coordinator (the server the platform's DATABASE_URL names)."
        )
    cursor.execute("SELECT count(*) FROM citus_get_active_worker_nodes()")
    if cursor.fetchone()[0] == 0:
        print(
            "warning: no active worker nodes; schemas are distributed but stay on the "
            "coordinator until workers are added (citus_add_node) and rebalanced.",
            file=sys.stderr,
        )


def township_schemas(cursor, codes: Sequence[str] | None) -> list[tuple[str, str]]:
    """(code, schema) of the townships in tenants_township (only ``codes`` when given)."""
    try:
        cursor.execute("SELECT code, schema_name FROM tenants_township ORDER BY code")
    except Exception as exc:
        raise DistributeError(
            f"Cannot read the townships (is this the platform's database?): {exc}"
        ) from exc
    rows = [(code, schema) for code, schema in cursor.fetchall()]
    for code, schema in rows:
        if not SCHEMA_RE.match(schema) or schema != schema_for(code):
            raise DistributeError(
                f"Township {code} has schema {schema!r}, expected {schema_for(code)!r}; "
                "refusing to guess."
            )
    if codes is not None:
        known = {code for code, _ in rows}
        missing = sorted(set(codes) - known)
        if missing:
            raise DistributeError(f"Unknown township codes: {', '.join(missing)}.")
        rows = [(code, schema) for code, schema in rows if code in set(codes)]
    return rows


def existing_schemas(cursor, schemas: Sequence[str]) -> set[str]:
    cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [list(schemas)])
    return {row[0] for row in cursor.fetchall()}


def distributed_schemas(cursor) -> set[str]:
    cursor.execute("SELECT schema_name::text FROM citus_schemas")
    return {row[0].strip('"') for row in cursor.fetchall()}


def check_foreign_keys(cursor, schemas: Sequence[str]) -> None:
    """Tables of a distributed schema may only reference its own tables and reference
    tables; list what else they reference, with the statements that fix it."""
    cursor.execute(PUBLIC_FOREIGN_KEYS, [list(schemas)])
    rows = cursor.fetchall()
    if not rows:
        return
    targets = sorted({target for _, _, target in rows})
    lines = [f"  {schema}: {table} -> {target}" for schema, table, target in rows[:20]]
    if len(rows) > 20:
        lines.append(f"  ... and {len(rows) - 20} more")
    fixes = "\n".join(f"  SELECT create_reference_table('{t}');" for t in targets)
    raise DistributeError(
        "Township tables have foreign keys to tables that are not Citus reference tables:\n"
        + "\n".join(lines)
        + "\nMake the referenced public tables reference tables first (on the coordinator, "
        "referenced tables before the tables that reference them):\n" + fixes
    )


SCHEMA_TRIGGERS = """
SELECT n.nspname, c.relname, count(*)
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = ANY(%s)
GROUP BY 1, 2
ORDER BY 1, 2
"""

ENABLE_TRIGGERS = "ALTER SYSTEM SET citus.enable_unsafe_triggers = on; SELECT pg_reload_conf();"


def triggers_problem(unsafe_triggers_on: bool, triggered: Sequence[tuple[str, str, int]]) -> str:
    """Why the schemas can't be distributed as they are, or "" when they can.

    Township tables carry the ledger guard, the board guard and the action log's
    triggers. Citus refuses to distribute a table with triggers unless
    ``citus.enable_unsafe_triggers`` is on; every platform trigger touches only its
    own schema, which Citus keeps on one node, so turning it on is safe here.
    """
    if unsafe_triggers_on or not triggered:
        return ""
    tables = [f"  {schema}.{table}: {count}" for schema, table, count in triggered[:10]]
    if len(triggered) > 10:
        tables.append(f"  ... and {len(triggered) - 10} more tables")
    return (
        "Township tables have triggers (the ledger guard, the board guard, the action log) "
        "and citus.enable_unsafe_triggers is off, so Citus would refuse them:\n"
        + "\n".join(tables)
        + "\nEvery platform trigger reads and writes only its own township's schema, which "
        "lives on one node; turn the setting on, on the coordinator and every worker "
        "(deploy/scale-out.md, 'Triggers under Citus'):\n  " + ENABLE_TRIGGERS
    )


def check_triggers(cursor, schemas: Sequence[str]) -> None:
    cursor.execute("SELECT current_setting('citus.enable_unsafe_triggers')::boolean")
    unsafe_triggers_on = bool(cursor.fetchone()[0])
    cursor.execute(SCHEMA_TRIGGERS, [list(schemas)])
    problem = triggers_problem(unsafe_triggers_on, cursor.fetchall())
    if problem:
        raise DistributeError(problem)


def distribute(cursor, schemas: Sequence[str]) -> list[tuple[str, str]]:
    """Run citus_schema_distribute for each schema; return the (schema, error) failures."""
    failures: list[tuple[str, str]] = []
    total = len(schemas)
    for number, schema in enumerate(schemas, start=1):
        started = time.monotonic()
        print(f"[{number}/{total}] {schema} ...", end=" ", flush=True)
        try:
            cursor.execute(distribute_statement(schema))
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            print(f"FAILED: {message}", flush=True)
            failures.append((schema, message))
            continue
        print(f"done ({time.monotonic() - started:.1f} s)", flush=True)
    return failures


# --- Command line ---------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="citus_distribute_townships.py",
        description="Distribute the township schemas (t_<code>) listed in tenants_township "
        "with citus_schema_distribute(). Run against the Citus coordinator.",
    )
    p.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="the coordinator, postgresql://user:password@host:5432/db (default: $DATABASE_URL)",
    )
    p.add_argument(
        "--codes",
        help="only these townships (comma-separated 9-digit codes); with --dry-run no "
        "database is needed",
    )
    p.add_argument(
        "--include-template",
        action="store_true",
        help="also distribute the template schema new townships are cloned from "
        "(default: it stays on the coordinator, see deploy/scale-out.md)",
    )
    p.add_argument(
        "--template-schema",
        default=DEFAULT_TEMPLATE_SCHEMA,
        help=f"name of the template schema (default: {DEFAULT_TEMPLATE_SCHEMA})",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the statements instead of running them",
    )
    return p


def run(args: argparse.Namespace) -> int:
    codes = parse_codes(args.codes) if args.codes else None
    template = args.template_schema if args.include_template else None

    if args.dry_run and codes is not None:
        for statement in build_statements(codes, template):
            print(statement)
        return 0

    if not args.database_url:
        raise DistributeError(
            "No database: set DATABASE_URL or pass --database-url (the Citus coordinator)"
            + ("." if args.dry_run else ", or use --dry-run --codes CODES to only print.")
        )
    with connect(args.database_url) as conn, conn.cursor() as cursor:
        rows = township_schemas(cursor, codes)
        wanted = [schema for _, schema in rows] + ([template] if template else [])
        present = existing_schemas(cursor, wanted)
        missing = [schema for schema in wanted if schema not in present]
        if missing:
            raise DistributeError(
                "These schemas are listed but do not exist in the database: " + ", ".join(missing)
            )
        if args.dry_run:
            for statement in build_statements([code for code, _ in rows], template):
                print(statement)
            return 0

        check_cluster(cursor)
        done = distributed_schemas(cursor)
        todo = [schema for schema in wanted if schema not in done]
        print(
            f"{len(wanted)} schemas: {len(wanted) - len(todo)} already distributed, "
            f"{len(todo)} to distribute.",
            flush=True,
        )
        if not todo:
            return 0
        check_foreign_keys(cursor, todo)
        check_triggers(cursor, todo)
        failures = distribute(cursor, todo)

    if failures:
        print(f"\n{len(failures)} of {len(todo)} schemas were not distributed:", file=sys.stderr)
        for schema, message in failures:
            print(f"  {schema}: {message}", file=sys.stderr)
        print(
            "Fix the cause and run the script again (distributed schemas are skipped).",
            file=sys.stderr,
        )
        return 1
    print(f"Distributed {len(todo)} schemas.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return run(args)
    except DistributeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
