"""gunicorn's settings for the web process (production, and tests/bench/bench_load.py).

The image copies this file to /app/gunicorn.conf.py, the file gunicorn reads by default
from its working directory, so every way of starting it there (the Dockerfile's CMD,
compose, Kubernetes) uses it; elsewhere: ``gunicorn -c deploy/gunicorn.conf.py
platform_core.wsgi``. Command-line options and GUNICORN_CMD_ARGS override it.

Sizing (deploy/README.md, "Sizing the web process"): one process per CPU plus one
(``gthread`` workers), each with a few threads. Python runs one thread at a time per
process, so processes use the CPUs; the threads fill the time a request waits on
PostgreSQL. The CPUs are the container's CPU quota when there is one (cgroup v2
``cpu.max``), else the CPUs this process may run on. Every thread holds a database
connection only while it answers a request (DB_POOL): keep DB_POOL_MAX_SIZE at least
GUNICORN_THREADS; the server then sees at most workers x DB_POOL_MAX_SIZE connections
from each web pod.
"""

from __future__ import annotations

import math
import os
from pathlib import Path


def available_cpus() -> int:
    """CPUs this process may use: the cgroup quota if set, else its CPU affinity."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", available_cpus() + 1))
threads = _int("GUNICORN_THREADS", 4)
# A request longer than this is killed with its worker (a stuck query, not a slow page).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
# Seconds an idle kept-alive connection stays open: longer than the proxy's own idle
# timeout (nginx's upstream keepalive_timeout is 60 s), so gunicorn never closes a
# connection just as the proxy sends a request on it (the request would fail).
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# Workers are not preloaded: each process imports the app and opens its own database pool.
preload_app = False
# The workers' heartbeat files in memory, not on a container's overlay filesystem.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"
# No control socket (gunicornc): the orchestrator manages the process, and a shared
# $HOME/.gunicorn/gunicorn.ctl would be fought over by two servers on one host.
control_socket_disable = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
