"""Shared by the month-end benchmarks (bench_workers, bench_county): townships seeded
through the import service, real Celery processes, and a month undone between runs.

Not a benchmark itself (``make bench`` runs only ``bench_*.py``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import random
import subprocess
import sys
import time
from pathlib import Path

from tests.bench import harness

VILLAGES = 10
READY_SECONDS = 120


def make_households(households: int, villages: int = VILLAGES) -> list[str]:
    """``households`` households spread evenly over ``villages`` villages of the current
    township."""
    from platform_core.households.models import Grid, Household, Village

    codes = []
    per_village = [households // villages + (v < households % villages) for v in range(villages)]
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


def write_ledger_file(
    path: Path, codes: list[str], entries: int, period_end: dt.date, seed: int, days: int = 365
) -> int:
    """``entries`` approved entries per household over the ``days`` up to ``period_end``;
    streamed."""
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
            for n in range(entries):
                rule = rng.choice(negative) if rng.random() < 0.3 else rng.choice(positive)
                day = period_end - dt.timedelta(days=rng.randrange(days))
                writer.writerow(
                    [code, rule, day.isoformat(), f"bench-{code}-{n}", "", day.isoformat()]
                )
                rows += 1
    return rows


def seed(townships, period: dt.date, folder: Path, households: int, entries: int) -> int:
    """Households and an imported, approved ledger in every township; prints progress."""
    from django_tenants.utils import tenant_context

    from platform_core.actors import Actor
    from platform_core.scoring.imports import import_score_events
    from platform_core.scoring.policy import month_end

    total = 0
    started = time.perf_counter()
    step = max(1, len(townships) // 20)
    for i, township in enumerate(townships):
        with tenant_context(township):
            codes = make_households(households)
            path = folder / f"ledger-{township.code}.csv"
            rows = write_ledger_file(path, codes, entries, month_end(period), seed=20261127 + i)
            result = import_score_events(path, operator=Actor("bench"), approve=True)
            assert result.recorded == rows, result
            path.unlink()
        total += len(codes)
        if (i + 1) % step == 0 or i + 1 == len(townships):
            spent = time.perf_counter() - started
            left = spent / (i + 1) * (len(townships) - i - 1)
            print(
                f"  seeded {i + 1}/{len(townships)} townships "
                f"({spent:.0f} s, about {left:.0f} s left)",
                flush=True,
            )
    return total


def start_celery(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """``celery -A platform_core.celery <args>`` logging to ``log``, in its own session."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "platform_core.celery",
            *args,
            "--logfile",
            str(log),
        ],
        cwd=harness.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_ready(processes: list[tuple[subprocess.Popen, Path]]) -> None:
    """Until every worker's log says it is ready (SystemExit if one dies or is slow)."""
    end = time.monotonic() + READY_SECONDS
    for process, log in processes:
        while not (log.exists() and " ready." in log.read_text(errors="replace")):
            if process.poll() is not None:
                raise SystemExit(f"worker exited with {process.returncode}; see {log}")
            if time.monotonic() > end:
                raise SystemExit(f"worker not ready after {READY_SECONDS} s; see {log}")
            time.sleep(0.1)


def stop(processes: list[subprocess.Popen]) -> None:
    """Kill each process and, prefork pools, its children (by process id only)."""
    import psutil

    for process in processes:
        if process.poll() is not None:
            continue
        try:
            children = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        process.kill()
        process.wait(timeout=30)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        psutil.wait_procs(children, timeout=30)


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
