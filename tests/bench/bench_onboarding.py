"""Onboarding speed: cloning the template schema versus replaying every migration.

Run with ``make bench BENCH=tests/bench/bench_onboarding.py`` (not part of
``make test``). Onboards BENCH_TOWNSHIPS (default 50) townships each way in the
same process, on a database of its own, and prints seconds per township and
the ratio. Target: clone under 1 s per township and at least 3x faster.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import harness  # noqa: E402

COUNT = int(os.environ.get("BENCH_TOWNSHIPS", "50"))


def onboard_many(method: str, first_code: int) -> float:
    from platform_core.actors import Actor
    from platform_core.townships.services import onboard_township

    started = time.perf_counter()
    for i in range(COUNT):
        code = str(first_code + i)
        onboard_township(
            code=code,
            name=f"基准镇{code}",
            schema_method=method,
            admin_email=f"admin{code}@bench.test",
            admin_password="bench-password",
            by=Actor.cli(),
        )
        if (i + 1) % 10 == 0 or i + 1 == COUNT:
            print(f"  {method}: {i + 1}/{COUNT} townships", flush=True)
    return (time.perf_counter() - started) / COUNT


def main() -> None:
    harness.setup("onboarding")
    print(f"Onboarding {COUNT} townships by template clone, then {COUNT} by migration")
    clone = onboard_many("clone", 990100000)
    migrate = onboard_many("migrate", 990200000)
    ratio = migrate / clone
    met = clone < 1.0 and ratio >= 3.0
    harness.report(
        {
            "clone onboarding": f"{clone:.3f} s per township",
            "migration onboarding": f"{migrate:.3f} s per township (baseline)",
            "ratio migrate/clone": f"{ratio:.1f}x",
            "target": f"clone < 1 s and >= 3x faster: {'met' if met else 'NOT met'}",
        }
    )


if __name__ == "__main__":
    main()
