"""The database connection pool's guard against one township's search_path reaching another.

With ``DB_POOL`` on (docs/operations.md, "Database connections") Django takes its
connections from one psycopg pool per process and hands each back at the end of a
request. django-tenants selects a township with a session-level ``SET search_path``,
which stays on the PostgreSQL session when the connection goes back to the pool.

Django's own cursors are safe without help: django-tenants forgets the path it set
when Django closes (returns) the connection, so the first cursor after every checkout
sets the path of the township of *that* request (tests/test_db_pool.py proves it).
Code that takes a pooled connection outside Django's cursors (``get_new_connection``,
``connection.connection``) would not be: ``reset`` below runs as every connection is
returned and puts the session back on the server's default path, where no township's
tables are. A forgotten ``SET`` then fails loudly instead of reading another township.

A pool must not cross ``fork()`` either (``migrate_schemas --processes``, Celery's
prefork children): its idle connections' sockets would be shared by parent and child.
``forget_pools_after_fork`` gives a forked child pools of its own.
"""

from __future__ import annotations

import os
from typing import Any

# A forked child's copies of its parent's pools: kept referenced and never used or closed
# there (closing would end the parent's sessions: the sockets are the parent's).
_inherited: list[Any] = []
_fork_guard_installed = False

# Per process: a gunicorn worker's threads each hold one connection while they answer a
# request, so the maximum should be at least GUNICORN_THREADS (deploy/gunicorn.conf.py).
DEFAULT_MIN_SIZE, DEFAULT_MAX_SIZE, DEFAULT_TIMEOUT = 1, 4, 10


def reset(conn: Any) -> None:
    """psycopg_pool ``reset`` callback: the session's search_path back to its default.

    The pool calls it with the connection idle (it rolls back an open transaction
    first) and discards the connection if this raises or leaves a transaction open.
    """
    conn.execute("RESET search_path")
    if not conn.autocommit:
        conn.commit()


def pool_options(*, min_size: int, max_size: int, timeout: float) -> dict[str, Any]:
    """``DATABASES["default"]["OPTIONS"]["pool"]``: psycopg_pool.ConnectionPool arguments."""
    return {
        "min_size": min_size,
        "max_size": max(max_size, min_size),
        "timeout": timeout,
        "reset": reset,
    }


def _forget_inherited_pools() -> None:
    try:
        from django.db.backends.postgresql.base import DatabaseWrapper
    except ImportError:  # Django not loaded in this process: nothing to forget
        return
    pools = DatabaseWrapper._connection_pools
    if pools:
        _inherited.extend(pools.values())
        pools.clear()


def forget_pools_after_fork() -> None:
    """In every forked child, drop the parent's pools: the child opens its own on first use."""
    global _fork_guard_installed
    if not _fork_guard_installed:
        os.register_at_fork(after_in_child=_forget_inherited_pools)
        _fork_guard_installed = True
