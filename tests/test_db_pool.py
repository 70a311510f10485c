"""Django's connection pool (DB_POOL) with django-tenants: no township's search_path leaks.

django-tenants selects a township with a session-level ``SET search_path``; a pooled
connection keeps its session when it goes back to the pool and the next checkout may
be for another township. These tests take pooled connections of the test database
through django-tenants' own database wrapper (what every request and task uses) with
a pool of ONE connection, so each checkout is the very session the previous one used.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

from platform_core import dbpool
from tenants.models import Township
from township_integrity.testing import TOWNSHIP_A, TOWNSHIP_B

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def townships(db) -> tuple[Township, Township]:
    return (
        Township.objects.get(code=TOWNSHIP_A["code"]),
        Township.objects.get(code=TOWNSHIP_B["code"]),
    )


@pytest.fixture
def pooled(db):
    """A factory of django-tenants wrappers sharing one pool of one connection."""
    alias = f"pool_{uuid.uuid4().hex[:8]}"
    made = []

    def wrapper(reset: bool = True):
        settings_dict = copy.deepcopy(
            {k: v for k, v in connection.settings_dict.items() if k != "OPTIONS"}
        )
        pool = dbpool.pool_options(min_size=1, max_size=1, timeout=10)
        if not reset:
            pool.pop("reset")
        settings_dict["OPTIONS"] = {**connection.settings_dict["OPTIONS"], "pool": pool}
        settings_dict["CONN_MAX_AGE"] = 0
        made.append(type(connections["default"])(settings_dict, alias))
        return made[-1]

    yield wrapper
    for each in made:
        each.close()
    if made:
        made[0].close_pool()


def seen(wrapper) -> tuple[int, str]:
    """(server process id, search_path) as the first statement of a checkout sees them."""
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('search_path')")
        return cursor.fetchone()


def schemas(path: str) -> list[str]:
    return [part.strip().strip('"') for part in path.split(",")]


@pytest.mark.parametrize("reset", [True, False], ids=["with reset", "django-tenants alone"])
def test_a_reused_connection_gets_the_path_of_its_new_township(townships, pooled, reset):
    """Each checkout sets its own township's path, whatever the session did before."""
    a, b = townships
    first, second, county = pooled(reset), pooled(reset), pooled(reset)

    first.set_tenant(a)
    pid, path = seen(first)
    assert schemas(path) == [a.schema_name, "public"]
    first.close()  # back to the pool

    second.set_tenant(b)
    pid_b, path = seen(second)
    assert pid_b == pid  # the same session: the pool holds one connection
    assert schemas(path) == [b.schema_name, "public"]
    second.close()

    pid_c, path = seen(county)  # a new wrapper is on the public schema
    assert pid_c == pid
    assert schemas(path) == ["public"]
    county.close()


def test_a_wrapper_does_not_trust_the_path_it_set_before_returning_its_connection(
    townships, pooled
):
    """TENANT_LIMIT_SET_CALLS skips the SET while the path is known; it is forgotten on close.

    ``first`` keeps township A selected across its close; meanwhile ``second`` uses the same
    session for B. ``first``'s next query must set A again, not find B's path.
    """
    a, b = townships
    first, second = pooled(reset=False), pooled(reset=False)
    first.set_tenant(a)
    seen(first)
    first.close()
    second.set_tenant(b)
    seen(second)
    second.close()
    _pid, path = seen(first)  # no set_tenant() in between
    assert schemas(path) == [a.schema_name, "public"]


def test_a_connection_comes_back_to_the_pool_on_the_default_path(townships, pooled):
    """The reset: code that takes a pooled connection outside Django's cursors (no SET of
    its own) lands on the server's default path, never on the last township's."""
    a, _b = townships
    first = pooled()
    first.set_tenant(a)
    seen(first)
    first.close()
    raw = first.pool.getconn()  # waits for the reset: the pool holds one connection
    try:
        path = raw.execute("SELECT current_setting('search_path')").fetchone()[0]
    finally:
        first.pool.putconn(raw)
    assert a.schema_name not in path
    assert "public" in path


def test_the_reset_leaves_no_transaction_open(db):
    """The pool discards a connection that a reset leaves inside a transaction."""
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**params) as raw:
        raw.autocommit = False
        raw.execute("SET search_path = pg_catalog")
        raw.commit()
        dbpool.reset(raw)
        assert raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        assert raw.execute("SHOW search_path").fetchone()[0] != "pg_catalog"


def test_a_forked_child_does_not_use_its_parents_pool(townships, pooled):
    """migrate_schemas --processes and Celery's prefork fork: the parent's pooled
    sockets must not be shared with a child (it would answer the parent's queries)."""
    a, _b = townships
    dbpool.forget_pools_after_fork()
    first = pooled()
    first.set_tenant(a)
    seen(first)
    first.close()
    assert first.alias in PostgresWrapper._connection_pools
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        os._exit(1 if first.alias in PostgresWrapper._connection_pools else 0)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert first.alias in PostgresWrapper._connection_pools  # the parent keeps its own
    seen(first)


# --- settings -------------------------------------------------------------------------

PRINT_DB = (
    "import django; django.setup(); from django.conf import settings as s; "
    "db = s.DATABASES['default']; pool = db['OPTIONS'].get('pool'); "
    "print(db['CONN_MAX_AGE'], db.get('CONN_HEALTH_CHECKS'), "
    "pool and pool['max_size'], pool and pool['reset'].__name__, sep='|')"
)


def _settings(tmp_path, **env) -> str:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PLATFORM_MODE", "DB_POOL", "DB_POOL_MAX_SIZE", "DB_CONN_MAX_AGE"}
    }
    base.update(
        DJANGO_SETTINGS_MODULE="platform_core.settings",
        PLATFORM_DATA_DIR=str(tmp_path),
        SECRET_KEY="s" * 50,
        DATABASE_URL="postgresql://u@db.example/x",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DB],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_pools_by_default(tmp_path):
    assert _settings(tmp_path, PLATFORM_MODE="production") == "0|True|4|reset"


def test_the_pool_is_sized_and_switched_off_by_the_environment(tmp_path):
    assert _settings(tmp_path, PLATFORM_MODE="production", DB_POOL_MAX_SIZE="8") == (
        "0|True|8|reset"
    )
    off = _settings(tmp_path, PLATFORM_MODE="production", DB_POOL="0")
    assert off.split("|")[0] == "60" and off.endswith("|None|None")


def test_demo_and_tests_keep_persistent_connections(tmp_path):
    assert _settings(tmp_path, PLATFORM_MODE="test").endswith("|None|None")
    assert _settings(tmp_path, PLATFORM_MODE="test", DB_POOL="1").endswith("|4|reset")


def test_a_bad_pool_switch_is_named(tmp_path):
    base = dict(os.environ, DJANGO_SETTINGS_MODULE="platform_core.settings", DB_POOL="maybe")
    base.update(PLATFORM_DATA_DIR=str(tmp_path), PLATFORM_MODE="test")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DB], cwd=ROOT, env=base, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DB_POOL='maybe'" in result.stderr
