"""Many people at once: gunicorn under locust on the 10,800-household township.

Run with ``make bench BENCH=tests/bench/bench_load.py``. Builds the API benchmark's
township (10,800 households, BENCH_ENTRIES_PER_HOUSEHOLD approved entries each, six
finalised months, ``bench_api.build_township``) with the workbench benchmark's
BENCH_PENDING entries awaiting review and its council member (``bench_workbench``),
signs in the township administrator too and signs a sample of household QR codes.
Then it starts gunicorn as production runs it: ``PLATFORM_MODE=production``,
``deploy/gunicorn.conf.py`` (workers and threads sized for this machine), Django's
connection pool (``DB_POOL``, on by default in production), host routing by the
township's domain and ``BEHIND_TLS_PROXY`` (each request says ``X-Forwarded-Proto:
https`` as the TLS proxy would), bound to 127.0.0.1 on a free port. ``CACHE_URL`` is
passed on when set (production uses Redis), else the file cache of production
without it.

locust (headless, as a library, in a process of its own: gevent patches the world)
first times every request type alone, one user, nothing else running (the
uncontended baseline), then runs BENCH_USERS (default 200) users, spawned at
BENCH_SPAWN_RATE per second (default 20), for BENCH_DURATION seconds (default 180)
after the ramp, each waiting 1-5 s between requests:

* cadres (council member's session): household list (search and pages), a
  household's page, the review queue;
* the township administrator: the month page, household list and pages;
* API clients (token): GraphQL household list (pages of 50) and household detail;
* residents: the public QR scan page, each scan from another client address (the
  scan limit counts per address: one address here stands for many phones).

A response other than 200 (a redirect to sign-in included), or a GraphQL answer with
errors, counts as an error. Meanwhile pg_stat_activity is sampled every 0.2 s for the
benchmark's database. It prints requests per second; p50/p95/p99 per request type and
the ratio of each p50 under load to the same request alone; the error count (it must
be 0) and the first errors; the most database connections seen, by state. Targets
(printed, not asserted: the machine is shared): p95 under 200 ms for the pages (the
scan page included) and under 100 ms for the API reads, at the measured throughput.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
USERS = int(os.environ.get("BENCH_USERS", "200"))
DURATION = float(os.environ.get("BENCH_DURATION", "180"))
SPAWN_RATE = float(os.environ.get("BENCH_SPAWN_RATE", "20"))
SOLO = 3 if os.environ.get("BENCH_SMOKE") else 30  # requests of each type alone
SOLO_WARM_UP = 3
WAIT = (1.0, 5.0)  # seconds a simulated user waits between two requests
SAMPLE_CODES = 500
PAGE_TARGET_MS, API_TARGET_MS = 200.0, 100.0
REVIEW_PAGE = 25

# Request types: (user kind, weight of the request within its user's tasks).
REQUESTS = {
    "page: households": ("cadre", 3),
    "page: household": ("cadre", 3),
    "page: review queue": ("cadre", 2),
    "page: month (admin)": ("admin", 1),
    "page: households (admin)": ("admin", 1),
    "page: household (admin)": ("admin", 2),
    "api: households (50)": ("api", 1),
    "api: household detail": ("api", 2),
    "scan: QR code page": ("resident", 1),
}
# How many users of each kind, relative to each other.
USER_WEIGHTS = {"cadre": 5, "admin": 1, "api": 3, "resident": 2}


# --- the workload (used in the locust process; plain data in, requests out) -------------


def request_for(name: str, cfg: dict, rng: random.Random) -> tuple[str, str, dict]:
    """(method, path, keyword arguments of requests) of one request of type ``name``."""
    headers = {"Host": cfg["hostname"], "X-Forwarded-Proto": "https"}
    kwargs: dict = {"headers": headers, "allow_redirects": False, "timeout": 60}
    kind = REQUESTS[name][0]
    if kind in {"cadre", "admin"}:
        kwargs["cookies"] = {cfg["cookie_name"]: cfg["sessions"][kind]}
    if name.startswith("page: households"):
        if rng.random() < 0.5:
            return "GET", f"/work/households/?q=户主{rng.randrange(100, 600)}", kwargs
        return "GET", f"/work/households/?page={rng.randrange(1, cfg['list_pages'] + 1)}", kwargs
    if name.startswith("page: household"):
        return "GET", f"/work/households/{rng.choice(cfg['codes'])}/", kwargs
    if name == "page: review queue":
        return "GET", f"/work/review/?page={rng.randrange(1, cfg['review_pages'] + 1)}", kwargs
    if name == "page: month (admin)":
        return "GET", "/work/month/", kwargs
    if kind == "api":
        headers["Authorization"] = f"Bearer {cfg['token']}"
        if name == "api: households (50)":
            query, variables = cfg["list_query"], rng.choice(cfg["lists"])
        else:
            query, variables = cfg["detail_query"], {"code": rng.choice(cfg["codes"])}
        kwargs["json"] = {"query": query, "variables": variables}
        return "POST", "/graphql/", kwargs
    # A resident's phone: another client address each scan (X-Forwarded-For's last entry).
    headers["X-Forwarded-For"] = (
        f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    )
    return "GET", f"/h/{rng.choice(cfg['scan_tokens'])}/", kwargs


def problem(name: str, response) -> str | None:
    """Why a response is an error, or None."""
    if response.status_code == 0:  # no response at all: the connection failed
        error = getattr(response, "error", None)
        return f"no response: {type(error).__name__}: {error}"[:300]
    if response.status_code != 200:
        where = response.headers.get("Location", "")
        return f"HTTP {response.status_code}" + (f" -> {where}" if where else "")
    if name.startswith("api:"):
        try:
            body = response.json()
        except ValueError:
            return "not JSON"
        if body.get("errors") or not body.get("data"):
            return f"GraphQL errors: {json.dumps(body.get('errors'), ensure_ascii=False)[:200]}"
    return None


def run_locust(config_path: str) -> None:
    """The locust process: the uncontended baseline, then the users; figures to JSON."""
    # locust first: it patches the standard library for gevent before anything uses ssl.
    from locust import HttpUser, between, events  # noqa: I001
    from locust.env import Environment
    import gevent
    import requests

    cfg = json.loads(Path(config_path).read_text())
    rng = random.Random(20261204)

    solo: dict[str, list[float]] = {}
    with requests.Session() as session:
        for name in REQUESTS:
            times = []
            for n in range(SOLO_WARM_UP + SOLO):
                method, path, kwargs = request_for(name, cfg, rng)
                started = time.perf_counter()
                reply = session.request(method, cfg["host"] + path, **kwargs)
                elapsed = (time.perf_counter() - started) * 1000
                error = problem(name, reply)
                if error:
                    raise SystemExit(f"{name} {path} alone: {error}\n{reply.text[:500]}")
                if n >= SOLO_WARM_UP:
                    times.append(elapsed)
            solo[name] = times

    def task_of(name: str):
        def task(user) -> None:
            method, path, kwargs = request_for(name, cfg, user.rng)
            with user.client.request(
                method, path, name=name, catch_response=True, **kwargs
            ) as reply:
                error = problem(name, reply)
                if error:
                    reply.failure(error)
                else:
                    reply.success()

        task.__name__ = name
        return task

    classes = []
    for kind, weight in USER_WEIGHTS.items():
        tasks = {task_of(n): w for n, (k, w) in REQUESTS.items() if k == kind}
        attrs = {
            "weight": weight,
            "tasks": tasks,
            "wait_time": between(*WAIT),
            "host": cfg["host"],
            "on_start": lambda self: setattr(self, "rng", random.Random()),
        }
        classes.append(type(f"{kind.title()}User", (HttpUser,), attrs))

    env = Environment(user_classes=classes, events=events)
    runner = env.create_local_runner()
    runner.start(cfg["users"], spawn_rate=cfg["spawn_rate"])
    deadline = time.monotonic() + cfg["users"] / cfg["spawn_rate"] + 60
    while runner.user_count < cfg["users"] and time.monotonic() < deadline:
        gevent.sleep(0.1)
    env.stats.reset_all()  # the ramp is not measured
    Path(cfg["ramped"]).write_text(str(runner.user_count))
    started, cpu_started = time.monotonic(), time.process_time()
    gevent.sleep(cfg["duration"])
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    counted = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.50),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
        }
        for (name, _method), entry in env.stats.entries.items()
        if entry.num_requests
    }
    total = env.stats.total
    errors = sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)
    users = runner.user_count
    runner.quit()
    result = {
        "users": users,
        "elapsed": elapsed,
        "cpu": cpu,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "stats": counted,
        "solo": {name: statistics.median(times) for name, times in solo.items()},
        "errors": [f"{e.occurrences} x {e.method} {e.name}: {e.error}" for e in errors[:5]],
    }
    Path(cfg["result"]).write_text(json.dumps(result))


# --- the benchmark process --------------------------------------------------------------


class ConnectionSampler(threading.Thread):
    """pg_stat_activity of one database every 0.2 s: the most client connections, by state."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.most = 0
        self.at_most: dict[str, int] = {}
        self.per_state: dict[str, int] = {}
        self.samples = 0
        self.pids: set[int] = set()

    def run(self) -> None:
        import dj_database_url
        import psycopg

        cfg = dj_database_url.parse(self.url)
        with psycopg.connect(
            host=cfg["HOST"] or cfg["OPTIONS"].get("host") or None,
            port=cfg["PORT"] or None,
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
            dbname=cfg["NAME"],
            autocommit=True,
        ) as conn:
            while not self.stop.wait(0.2):
                rows = conn.execute(
                    "SELECT pid, coalesce(state, '?') FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                ).fetchall()
                self.pids = {pid for pid, _state in rows}
                counts: dict[str, int] = {}
                for _pid, state in rows:
                    counts[state] = counts.get(state, 0) + 1
                self.samples += 1
                for state, count in counts.items():
                    self.per_state[state] = max(self.per_state.get(state, 0), count)
                if sum(counts.values()) > self.most:
                    self.most, self.at_most = sum(counts.values()), counts


class CpuMeter:
    """CPU seconds of gunicorn, of this database's PostgreSQL backends, of locust and of the
    whole machine between ``start()`` and ``stop()``: what the throughput cost, and who
    else was using the CPUs."""

    def __init__(self, server_pid: int, database_pids):
        self.server_pid, self.database_pids = server_pid, database_pids
        self.before: dict[int, float] = {}
        self.seconds: dict[str, float] = {}

    @staticmethod
    def _cpu(pid: int) -> float:
        import psutil

        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return 0.0
        return times.user + times.system

    def _groups(self) -> dict[str, list[int]]:
        import psutil

        try:
            server = psutil.Process(self.server_pid)
            gunicorn = [self.server_pid] + [c.pid for c in server.children(recursive=True)]
        except psutil.NoSuchProcess:
            gunicorn = []
        return {"gunicorn": gunicorn, "postgres": sorted(self.database_pids())}

    def start(self) -> None:
        import psutil

        self.machine = psutil.cpu_times()
        self.started = time.monotonic()
        self.before = {pid: self._cpu(pid) for pids in self._groups().values() for pid in pids}

    def stop(self) -> None:
        import psutil

        machine = psutil.cpu_times()
        self.wall = time.monotonic() - self.started
        for name, pids in self._groups().items():
            self.seconds[name] = sum(max(0.0, self._cpu(p) - self.before.get(p, 0.0)) for p in pids)
        total = sum(machine) - sum(self.machine)
        self.busy = 1 - (machine.idle - self.machine.idle) / total if total else 0.0


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    """gunicorn with deploy/gunicorn.conf.py on 127.0.0.1:<port>, once it answers."""
    import urllib.request

    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "platform_core.wsgi",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"gunicorn exited with {server.returncode}:\n{log.read_text()[-3000:]}"
            )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/health/ready", headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer /health/ready:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # gunicorn's master stops its workers gracefully
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def signed_in_cookie(username: str) -> str:
    """A session of ``username`` (Django's test client signs in without a password)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_tenants.utils import schema_context

    with schema_context("public"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def prepare(folder: Path) -> tuple[dict, dict]:
    """Build the township; (workload for locust, what the report names)."""
    from django.conf import settings
    from django_tenants.utils import tenant_context

    from platform_core.codes.services import household_token
    from tests.bench import bench_api as api
    from tests.bench import bench_workbench as wb

    township, codes, rows, token = api.build_township()
    wb.add_pending(township, codes)
    wb.council(township)
    rng = random.Random(20261204)
    sample = rng.sample(codes, min(SAMPLE_CODES, len(codes)))
    with tenant_context(township):
        scan_tokens = [household_token(township, code) for code in sample]
    hostname = township.domains.get(is_primary=True).domain
    lists, _details = api.workload(codes)
    cfg = {
        "hostname": hostname,
        "cookie_name": settings.SESSION_COOKIE_NAME,
        "sessions": {
            "cadre": signed_in_cookie(wb.COUNCIL),
            "admin": signed_in_cookie(api.ADMIN[0]),
        },
        "token": token,
        "codes": sample,
        "scan_tokens": scan_tokens,
        "lists": [api.gql_variables(spec) for spec in lists],
        "list_query": api.LIST_QUERY,
        "detail_query": api.DETAIL_QUERY,
        "list_pages": max(1, len(codes) // 25),
        "review_pages": max(1, wb.PENDING // REVIEW_PAGE),
        "users": USERS,
        "spawn_rate": SPAWN_RATE,
        "duration": DURATION,
        "ramped": str(folder / "ramped"),
        "result": str(folder / "result.json"),
    }
    facts = {
        "size": f"{len(codes):,} households / {rows:,} entries, six finalised months, "
        f"{wb.PENDING:,} awaiting review",
        "secret": settings.SECRET_KEY,
        "base_domain": settings.BASE_DOMAIN,
        "hostname": hostname,
    }
    return cfg, facts


def server_env(facts: dict, folder: Path) -> dict:
    """The production settings' environment (deploy/env.example, behind a TLS proxy)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update(
        PLATFORM_MODE="production",
        SECRET_KEY=facts["secret"],  # the sessions and QR codes above were signed with it
        BASE_DOMAIN=facts["base_domain"],
        ALLOWED_HOSTS=f"{facts['hostname']},.{facts['base_domain']},127.0.0.1",
        BEHIND_TLS_PROXY="true",
        PLATFORM_DATA_DIR=str(folder / "data"),
        LOG_LEVEL="WARNING",
    )
    env.pop("DEBUG", None)
    return env


def gunicorn_sizing(env: dict) -> dict:
    """workers and threads as deploy/gunicorn.conf.py computes them for ``env``."""
    import runpy

    saved = dict(os.environ)
    try:
        os.environ.update(env)
        conf = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {"workers": conf["workers"], "threads": conf["threads"]}


def print_table(result: dict) -> list[tuple[str, bool]]:
    header = ("request", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "alone p50", "ratio")
    lines = [header]
    verdicts = []
    for name in REQUESTS:
        row = result["stats"].get(name)
        if row is None:
            continue
        alone = result["solo"][name]
        target = API_TARGET_MS if name.startswith("api:") else PAGE_TARGET_MS
        verdicts.append((name, row["p95"] < target))
        lines.append(
            (
                name,
                str(row["requests"]),
                str(row["failures"]),
                f"{row['p50']:.0f}",
                f"{row['p95']:.0f}",
                f"{row['p99']:.0f}",
                f"{alone:.1f}",
                f"{row['p50'] / alone:.1f}x" if alone else "-",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print()
    for line in lines:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells), flush=True)
    print(
        "p50/p95/p99 under load from locust (rounded to 2 significant digits above 100 ms); "
        "alone p50: the same request, one user, nothing else running; ratio = load p50 / "
        "alone p50\n",
        flush=True,
    )
    return verdicts


def main() -> None:
    import logging

    from tests.bench import harness

    harness.setup("load")
    logging.getLogger("django.request").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        cfg, facts = prepare(folder)
        from django.db import connections

        connections.close_all()  # only gunicorn's connections are counted below
        env = server_env(facts, folder)
        sizing = gunicorn_sizing(env)
        port = free_port()
        cfg["host"] = f"http://127.0.0.1:{port}"
        config = folder / "locust.json"
        config.write_text(json.dumps(cfg, ensure_ascii=False))
        print(
            f"gunicorn on 127.0.0.1:{port}: {sizing['workers']} workers x {sizing['threads']} "
            f"threads (deploy/gunicorn.conf.py), PLATFORM_MODE=production, DB_POOL "
            f"{env.get('DB_POOL', 'default (on)')}, cache "
            f"{env.get('CACHE_URL') or 'file (CACHE_URL unset)'}",
            flush=True,
        )
        server = start_gunicorn(env, port, folder / "gunicorn.log")
        sampler = ConnectionSampler(os.environ["DATABASE_URL"])
        try:
            sampler.start()
            print(
                f"locust: {SOLO} requests of each type alone, then {USERS} users "
                f"(spawn rate {SPAWN_RATE:g}/s) for {DURATION:g} s ...",
                flush=True,
            )
            load_before = os.getloadavg()[0]
            child = subprocess.Popen(
                [sys.executable, __file__, "--locust", str(config)],
                cwd=ROOT,
                env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
            )
            meter = CpuMeter(server.pid, lambda: set(sampler.pids))
            ramped = Path(cfg["ramped"])
            while child.poll() is None and not ramped.exists():
                time.sleep(0.1)
            meter.start()  # the measured phase: every user spawned
            while child.poll() is None and not Path(cfg["result"]).exists():
                time.sleep(0.1)
            meter.stop()
            child.wait()
            load_after = os.getloadavg()[0]
        finally:
            sampler.stop.set()
            stop(server)
        sampler.join(timeout=5)
        if child.returncode != 0:
            raise SystemExit(
                f"locust failed ({child.returncode}); gunicorn's log:\n"
                + (folder / "gunicorn.log").read_text()[-3000:]
            )
        result = json.loads(Path(cfg["result"]).read_text())
    verdicts = print_table(result)
    rps = result["requests"] / result["elapsed"]
    alone = sum(result["solo"].values()) / len(result["solo"])
    ratios = {
        name: row["p50"] / result["solo"][name]
        for name, row in result["stats"].items()
        if result["solo"].get(name)
    }
    from platform_core.dbpool import DEFAULT_MAX_SIZE

    pool_max = int(env.get("DB_POOL_MAX_SIZE") or DEFAULT_MAX_SIZE)
    meter.seconds["locust"] = result["cpu"]
    used = meter.busy * (os.cpu_count() or 1) * meter.wall
    others = max(0.0, used - sum(meter.seconds.values()))
    lines = {
        "township": facts["size"],
        "throughput": f"{rps:.1f} requests/s over {result['elapsed']:.0f} s with "
        f"{result['users']} users (think time {WAIT[0]:g}-{WAIT[1]:g} s)",
        "errors": f"{result['failures']} of {result['requests']:,} requests"
        + ("" if not result["errors"] else "; first: " + " | ".join(result["errors"])),
        "database connections": f"at most {sampler.most} at once ("
        + ", ".join(f"{s} {n}" for s, n in sorted(sampler.at_most.items()))
        + "); most per state: "
        + ", ".join(f"{s} {n}" for s, n in sorted(sampler.per_state.items()))
        + f"; {sampler.samples} samples; bound {sizing['workers']} workers x DB_POOL_MAX_SIZE "
        f"({pool_max})",
        "gunicorn": f"{sizing['workers']} workers x {sizing['threads']} threads",
        "CPU while measured": ", ".join(
            f"{name} {seconds:.0f} s ({seconds * 1000 / max(1, result['requests']):.1f} ms/request)"
            for name, seconds in meter.seconds.items()
        )
        + f"; the machine's {os.cpu_count()} CPUs {meter.busy:.0%} busy over {meter.wall:.0f} s "
        f"(everything else, other work on the machine: {others:.0f} CPU s)",
        "ratio load p50 / alone p50": (
            f"median {statistics.median(ratios.values()):.1f}x, worst "
            f"{max(ratios.values()):.1f}x ({max(ratios, key=ratios.get)}); mean alone p50 "
            f"{alone:.1f} ms"
            if ratios
            else "no requests"
        ),
        "load average (1 min)": f"{load_before:.2f} before, {load_after:.2f} after, on "
        f"{os.cpu_count()} CPUs (shared: other load moves p95)",
        "targets": f"p95 < {PAGE_TARGET_MS:.0f} ms pages, < {API_TARGET_MS:.0f} ms API reads, "
        "0 errors: "
        + ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in verdicts)
        + f"; errors {'met' if result['failures'] == 0 else 'NOT met'}",
    }
    harness.report(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--locust":
        run_locust(sys.argv[2])
    else:
        sys.path.insert(0, str(ROOT))
        main()
