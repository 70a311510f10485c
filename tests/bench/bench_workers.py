"""Monthly evaluation through the real Celery worker: 1 worker process versus 2.

Run with ``make bench BENCH=tests/bench/bench_workers.py``. Onboards BENCH_TOWNSHIPS
(default 20) townships of BENCH_HOUSEHOLDS (default 2,000) households each, imports
BENCH_ENTRIES_PER_HOUSEHOLD (default 10) approved entries per household through the
import service, then for 1 and 2 solo worker processes sends ``evaluate_township_month``
for last month to every township and times until every round is finalised. Between
runs the month's evaluation rows are deleted and its rounds reopened, so both runs do
the same work. The broker is CELERY_BROKER_URL when set, else a filesystem broker in a
temporary folder. Prints households/s for each and the speed-up 2 workers / 1 worker.
Target: a speed-up above 1 on a machine with at least 2 cores.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import harness, monthend  # noqa: E402

TOWNSHIPS = int(os.environ.get("BENCH_TOWNSHIPS", "20"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "2000"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES_PER_HOUSEHOLD", "10"))
FIRST_CODE = 990400001
WORKER_COUNTS = (1, 2)
RUN_SECONDS = 1800


def start_workers(count: int, env: dict, logs: Path) -> list[subprocess.Popen]:
    processes = []
    for n in range(count):
        log = logs / f"worker-{count}-{n}.log"
        args = ["worker", "--pool", "solo", "--loglevel", "INFO", "--without-heartbeat"]
        args += ["--without-gossip", "--without-mingle", "-n", f"bench{count}-{n}@%h"]
        processes.append((monthend.start_celery(args, env, log), log))
    monthend.wait_ready(processes)
    return [process for process, _ in processes]


def timed_run(townships, period: dt.date, count: int, env: dict, logs: Path) -> float:
    from django_tenants.utils import tenant_context

    from platform_core import tasks

    workers = start_workers(count, env, logs)
    try:
        started = time.perf_counter()
        for township in townships:
            with tenant_context(township):
                tasks.evaluate_township_month.apply_async((period.isoformat(),))
        end = time.monotonic() + RUN_SECONDS
        left = list(townships)
        while left:
            if any(process.poll() is not None for process in workers):
                raise SystemExit(f"a worker died during the run; see the logs in {logs}")
            if time.monotonic() > end:
                raise SystemExit(f"{len(left)} townships not finalised after {RUN_SECONDS} s")
            time.sleep(0.1)
            left = monthend.unfinished(left, period)
        return time.perf_counter() - started
    finally:
        monthend.stop(workers)


def main() -> None:
    scratch = tempfile.TemporaryDirectory(prefix="bench-workers-")
    folder = Path(scratch.name)
    if not os.environ.get("CELERY_BROKER_URL", "").strip():
        # Settings put the filesystem broker under PLATFORM_DATA_DIR: a fresh, empty one.
        os.environ["PLATFORM_DATA_DIR"] = str(folder / "data")
    harness.setup("workers")  # sets DATABASE_URL to the benchmark database
    from django.utils import timezone

    from platform_core import tasks
    from platform_core.actors import Actor
    from platform_core.townships.services import onboard_township
    from tenants.models import Township

    env = dict(os.environ)
    env.pop(tasks.TEST_DELAY_ENV, None)
    period = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    print(
        f"Onboarding {TOWNSHIPS} townships of {HOUSEHOLDS:,} households, "
        f"{ENTRIES} entries each ...",
        flush=True,
    )
    codes = [str(FIRST_CODE + i) for i in range(TOWNSHIPS)]
    for code in codes:
        onboard_township(code=code, name=f"基准镇{code}", by=Actor.cli())
    # Finalising, not the public posting (公示), is measured: no posting period here.
    Township.objects.filter(code__in=codes).update(posting_days=0)
    townships = list(Township.objects.filter(code__in=codes).order_by("code"))
    households = monthend.seed(townships, period, folder, HOUSEHOLDS, ENTRIES)

    seconds = {}
    for count in WORKER_COUNTS:
        print(f"Evaluating {period:%Y-%m} with {count} worker(s) ...", flush=True)
        seconds[count] = timed_run(townships, period, count, env, folder)
        print(f"  {seconds[count]:.2f} s", flush=True)
        if count != WORKER_COUNTS[-1]:
            monthend.reopen_month(townships, period)
    assert not monthend.unfinished(townships, period)

    speed_up = seconds[1] / seconds[2]
    lines = {"households": f"{households:,} in {TOWNSHIPS} townships ({ENTRIES} entries each)"}
    for count in WORKER_COUNTS:
        rate = households / seconds[count]
        label = f"{count} worker{'s' if count > 1 else ''}"
        baseline = " (baseline)" if count == 1 else ""
        lines[label] = f"{seconds[count]:.2f} s, {rate:,.0f} households/s{baseline}"
    lines["speed-up 2 workers / 1 worker"] = f"{speed_up:.2f}x"
    lines["cores"] = str(os.cpu_count())
    lines["target"] = "speed-up > 1 on a 2-core machine: " + ("met" if speed_up > 1 else "NOT met")
    harness.report(lines)
    scratch.cleanup()


if __name__ == "__main__":
    main()
