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

import csv
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import harness  # noqa: E402

TOWNSHIPS = int(os.environ.get("BENCH_TOWNSHIPS", "20"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "2000"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES_PER_HOUSEHOLD", "10"))
VILLAGES = 10
FIRST_CODE = 990400001
WORKER_COUNTS = (1, 2)
READY_SECONDS = 120
RUN_SECONDS = 1800


def make_households(township_code: str) -> list[str]:
    from platform_core.households.models import Grid, Household, Village

    codes = []
    per_village = [HOUSEHOLDS // VILLAGES + (v < HOUSEHOLDS % VILLAGES) for v in range(VILLAGES)]
    for v, size in enumerate(per_village):
        if not size:
            continue
        village = Village.objects.create(code=f"V{v + 1:02d}", name=f"基准村{v + 1}")
        grid = Grid.objects.create(village=village, name="第1网格")
        batch = [
            Household(
                code=f"{village.code}-{n + 1:04d}", village=village, grid=grid, head_name=f"户主{n}"
            )
            for n in range(size)
        ]
        Household.objects.bulk_create(batch)
        codes += [h.code for h in batch]
    return codes


def write_ledger_file(path: Path, codes: list[str], period_end: dt.date, seed: int) -> int:
    """ENTRIES approved entries per household over the year up to ``period_end``."""
    from platform_core.scoring.covenant import DEFAULT_COVENANT, NEEDS_FINDING

    rng = random.Random(seed)
    positive = [rule[0] for rule in DEFAULT_COVENANT if rule[4] > 0]
    # Petition deductions need a formal finding each (docs/scoring.md): not in this ledger.
    negative = [
        rule[0] for rule in DEFAULT_COVENANT if rule[4] < 0 and rule[0] not in NEEDS_FINDING
    ]
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        # Each entry carries the day its household was told, as a migrated history does.
        writer.writerow(
            ["household_code", "rule_code", "occurred_on", "external_id", "note", "notified_on"]
        )
        for code in codes:
            for n in range(ENTRIES):
                rule = rng.choice(negative) if rng.random() < 0.3 else rng.choice(positive)
                day = period_end - dt.timedelta(days=rng.randrange(365))
                writer.writerow(
                    [code, rule, day.isoformat(), f"bench-{code}-{n}", "", day.isoformat()]
                )
                rows += 1
    return rows


def seed(townships, period: dt.date, folder: Path) -> int:
    from django_tenants.utils import tenant_context

    from platform_core.actors import Actor
    from platform_core.scoring.imports import import_score_events
    from platform_core.scoring.policy import month_end

    households = 0
    for i, township in enumerate(townships):
        with tenant_context(township):
            codes = make_households(township.code)
            path = folder / f"ledger-{township.code}.csv"
            rows = write_ledger_file(path, codes, month_end(period), seed=20261127 + i)
            result = import_score_events(path, operator=Actor("bench"), approve=True)
            assert result.recorded == rows, result
            path.unlink()
        households += len(codes)
        print(f"  seeded {i + 1}/{len(townships)} townships", flush=True)
    return households


def start_workers(count: int, env: dict, logs: Path) -> list[subprocess.Popen]:
    processes = []
    for n in range(count):
        log = logs / f"worker-{count}-{n}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "platform_core.celery",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"bench{count}-{n}@%h",
                "--logfile",
                str(log),
            ],
            cwd=harness.ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append((process, log))
    end = time.monotonic() + READY_SECONDS
    for process, log in processes:
        while not (log.exists() and " ready." in log.read_text(errors="replace")):
            if process.poll() is not None:
                raise SystemExit(f"worker exited with {process.returncode}; see {log}")
            if time.monotonic() > end:
                raise SystemExit(f"worker not ready after {READY_SECONDS} s; see {log}")
            time.sleep(0.1)
    return [process for process, _ in processes]


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def unfinished(townships, period: dt.date) -> list:
    """Townships with a village whose round for ``period`` is not final (one query)."""
    from django.db import connection

    from platform_core.evaluation.models import EvaluationRound

    final = EvaluationRound.Status.FINALISED
    parts = [
        f'SELECT %s, (SELECT count(*) FROM "{t.schema_name}".households_village) - '
        f'(SELECT count(*) FROM "{t.schema_name}".evaluation_evaluationround '
        "WHERE period = %s AND status = %s)"
        for t in townships
    ]
    params = [value for t in townships for value in (t.code, period, final)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        left = {code for code, missing in cursor.fetchall() if missing}
    return [t for t in townships if t.code in left]


def reopen_month(townships, period: dt.date) -> None:
    """Undo the month's evaluation so the next run does the same work."""
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from platform_core.evaluation.models import (
        EvaluationRound,
        HouseholdSnapshot,
        TierChange,
        VillageSnapshot,
    )

    for township in townships:
        with tenant_context(township), transaction.atomic():
            TierChange.objects.filter(period=period).delete()
            HouseholdSnapshot.objects.filter(period=period).delete()
            VillageSnapshot.objects.filter(period=period).delete()
            EvaluationRound.objects.filter(period=period).update(
                status=EvaluationRound.Status.OPEN, finalised_at=None, finalised_by_label=""
            )


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
            left = unfinished(left, period)
        return time.perf_counter() - started
    finally:
        stop_workers(workers)


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
    households = seed(townships, period, folder)

    seconds = {}
    for count in WORKER_COUNTS:
        print(f"Evaluating {period:%Y-%m} with {count} worker(s) ...", flush=True)
        seconds[count] = timed_run(townships, period, count, env, folder)
        print(f"  {seconds[count]:.2f} s", flush=True)
        if count != WORKER_COUNTS[-1]:
            reopen_month(townships, period)
    assert not unfinished(townships, period)

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
