"""What ``make demo``, ``make test`` and ``make bench`` run.

``python -m platform_core.launcher demo``  start the database (embedded unless
    DATABASE_URL is set), migrate, seed the demo, run web + worker + beat, and
    stop all of it (PostgreSQL included) on Ctrl-C.
``python -m platform_core.launcher test [pytest args]``  run the suite.
``python -m platform_core.launcher bench [files]``  run the benchmarks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from platform_core import embedded

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _data_dir(env: dict) -> Path:
    return Path(env.get("PLATFORM_DATA_DIR", ROOT / "var")).resolve()


@contextmanager
def database(env: dict):
    """Yield with DATABASE_URL set in ``env``; stop the embedded server if we started it."""
    if env.get("DATABASE_URL"):
        yield
        return
    pgdata = _data_dir(env) / "postgres"
    already = embedded.is_running(pgdata)
    print(f"Embedded PostgreSQL: {'reusing' if already else 'starting'} {pgdata}", flush=True)
    socket_dir = embedded.ensure_running(pgdata)
    env["DATABASE_URL"] = embedded.database_url(socket_dir)
    try:
        yield
    finally:
        if not already:
            print("Stopping embedded PostgreSQL ...", flush=True)
            embedded.stop(pgdata)


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def demo() -> int:
    env = dict(os.environ, PLATFORM_MODE=os.environ.get("PLATFORM_MODE", "demo"))
    port = env.get("DEMO_PORT", "8000")
    children: list[subprocess.Popen] = []
    # Ctrl-C and SIGTERM both end in the clean-up below, even when started in the background.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with database(env):
            print("Migrating (public schema, townships, template) ...", flush=True)
            manage(env, "migrate_schemas", "--noinput", "-v", "0")
            manage(env, "seed_demo")
            children = _start_services(env, port)
            _wait_until_serving(port)
            _banner(env, port)
            _wait(children)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
    except subprocess.CalledProcessError as exc:
        print(
            f"Demo set-up failed: {' '.join(map(str, exc.cmd))} exited {exc.returncode}",
            file=sys.stderr,
        )
        return 1
    finally:
        _stop(children)
    return 0


def _start_services(env: dict, port: str) -> list[subprocess.Popen]:
    celery = [PYTHON, "-m", "celery", "-A", "platform_core.celery"]
    commands = [
        [PYTHON, "manage.py", "runserver", f"0.0.0.0:{port}", "--noreload"],
        [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
        [*celery, "beat", "--loglevel", "INFO"],
    ]
    # Own process groups: Ctrl-C reaches us once and we stop them in order.
    return [subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True) for cmd in commands]


def _banner(env: dict, port: str) -> None:
    from platform_core.demo_spec import (
        COUNTY_ADMIN,
        DEMO_PEOPLE,
        DEMO_ROLE_PASSWORD,
        DEMO_TOWNSHIPS,
    )

    base = f"http://localhost:{port}"
    lines = [
        "",
        "Township integrity platform is running (Ctrl-C stops everything).",
        f"  County site        {base}/",
        f"  County admin       {base}/admin/   login {COUNTY_ADMIN[0]} / {COUNTY_ADMIN[1]}",
        f"  County GraphiQL    {base}/graphql/",
        f"  County dashboard   {base}/dashboard/",
    ]
    for t in DEMO_TOWNSHIPS:
        lines += [
            f"  {t.name} workbench  {base}/t/{t.code}/work/   (every role's monthly work)",
            f"  {t.name} by path    {base}/t/{t.code}/",
            f"  {t.name} by host    http://{t.slug}.localhost:{port}/",
            f"  {t.name} admin      {base}/t/{t.code}/admin/   login {t.admin[0]} / {t.admin[1]}",
            f"  {t.name} GraphiQL   {base}/t/{t.code}/graphql/   "
            f"(sign in at {base}/t/{t.code}/accounts/login/)",
            f"  {t.name} dashboard  {base}/t/{t.code}/dashboard/   "
            f"boards {base}/t/{t.code}/boards/   postings {base}/t/{t.code}/postings/",
            f"  {t.name} public     dividends {base}/t/{t.code}/dividends/   "
            f"dispute code {base}/t/{t.code}/mediation/   "
            f"selections {base}/t/{t.code}/selections/",
        ]
    people = ", ".join(f"{kind}@<slug>.demo ({role})" for kind, role, *_ in DEMO_PEOPLE)
    lines += [f"  Role logins        {people}; password {DEMO_ROLE_PASSWORD}"]
    lines += [f"  Health             {base}/health/ready", ""]
    print("\n".join(lines), flush=True)


def _wait_until_serving(port: str, seconds: float = 60) -> None:
    from urllib.request import urlopen

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/health/live", timeout=2):
                return
        except OSError:
            time.sleep(0.5)


def _wait(children: list[subprocess.Popen]) -> None:
    while True:
        for child in children:
            if child.poll() is not None:
                print(
                    f"{' '.join(child.args[1:4])} exited with {child.returncode}; stopping.",
                    flush=True,
                )
                return
        time.sleep(0.5)


def _stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()  # the main process; Celery stops its own pool
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)


def run_pytest(args: list[str], mode: str = "test") -> int:
    env = dict(os.environ, PLATFORM_MODE=mode)
    with database(env):
        return subprocess.call([PYTHON, "-m", "pytest", *args], cwd=ROOT, env=env)


def run_benchmarks(files: list[str]) -> int:
    """Run each benchmark script in its own process; they print their own figures."""
    files = files or sorted(str(p) for p in (ROOT / "tests" / "bench").glob("bench_*.py"))
    env = dict(os.environ, PLATFORM_MODE="test")
    failed = 0
    with database(env):
        for path in files:
            print(f"\n=== {path}", flush=True)
            failed += subprocess.call([PYTHON, path], cwd=ROOT, env=env) != 0
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "bench"}:
        print(__doc__)
        return 2
    if argv[0] == "demo":
        return demo()
    if argv[0] == "test":
        return run_pytest(argv[1:])
    return run_benchmarks(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
