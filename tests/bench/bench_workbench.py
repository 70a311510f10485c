"""Workbench page latency at the size of Hongqiao, next to the equivalent API queries.

Run with ``make bench BENCH=tests/bench/bench_workbench.py``. Builds the API
benchmark's township (10,800 households, BENCH_ENTRIES_PER_HOUSEHOLD approved
entries each, six finalised months), adds BENCH_PENDING (default 2,000) entries
awaiting review this month, recorded by grid workers through the ledger service,
and signs in a council member. Through Django's test client (the whole middleware
stack: session, CSRF, CSP, routing) it times BENCH_API_REQUESTS (default 200)
requests of each page after a warm-up — the review queue (pages of 25 at varying
offsets), the household search (a name fragment; pages of 25) and a household's
page — and the equivalent GraphQL query of each with the same person's API token
(``entries(status: "proposed")``, ``households(search:)``, ``household(code:)``
with explanation and ledger). It prints p50/p95 server time, SQL statements per
request at page sizes 10 and 100 (they must be equal), and the ratio of each page's
p50 to its API query's p50. Targets: p95 under 150 ms, a constant number of
statements whatever the page size, at most 1.5x the API (printed, not asserted:
other load on the machine moves p95).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import bench_api as api  # noqa: E402
from tests.bench import harness  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", "200"))
PENDING = int(os.environ.get("BENCH_PENDING", "2000"))
WARM_UP = 20
PAGE = 25
P95_TARGET_MS, RATIO_TARGET = 150.0, 1.5
COUNCIL = "council@workbench-bench.test"

REVIEW_QUERY = """
query Review($first: Int!, $after: String) {
  entries(status: "proposed", first: $first, after: $after) {
    totalCount
    edges { node { id householdCode rule { code } points occurredOn
                   evidence note recordedByLabel } }
  }
}
"""

SEARCH_QUERY = """
query Search($search: String!, $first: Int!) {
  households(search: $search, first: $first) {
    totalCount
    edges { node { code headName village { name } } }
  }
}
"""


def add_pending(township, codes: list[str]) -> None:
    """PENDING proposed entries this month, by one grid worker per village."""
    from django.utils import timezone
    from django_tenants.utils import schema_context, tenant_context

    from platform_core.accounts.models import Role
    from platform_core.accounts.services import grant_role
    from platform_core.actors import Actor
    from platform_core.scoring.models import Rule, RuleSubjects
    from platform_core.scoring.services import record_entry

    rng = random.Random(20261204)
    chosen = rng.sample(codes, min(PENDING, len(codes)))
    workers = {}
    with schema_context("public"):
        from django.contrib.auth import get_user_model

        for village in sorted({c.split("-")[0] for c in chosen}):
            email = f"grid-{village.lower()}@workbench-bench.test"
            user = get_user_model().objects.create_user(username=email, email=email)
            grant_role(user, township, Role.GRID_WORKER, village)
            workers[village] = Actor.of(user)
    today = timezone.localdate()
    started = time.perf_counter()
    with tenant_context(township):
        from platform_core.households.models import Household

        households = Household.objects.in_bulk(chosen, field_name="code")
        rules = list(
            Rule.objects.filter(active=True, points__gt=0, applies_to=RuleSubjects.HOUSEHOLDS)
        )
        for n, code in enumerate(chosen):
            record_entry(
                household=households[code],
                rule=rules[n % len(rules)],
                occurred_on=today.replace(day=1) + dt.timedelta(days=n % today.day),
                recorder=workers[code.split("-")[0]],
                source="bench",
                evidence=f"seen on the round, sheet {n}",
                review=True,
            )
    print(f"  {len(chosen):,} entries awaiting review ({time.perf_counter() - started:.1f} s)")


def council(township):
    """A council member of the whole township: a signed-in client and an API token."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_tenants.utils import schema_context

    from platform_core.accounts.models import Role
    from platform_core.accounts.services import grant_role, issue_token
    from platform_core.actors import Actor

    with schema_context("public"):
        user = get_user_model().objects.create_user(username=COUNCIL, email=COUNCIL)
        grant_role(user, township, Role.COUNCIL_MEMBER)
        _, token = issue_token(user, township, Role.COUNCIL_MEMBER, label="bench", by=Actor.cli())
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client, token


def page_get(client, url: str) -> int:
    reply = client.get(url)
    if reply.status_code != 200:
        raise SystemExit(f"{url} answered {reply.status_code}")
    return len(reply.content)


def timed_pages(client, urls: list[str]) -> list[float]:
    for url in urls[:WARM_UP]:
        page_get(client, url)
    times = []
    for url in urls[WARM_UP:]:
        started = time.perf_counter()
        page_get(client, url)
        times.append((time.perf_counter() - started) * 1000)
    return times


def statements(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        page_get(client, url)
    return len(queries)


def main() -> None:
    harness.setup("workbench")
    logging.getLogger("django.request").setLevel(logging.ERROR)
    township, codes, rows, _admin_token = api.build_township()
    add_pending(township, codes)
    client, token = council(township)
    gql = api.ClientPath(f"/t/{township.code}/graphql/", token)
    base = f"/t/{township.code}/work"
    rng = random.Random(7)
    total = WARM_UP + REQUESTS
    pending_pages = max(1, PENDING // PAGE)
    review_pages = [rng.randrange(1, pending_pages + 1) for _ in range(total)]
    names = [f"户主{rng.randrange(0, 600)}" for _ in range(total)]
    homes = [rng.choice(codes) for _ in range(total)]
    from graphql_relay import offset_to_cursor

    cases = [
        (
            "review queue (25)",
            [f"{base}/review/?page={n}" for n in review_pages],
            f"{base}/review/?size=10",
            f"{base}/review/?size=100",
            api.ClientPath.post,
            REVIEW_QUERY,
            [
                {"first": PAGE, "after": offset_to_cursor((n - 1) * PAGE - 1) if n > 1 else None}
                for n in review_pages
            ],
        ),
        (
            "household search (25)",
            [f"{base}/households/?q={name}" for name in names],
            f"{base}/households/?q=户主1&size=10",
            f"{base}/households/?q=户主1&size=100",
            api.ClientPath.post,
            SEARCH_QUERY,
            [{"search": name, "first": PAGE} for name in names],
        ),
        (
            "household page",
            [f"{base}/households/{code}/" for code in homes],
            None,
            None,
            api.ClientPath.post,
            api.DETAIL_QUERY,
            [{"code": code} for code in homes],
        ),
    ]
    print(f"Timing {REQUESTS} requests per page and per API query (after {WARM_UP}) ...")
    load_before = os.getloadavg()[0]
    lines = []
    verdicts = []
    for name, urls, small, large, _post, query, variables in cases:
        page_times = timed_pages(client, urls)
        api_times = api.timed(gql, query, variables, name)
        counts = (
            f"{statements(client, small)} / {statements(client, large)}"
            if small
            else str(statements(client, urls[0]))
        )
        p50, p95 = statistics.median(page_times), api.p(page_times, 95)
        ratio = p50 / statistics.median(api_times)
        lines.append(
            (name, p50, p95, statistics.median(api_times), api.p(api_times, 95), ratio, counts)
        )
        constant = not small or counts.split(" / ")[0] == counts.split(" / ")[1]
        verdicts.append(p95 < P95_TARGET_MS and ratio <= RATIO_TARGET and constant)
    header = ("page", "p50 ms", "p95 ms", "API p50", "API p95", "page/API", "SQL (10 / 100)")
    widths = [24, 8, 8, 8, 8, 9, 15]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for name, p50, p95, a50, a95, ratio, counts in lines:
        cells = (
            name,
            f"{p50:.1f}",
            f"{p95:.1f}",
            f"{a50:.1f}",
            f"{a95:.1f}",
            f"{ratio:.2f}x",
            counts,
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)), flush=True)
    print()
    harness.report(
        {
            "households / entries": f"{len(codes):,} / {rows:,}; {PENDING:,} awaiting review",
            "load average (1 min)": f"{load_before:.2f} before timing, "
            f"{os.getloadavg()[0]:.2f} after, on {os.cpu_count()} CPUs",
            "targets": f"p95 < {P95_TARGET_MS:.0f} ms, page/API <= {RATIO_TARGET}x, the same "
            "statements at page sizes 10 and 100: "
            + ", ".join(
                f"{line[0]} {'met' if ok else 'NOT met'}"
                for line, ok in zip(lines, verdicts, strict=True)
            ),
        }
    )


if __name__ == "__main__":
    main()
