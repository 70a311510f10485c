"""Operations reads: pending migrations, last evaluations, the broker's health and queue depth.

Used by the ``status`` command and the readiness endpoint. Everything here reads;
nothing changes the database or the broker. Cross-schema reads are done in a
handful of queries whatever the number of townships (``UNION ALL`` over the
schemas), and the migration graph is read from disk once per call.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from platform_core.evaluation.models import EvaluationRound
from tenants.models import PluginActivation, Township

BROKER_TIMEOUT_SECONDS = 1.0
# Schemas per UNION ALL statement (keeps statements a reasonable size with many townships).
_CHUNK = 200

MigrationKey = tuple[str, str]


# --- Migrations ---------------------------------------------------------------


def _existing_tables(schemas: Sequence[str], table: str) -> set[str]:
    """The schemas among ``schemas`` that have ``table``."""
    if not schemas:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_schema = ANY(%s) AND table_name = %s",
            [list(schemas), table],
        )
        return {row[0] for row in cursor.fetchall()}


def _union_all(schemas: Sequence[str], select_for) -> list[tuple]:
    """Rows of ``select_for(quoted_schema)`` (SQL, params) run over each schema, chunked."""
    rows: list[tuple] = []
    for start in range(0, len(schemas), _CHUNK):
        parts, params = [], []
        for schema in schemas[start : start + _CHUNK]:
            sql, part_params = select_for(connection.ops.quote_name(schema))
            parts.append(f"({sql})")
            params += [schema, *part_params]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows += cursor.fetchall()
    return rows


def applied_migrations(schemas: Sequence[str]) -> dict[str, frozenset[MigrationKey] | None]:
    """Each schema's recorded migrations (None: no schema or no ``django_migrations``)."""
    found = _existing_tables(schemas, "django_migrations")
    present = [s for s in schemas if s in found]
    applied: dict[str, set[MigrationKey]] = {s: set() for s in present}
    rows = _union_all(present, lambda q: (f"SELECT %s, app, name FROM {q}.django_migrations", []))
    for schema, app, name in rows:
        applied[schema].add((app, name))
    return {s: frozenset(applied[s]) if s in applied else None for s in schemas}


def _pending(loader: MigrationLoader, nodes: set[MigrationKey], done: frozenset) -> list[str]:
    """Migrations on disk not applied in a schema whose recorded migrations are ``done``.

    Squashed migrations count as applied when everything they replace is (as
    Django's loader does); a partly applied squash counts its unapplied parts.
    """
    pending: set[MigrationKey] = set()
    for node in nodes:
        if node in done:
            continue
        replacing = loader.replacements.get(node)
        if replacing is None:
            pending.add(node)
            continue
        missing = [r for r in replacing.replaces if tuple(r) not in done]
        if len(missing) == len(replacing.replaces):
            pending.add(node)
        else:
            pending.update(tuple(r) for r in missing)
    return sorted(f"{app}.{name}" for app, name in pending)


def pending_migrations(schemas: Sequence[str]) -> dict[str, list[str] | None]:
    """Names of the migrations each schema still needs (None: the schema is not migrated).

    The migration graph is loaded once; the pending list is computed once per
    distinct set of applied migrations (townships normally all share one).
    """
    applied = applied_migrations(schemas)
    loader = MigrationLoader(None, ignore_no_migrations=True)
    nodes = set(loader.graph.nodes)
    by_state: dict[frozenset, list[str]] = {}
    result: dict[str, list[str] | None] = {}
    for schema in schemas:
        done = applied[schema]
        if done is None:
            result[schema] = None
            continue
        if done not in by_state:
            by_state[done] = _pending(loader, nodes, done)
        result[schema] = by_state[done]
    return result


# --- Evaluations ----------------------------------------------------------------


@dataclass(frozen=True)
class LastEvaluation:
    month: dt.date
    finalised_at: dt.datetime | None


def last_evaluations(schemas: Sequence[str]) -> dict[str, LastEvaluation | None]:
    """The latest finalised month of each township schema and when it was finalised."""
    table = EvaluationRound._meta.db_table
    found = _existing_tables(schemas, table)
    present = [s for s in schemas if s in found]
    finalised = EvaluationRound.Status.FINALISED.value
    rows = _union_all(
        present,
        lambda q: (
            f"SELECT %s, period, finalised_at FROM {q}.{connection.ops.quote_name(table)} "
            "WHERE status = %s ORDER BY period DESC, finalised_at DESC NULLS LAST LIMIT 1",
            [finalised],
        ),
    )
    latest = {schema: LastEvaluation(period, when) for schema, period, when in rows}
    return {s: latest.get(s) for s in schemas}


# --- Broker ---------------------------------------------------------------------


@dataclass(frozen=True)
class BrokerHealth:
    transport: str  # "filesystem", "redis" or the URL's scheme
    reachable: bool | None  # None: not checked for this transport
    detail: str  # "ok", or why not / why unknown


def broker_url() -> str:
    # Failover lists ("url1;url2") are checked on their first URL.
    return (settings.CELERY_BROKER_URL or "").split(";")[0].strip()


def broker_transport(url: str | None = None) -> str:
    scheme = urlsplit(url if url is not None else broker_url()).scheme.lower()
    if scheme == "filesystem":
        return "filesystem"
    if scheme in {"redis", "rediss", "redis+socket"}:
        return "redis"
    return scheme or "unknown"


def default_queue() -> str:
    return getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None) or "celery"


def _transport_options() -> dict:
    return dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {})


def _filesystem_folders() -> list[str]:
    options = _transport_options()
    # kombu's own defaults when the options do not name the folders.
    folders = [options.get("data_folder_in", "data_in"), options.get("data_folder_out", "data_out")]
    if options.get("store_processed"):
        folders.append(options.get("processed_folder", "processed"))
    return list(dict.fromkeys(str(f) for f in folders))


def _redis_client(url: str, timeout: float):
    import redis

    if url.startswith("redis+socket://"):
        url = "unix://" + url[len("redis+socket://") :]
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def check_broker(timeout: float = BROKER_TIMEOUT_SECONDS) -> BrokerHealth:
    """Whether the broker can take messages: folders writable, or Redis answers PING."""
    url = broker_url()
    transport = broker_transport(url)
    if transport == "filesystem":
        for folder in _filesystem_folders():
            if not os.path.isdir(folder):
                return BrokerHealth(transport, False, f"broker folder {folder} does not exist")
            if not os.access(folder, os.W_OK | os.X_OK):
                return BrokerHealth(transport, False, f"broker folder {folder} is not writable")
        return BrokerHealth(transport, True, "ok")
    if transport == "redis":
        try:
            client = _redis_client(url, timeout)
            try:
                client.ping()
            finally:
                client.close()
        except Exception as exc:  # noqa: BLE001 - any failure means unreachable
            return BrokerHealth(transport, False, f"redis: {exc}")
        return BrokerHealth(transport, True, "ok")
    return BrokerHealth(transport, None, f"unknown: {transport} brokers are not checked")


def _redis_queue_keys(queue: str) -> list[str]:
    """kombu's Redis lists for one queue: one per priority step (step 0 is the bare name)."""
    options = _transport_options()
    prefix = options.get("global_keyprefix", "")
    sep = options.get("sep", "\x06\x16")
    steps = options.get("priority_steps", [0, 3, 6, 9])
    return [prefix + (f"{queue}{sep}{step}" if step else queue) for step in steps]


def queue_depth(queue: str | None = None, timeout: float = BROKER_TIMEOUT_SECONDS) -> int | None:
    """Messages waiting in ``queue`` (default queue), or None when it cannot be known."""
    queue = queue or default_queue()
    url = broker_url()
    transport = broker_transport(url)
    if transport == "filesystem":
        folder = _transport_options().get("data_folder_in", "data_in")
        try:
            names = os.listdir(folder)
        except OSError:
            return None
        return sum(1 for name in names if name.endswith(f".{queue}.msg"))
    if transport == "redis":
        try:
            client = _redis_client(url, timeout)
            try:
                pipe = client.pipeline(transaction=False)
                for key in _redis_queue_keys(queue):
                    pipe.llen(key)
                return sum(pipe.execute())
            finally:
                client.close()
        except Exception:  # noqa: BLE001 - unreachable: depth unknown
            return None
    return None


# --- Everything ---------------------------------------------------------------


@dataclass
class TownshipStatus:
    code: str
    name: str
    schema: str
    status: str
    plugins: list[str] = field(default_factory=list)
    pending: list[str] | None = None  # None: schema missing or not migrated
    last_evaluation: LastEvaluation | None = None

    @property
    def pending_count(self) -> int | None:
        return None if self.pending is None else len(self.pending)


def township_statuses() -> list[TownshipStatus]:
    """Every township (one query), its enabled plugins (one query), migrations, evaluations."""
    townships = list(
        Township.objects.order_by("code").values_list("id", "code", "name", "schema_name", "status")
    )
    plugins: dict[int, list[str]] = {}
    for township_id, plugin in (
        PluginActivation.objects.filter(enabled=True)
        .order_by("plugin")
        .values_list("township_id", "plugin")
    ):
        plugins.setdefault(township_id, []).append(plugin)
    schemas = [schema for _, _, _, schema, _ in townships]
    pending = pending_migrations(schemas)
    evaluations = last_evaluations(schemas)
    return [
        TownshipStatus(
            code=code,
            name=name,
            schema=schema,
            status=status,
            plugins=plugins.get(pk, []),
            pending=pending[schema],
            last_evaluation=evaluations[schema],
        )
        for pk, code, name, schema, status in townships
    ]


def _schema_json(schema: str, pending: list[str] | None) -> dict:
    return {
        "schema": schema,
        "pending_migrations": None if pending is None else len(pending),
        "pending": pending,
    }


def platform_status() -> dict:
    """The whole status as one JSON-ready dict (what ``status --json`` prints)."""
    from kombu.utils.url import maybe_sanitize_url

    from tenants.cloning import template_schema

    connection.set_schema_to_public()
    townships = township_statuses()
    public, template = get_public_schema_name(), template_schema()
    shared = pending_migrations([public, template])
    health = check_broker()
    return {
        "townships": [
            {
                "code": t.code,
                "name": t.name,
                "schema": t.schema,
                "status": t.status,
                "plugins": t.plugins,
                "pending_migrations": t.pending_count,
                "pending": t.pending,
                "last_evaluation": None
                if t.last_evaluation is None
                else {
                    "month": f"{t.last_evaluation.month:%Y-%m}",
                    "finalised_at": _iso(t.last_evaluation.finalised_at),
                },
            }
            for t in townships
        ],
        "public": _schema_json(public, shared[public]),
        "template": _schema_json(template, shared[template]),
        "broker": {
            "url": maybe_sanitize_url(broker_url()),
            "transport": health.transport,
            "reachable": health.reachable,
            "detail": health.detail,
            "queue": default_queue(),
            "queue_depth": queue_depth() if health.reachable is not False else None,
        },
    }


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.isoformat(timespec="seconds")
