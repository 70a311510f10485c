"""County month-end as production runs it: beat → dispatcher → tenant tasks on real workers.

Run with ``make bench BENCH=tests/bench/bench_county.py``. Onboards BENCH_TOWNSHIPS
(default 200) townships by template clone, each with BENCH_HOUSEHOLDS (default 1,000)
households and BENCH_ENTRIES_PER_HOUSEHOLD (default 120) approved entries each, imported
through the import service. The townships finalise without a public posting
(``posting_days=0``, ``response_days=0``, ``evaluation_day=1``) so last month's
evaluation is due and allowed today.

Then, for a worker of 1 and of 2 pool processes (``celery worker --concurrency N``, the
production prefork pool, prefetch and acks from settings), a real ``celery beat`` sends
the dispatcher once: beat runs with PLATFORM_DISPATCH_SECONDS=5 (production's 15-minute
slot would make the run wait up to 15 minutes) and is stopped as soon as the worker
received ``dispatch_due_work``, so the dispatcher is not sent again while the month runs. The
dispatcher fans ``evaluate_township_month`` out to every township; the run ends when
every round is final. Between runs the month is reopened, so both do the same work.

Prints the wall time for the county (from the moment beat sent the dispatcher: a
production beat is already running when the slot comes), households/s with 1 and 2
pool processes and the speed-up, the slowest township's task, the broker's queue
depth sampled every second (Redis LLEN of the queue when CELERY_BROKER_URL is set;
else files waiting in the filesystem broker's folder) and each worker process's peak
memory (VmHWM).
Targets: the county in under 10 minutes with 2 processes, and 2 processes >= 1.5x faster.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import harness, monthend  # noqa: E402

TOWNSHIPS = int(os.environ.get("BENCH_TOWNSHIPS", "200"))
HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "1000"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES_PER_HOUSEHOLD", "120"))
FIRST_CODE = 990500001
POOL_SIZES = (1, 2)
RUN_SECONDS = 3 * 3600
TARGET_SECONDS = 600
TARGET_SPEED_UP = 1.5
SENT = "Sending due task dispatch-due-work"
RECEIVED = "Task platform_core.dispatch_due_work["
# Beat's first dispatcher message comes this long after its start, the next as long
# after: time to see the first one received and stop beat before a second one.
DISPATCH_SECONDS = "5"
TASK_DONE = re.compile(
    r"Task (platform_core\.\w+)\[[^\]]+\] succeeded in ([0-9.]+)s: "
    r"(?:\{'township': '(\d+)')?"
)


class QueueSampler(threading.Thread):
    """Samples the broker's queue depth about once a second until stopped."""

    def __init__(self, queue: str) -> None:
        super().__init__(daemon=True)
        from django.conf import settings

        self.queue = queue
        self.samples: list[tuple[float, int]] = []
        self.halt = threading.Event()
        url = settings.CELERY_BROKER_URL
        if url.startswith("filesystem://"):
            self.folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
            self.redis = None
            self.what = f"files waiting in {self.folder} (filesystem broker)"
        else:
            import redis

            self.redis = redis.Redis.from_url(url)
            # kombu keeps priorities 1..9 in lists of their own next to the queue's.
            self.keys = [queue] + [f"{queue}\x06\x16{p}" for p in range(1, 10)]
            self.what = f"Redis LLEN of queue {queue!r} (priority lists included)"

    def depth(self) -> int:
        if self.redis is None:
            return sum(1 for name in os.listdir(self.folder) if name.endswith(f".{self.queue}.msg"))
        pipe = self.redis.pipeline()
        for key in self.keys:
            pipe.llen(key)
        return sum(pipe.execute())

    def run(self) -> None:
        started = time.perf_counter()
        while not self.halt.is_set():
            self.samples.append((time.perf_counter() - started, self.depth()))
            self.halt.wait(1.0)

    def timeline(self, points: int = 16) -> str:
        step = max(1, len(self.samples) // points)
        shown = self.samples[::step]
        if self.samples and shown[-1] is not self.samples[-1]:
            shown.append(self.samples[-1])
        peak = max((d for _, d in self.samples), default=0)
        return " ".join(f"{t:.0f}s:{d}" for t, d in shown) + f" (max {peak})"


def peak_memory(pid: int) -> list[tuple[int, int]]:
    """(pid, VmHWM in KiB) of a process and its children, read from /proc."""
    import psutil

    peaks = []
    try:
        family = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return peaks
    for process in family:
        try:
            status = Path(f"/proc/{process.pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        if match:
            peaks.append((process.pid, int(match.group(1))))
    return peaks


def task_times(log: Path) -> tuple[dict[str, float], float]:
    """Seconds per township's evaluation task, and the dispatcher's, from a worker log."""
    evaluations, dispatch = {}, 0.0
    for name, seconds, code in TASK_DONE.findall(log.read_text(errors="replace")):
        if name.endswith("evaluate_township_month") and code:
            evaluations[code] = max(evaluations.get(code, 0.0), float(seconds))
        elif name.endswith("dispatch_due_work"):
            dispatch += float(seconds)
    return evaluations, dispatch


def month_end(townships, period: dt.date, pool: int, env: dict, folder: Path) -> dict:
    """One county month-end with a worker of ``pool`` processes; its figures."""
    from django.conf import settings

    log = folder / f"worker-{pool}.log"
    beat_log = folder / f"beat-{pool}.log"
    args = ["worker", "--loglevel", "INFO", "--concurrency", str(pool), "-n", f"county{pool}@%h"]
    # Heartbeats, gossip and mingle are broadcast chatter among workers, not task work;
    # the filesystem broker has no broadcast.
    args += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    worker = monthend.start_celery(args, env, log)
    beat = None
    sampler = QueueSampler(settings.CELERY_TASK_DEFAULT_QUEUE)
    try:
        monthend.wait_ready([(worker, log)])
        sampler.start()
        started = time.perf_counter()
        beat_args = ["beat", "--loglevel", "INFO", "-s", str(folder / f"beat-{pool}")]
        beat = monthend.start_celery(
            beat_args, {**env, "PLATFORM_DISPATCH_SECONDS": DISPATCH_SECONDS}, beat_log
        )
        while not (beat_log.exists() and SENT in beat_log.read_text(errors="replace")):
            if beat.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit(f"beat did not send the dispatcher; see {beat_log}")
            time.sleep(0.05)
        sent = time.perf_counter()
        sent_after = sent - started
        # Beat logs before it publishes: stopped only once the worker has the message.
        while RECEIVED not in log.read_text(errors="replace"):
            if time.perf_counter() - sent > 60:
                raise SystemExit(f"the worker did not receive the dispatcher; see {log}")
            time.sleep(0.05)
        monthend.stop([beat])
        if beat_log.read_text(errors="replace").count(SENT) != 1:
            raise SystemExit(f"beat sent the dispatcher more than once; see {beat_log}")
        left = list(townships)
        reported = 0
        while left:
            if worker.poll() is not None:
                raise SystemExit(f"the worker died during the run; see {log}")
            spent = time.perf_counter() - started
            if spent > RUN_SECONDS:
                raise SystemExit(f"{len(left)} townships not finalised after {RUN_SECONDS} s")
            if "refused" in log.read_text(errors="replace"):
                raise SystemExit(f"an evaluation was refused; see {log}")
            if spent - reported >= 30:
                reported = spent
                done = len(townships) - len(left)
                print(f"  {spent:.0f} s: {done}/{len(townships)} townships final", flush=True)
            time.sleep(0.5)
            left = monthend.unfinished(left, period)
        # From beat's message on: in production beat is already running when the slot comes.
        seconds = time.perf_counter() - sent
        memory = peak_memory(worker.pid)
    finally:
        sampler.halt.set()
        monthend.stop([p for p in (beat, worker) if p is not None])
    sampler.join()
    evaluations, dispatch = task_times(log)
    return {
        "seconds": seconds,
        "sent_after": sent_after,
        "dispatch": dispatch,
        "evaluations": evaluations,
        "memory": memory,
        "main_pid": worker.pid,
        "sampler": sampler,
    }


def main() -> None:
    scratch = tempfile.TemporaryDirectory(prefix="bench-county-")
    folder = Path(scratch.name)
    broker = "Redis" if os.environ.get("CELERY_BROKER_URL", "").strip() else None
    if not broker:
        # Settings put the filesystem broker under PLATFORM_DATA_DIR: a fresh, empty one.
        os.environ["PLATFORM_DATA_DIR"] = str(folder / "data")
    # A queue of this run's own: the Redis database may be shared with other runs.
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-county-{os.getpid()}"
    free_before = shutil.disk_usage("/").free
    print(f"Disk free: {free_before / 2**30:.1f} GiB", flush=True)
    harness.setup("county")  # sets DATABASE_URL to the benchmark database
    from django.conf import settings
    from django.utils import timezone

    from platform_core import tasks
    from platform_core.actors import Actor
    from platform_core.townships.services import onboard_township
    from tenants.models import Township

    broker = broker or "filesystem (CELERY_BROKER_URL unset: queue depth = files waiting)"
    env = dict(os.environ)
    env.pop(tasks.TEST_DELAY_ENV, None)
    period = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    setup_started = time.perf_counter()
    print(f"Onboarding {TOWNSHIPS} townships (template clone) ...", flush=True)
    codes = [str(FIRST_CODE + i) for i in range(TOWNSHIPS)]
    step = max(1, TOWNSHIPS // 10)
    for i, code in enumerate(codes):
        onboard_township(code=code, name=f"基准镇{code}", by=Actor.cli())
        if (i + 1) % step == 0 or i + 1 == TOWNSHIPS:
            print(f"  onboarded {i + 1}/{TOWNSHIPS}", flush=True)
    onboarded = time.perf_counter() - setup_started
    # Finalising is measured, not the public posting (公示) nor the response window:
    # last month is due (evaluation day 1) and may be finalised at once.
    Township.objects.filter(code__in=codes).update(
        posting_days=0, response_days=0, evaluation_day=1
    )
    townships = list(Township.objects.filter(code__in=codes).order_by("code"))
    print(
        f"Seeding {HOUSEHOLDS:,} households and {ENTRIES} entries each per township "
        "(import service) ...",
        flush=True,
    )
    households = monthend.seed(townships, period, folder, HOUSEHOLDS, ENTRIES)
    setup = time.perf_counter() - setup_started
    free_after = shutil.disk_usage("/").free
    print(
        f"Setup {setup:.0f} s; disk free {free_after / 2**30:.1f} GiB "
        f"({(free_before - free_after) / 2**30:.1f} GiB used)",
        flush=True,
    )

    runs = {}
    for pool in POOL_SIZES:
        print(f"Month-end {period:%Y-%m} with {pool} worker process(es) ...", flush=True)
        runs[pool] = month_end(townships, period, pool, env, folder)
        print(f"  {runs[pool]['seconds']:.1f} s", flush=True)
        if pool != POOL_SIZES[-1]:
            monthend.reopen_month(townships, period)
    assert not monthend.unfinished(townships, period)

    rates = {pool: households / run["seconds"] for pool, run in runs.items()}
    speed_up = rates[2] / rates[1]
    county = runs[2]["seconds"]
    lines = {
        "county": f"{TOWNSHIPS} townships, {households:,} households, "
        f"{households * ENTRIES:,} ledger entries",
        "setup": f"{setup:.0f} s ({onboarded:.0f} s onboarding by clone, the rest seeding)",
        "broker": broker if broker != "Redis" else f"Redis {settings.CELERY_BROKER_URL}",
        "beat": f"real celery beat, PLATFORM_DISPATCH_SECONDS={DISPATCH_SECONDS}, stopped once "
        "the worker received its first dispatch-due-work",
        "worker": "celery worker --concurrency N (prefork), prefetch multiplier "
        f"{settings.CELERY_WORKER_PREFETCH_MULTIPLIER}, acks late {settings.CELERY_TASK_ACKS_LATE}",
    }
    for pool, run in runs.items():
        label = f"{pool} process{'es' if pool > 1 else ''}"
        baseline = " (baseline)" if pool == 1 else ""
        lines[f"{label}: wall time"] = (
            f"{run['seconds']:.1f} s from beat's dispatcher message until all {TOWNSHIPS} are "
            f"final, {rates[pool]:,.0f} households/s{baseline} (dispatcher task "
            f"{run['dispatch']:.1f} s; beat's own start-up, not counted, {run['sent_after']:.1f} s)"
        )
        evaluations = run["evaluations"]
        if evaluations:
            code, slowest = max(evaluations.items(), key=lambda item: item[1])
            median = statistics.median(evaluations.values())
            lines[f"{label}: slowest township"] = (
                f"{code} {slowest:.2f} s (task); median {median:.2f} s "
                f"over {len(evaluations)} tasks"
            )
        lines[f"{label}: queue depth"] = run["sampler"].timeline()
        lines[f"{label}: peak memory"] = ", ".join(
            f"{'main' if pid == run['main_pid'] else 'pool'} {pid} {kib / 1024:.0f} MB"
            for pid, kib in run["memory"]
        )
    lines["queue depth is"] = runs[1]["sampler"].what
    lines["peak memory is"] = "VmHWM of /proc/<pid>/status, worker and its pool processes"
    lines["speed-up 2 / 1 processes"] = f"{speed_up:.2f}x (households/s, same process)"
    lines["cores"] = f"{os.cpu_count()} (load {os.getloadavg()[0]:.2f} at the end)"
    lines["target county < 10 min"] = f"{county:.0f} s with 2 processes: " + (
        "met" if county < TARGET_SECONDS else "NOT met"
    )
    lines["target speed-up >= 1.5x"] = "met" if speed_up >= TARGET_SPEED_UP else "NOT met"
    harness.report(lines)
    scratch.cleanup()


if __name__ == "__main__":
    main()
