"""Benchmarks run as plain scripts on a database of their own.

``setup(name)`` creates a fresh database ``<db>_bench_<name>`` on the server that
DATABASE_URL names (``make bench`` starts the embedded one when it is unset),
migrates it, and drops it when the process exits. Nothing a benchmark writes
touches the demo or test databases.

Every benchmark has environment knobs for its size; ``make bench-smoke`` runs
them all at a tiny size (``BENCH_SMOKE=1``) so CI proves each still runs.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]


def _server_admin_connection(url: str):
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    host = cfg["HOST"] or cfg["OPTIONS"].get("host")  # a socket folder arrives as ?host=
    return psycopg.connect(
        host=host or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def setup(name: str) -> None:
    """Point Django at a new, migrated database for this benchmark and set it up."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("PLATFORM_MODE", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run benchmarks with `make bench`.")
    parts = urlsplit(base)
    db_name = f"{parts.path.lstrip('/') or 'township'}_bench_{name}"
    with _server_admin_connection(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{db_name}"))
    atexit.register(_drop, base, db_name)

    import django
    from django.core.management import call_command

    django.setup()
    print(f"Migrating benchmark database {db_name} ...", flush=True)
    call_command("migrate_schemas", interactive=False, verbosity=0)


def _drop(base: str, db_name: str) -> None:
    from django.db import connections

    connections.close_all()
    with _server_admin_connection(base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def report(lines: dict[str, str]) -> None:
    if os.environ.get("BENCH_SMOKE"):
        lines = {**lines, "smoke run": "tiny size: the figures and targets mean nothing"}
    width = max(len(k) for k in lines)
    for key, value in lines.items():
        print(f"{key.ljust(width)}  {value}", flush=True)
