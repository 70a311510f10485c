"""Cost of plugins on the monthly evaluation: every built-in plugin enabled versus none.

Run with ``make bench BENCH=tests/bench/bench_plugins.py``. Builds the evaluation
benchmark's township (10,800 households, 120 approved entries each, imported
through the import service), then finalises last month with no plugin enabled
and with every built-in plugin enabled, alternating, in the same process, each
timed as the best of three rolled-back runs (tables vacuumed before each) that
include the plugins' reactions to the finalised month (sent inside the timed
transaction). Target: ratio <= 1.2x.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import bench_evaluation as base  # noqa: E402
from tests.bench import harness  # noqa: E402

REPEATS = 3


class Rollback(Exception):
    pass


def timed_month(period: dt.date) -> float:
    from django.db import transaction

    from platform_core.actors import Actor
    from platform_core.evaluation.models import EvaluationRound
    from platform_core.evaluation.services import finalise_month
    from platform_core.evaluation.signals import month_finalised

    started = time.perf_counter()
    try:
        with transaction.atomic():
            finalise_month(period, by=Actor("bench"))
            villages = list(
                EvaluationRound.objects.filter(period=period).values_list("village_id", flat=True)
            )
            month_finalised.send(sender=EvaluationRound, period=period, village_ids=villages)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return elapsed


def clean_then_time(period: dt.date) -> float:
    """Vacuum what the rolled-back runs left behind, so every run starts alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "evaluation_householdsnapshot",
            "evaluation_tierchange",
            "evaluation_villagesnapshot",
            "evaluation_evaluationround",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return timed_month(period)


def main() -> None:
    harness.setup("plugins")
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from platform_core.actors import Actor
    from platform_core.plugins.manager import hooks_for, registry
    from platform_core.plugins.services import disable_plugin, enable_plugins
    from platform_core.scoring.imports import import_score_events
    from platform_core.scoring.policy import month_end
    from platform_core.townships.services import onboard_township
    from tenants.models import Township

    onboard_township(code="990300003", name="插件基准镇", plugins=[], by=Actor.cli())
    # Finalising, not the public posting (公示), is measured: no posting period here.
    Township.objects.filter(code="990300003").update(posting_days=0)
    township = Township.objects.get(code="990300003")
    period = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    builtin = sorted(
        key for key, p in registry().plugins.items() if p.plugin.__name__.startswith("plugins.")
    )
    with tenant_context(township), tempfile.TemporaryDirectory() as folder:
        codes = base.make_households()
        path = Path(folder) / "ledger.csv"
        rows = base.write_ledger_file(path, codes, month_end(period))
        print(f"Importing {rows:,} entries ...", flush=True)
        import_score_events(path, operator=Actor("bench"), approve=True)
        print(
            f"Finalising {period:%Y-%m}, {REPEATS} times each, alternating: no plugins / "
            f"{', '.join(builtin)} enabled",
            flush=True,
        )
        timed_month(period)  # warm up
        without, with_plugins = [], []
        for _ in range(REPEATS):
            for key in builtin:
                if key in hooks_for(township).enabled:
                    disable_plugin(township, key)
            without.append(clean_then_time(period))
            enable_plugins(township, {key: None for key in builtin})
            with_plugins.append(clean_then_time(period))
        without, with_plugins = min(without), min(with_plugins)
    ratio = with_plugins / without
    harness.report(
        {
            "households / entries": f"{len(codes):,} / {rows:,}",
            "finalise, no plugins": f"{without:.3f} s (baseline, best of {REPEATS})",
            f"finalise, {len(builtin)} built-in plugins": f"{with_plugins:.3f} s "
            f"(best of {REPEATS})",
            "ratio with/without": f"{ratio:.2f}x",
            "target": f"<= 1.2x: {'met' if ratio <= 1.2 else 'NOT met'}",
        }
    )


if __name__ == "__main__":
    main()
