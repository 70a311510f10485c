"""Covenant what-if: 12 months replayed under a proposal against one month's evaluation.

Run with ``make bench BENCH=tests/bench/bench_whatif.py``. It builds the township
of ``bench_evaluation`` (10,800 households, 120 approved entries each: about 1.3
million), then times, in the same process, one month's evaluation
(``finalise_month``, rolled back) and the what-if replay of the 12 months ending
with that month under a proposal that changes two rules' points, withdraws one
and caps a rule per year and a category per month. Target (issue 16, item 11):
the 12-month replay takes at most 3x one month's evaluation.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import bench_evaluation as evaluation  # noqa: E402
from tests.bench import harness  # noqa: E402

REPEATS = 3
PROPOSAL = (
    "code,title_zh,title_en,category,points,needs_review,active,cap_month,cap_year\n"
    "VO-03,获评最美,Most beautiful,volunteering,5,true,,,\n"
    "P7-07,违法犯罪行为,Offence,prohibition,-10,true,,,\n"
    "GS-02,垃圾分类月度示范户,Garbage model,garbage_sorting,5,true,false,,\n"
    "PS-03,举报安全隐患,Hazard reported,public_safety,5,true,,,15\n"
    "*,,,volunteering,,,,6,\n"
)


def timed_whatif(path: Path, first: dt.date, last: dt.date):
    from platform_core.actors import Actor
    from platform_core.evaluation.whatif import covenant_whatif

    started = time.perf_counter()
    result = covenant_whatif(path, first=first, last=last, by=Actor.cli())
    return time.perf_counter() - started, result


def main() -> None:
    harness.setup("whatif")
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from platform_core.actors import Actor
    from platform_core.scoring.imports import import_score_events
    from platform_core.scoring.models import ScoreEvent
    from platform_core.scoring.policy import month_end
    from platform_core.townships.services import onboard_township
    from tenants.models import Township

    onboard_township(code="990300002", name="推演镇", by=Actor.cli())
    # Evaluation without the posting period or response windows: the months are past.
    Township.objects.filter(code="990300002").update(posting_days=0, response_days=0)
    township = Township.objects.get(code="990300002")
    period = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    first = (period.replace(day=15) - dt.timedelta(days=31 * 11)).replace(day=1)
    with tenant_context(township), tempfile.TemporaryDirectory() as folder:
        codes = evaluation.make_households()
        ledger = Path(folder) / "ledger.csv"
        rows = evaluation.write_ledger_file(ledger, codes, month_end(period))
        print(f"Importing {rows:,} entries for {len(codes):,} households ...", flush=True)
        import_score_events(ledger, operator=Actor("bench"), approve=True)
        proposal = Path(folder) / "proposal.csv"
        proposal.write_text(PROPOSAL, encoding="utf-8")
        entries = ScoreEvent.objects.count()
        # Neither timing should share the machine with autovacuum after the bulk load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE scoring_scoreevent")
            cursor.execute("ANALYZE households_household")
        print(f"Evaluating {period:%Y-%m} and replaying {first:%Y-%m}..{period:%Y-%m} ...")
        evaluation.bare_aggregate()  # warm the cache for both
        # Alternated, so that a busy moment of the machine weighs on both alike.
        evaluations, replays = [], []
        for _ in range(REPEATS):
            evaluations.append(evaluation.timed_finalise(period, keep=False))
            replays.append(timed_whatif(proposal, first, period))
        one_month = min(evaluations)
        replay, result = min(replays, key=lambda pair: pair[0])
        one_replay, _single = timed_whatif(proposal, period, period)
    months = len(result.totals())
    ratio = replay / one_month
    last = result.totals()[-1]
    harness.report(
        {
            "households": f"{len(codes):,}",
            "ledger entries": f"{entries:,}",
            "one month's evaluation (finalise_month)": f"{one_month:.3f} s (best of {REPEATS})",
            f"what-if replay of {months} months": f"{replay:.3f} s (best of {REPEATS})",
            "what-if replay of 1 month": f"{one_replay:.3f} s",
            "ratio replay/evaluation": f"{ratio:.2f}x",
            "entries cut by the proposed caps": f"{result.entries_cut:,}",
            "household-months changing tier": f"{len(result.changes):,}",
            f"{last[0]:%Y-%m} green:blue:red": f"{last[2].green}:{last[2].blue}:{last[2].red}"
            f" -> {last[3].green}:{last[3].blue}:{last[3].red}",
            "target": "12-month replay <= 3x one month's evaluation: "
            + ("met" if ratio <= 3 else "NOT met"),
        }
    )


if __name__ == "__main__":
    main()
