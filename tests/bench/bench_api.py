"""Township GraphQL API latency at the size of Hongqiao (10,800 households).

Run with ``make bench BENCH=tests/bench/bench_api.py``. Builds the evaluation
benchmark's township (10,800 households, BENCH_ENTRIES_PER_HOUSEHOLD approved
entries each, default 120, imported through the import service), finalises the
six months before this one so tiers, scores and histories are real, and issues
a township administrator's API token. Then, through Django's test client and
through a real HTTP server (Django's threaded WSGI server on 127.0.0.1, one
keep-alive connection), it times BENCH_API_REQUESTS (default 200) household list
queries (a page of 50: half of them one village, half the whole township, at
varying cursors) and as many household detail queries (explanation, history,
the first 20 ledger entries), after a warm-up, and counts SQL statements per
request (django-tenants' ``SET search_path`` before each query included; the
count must not change between requests). The same run times a bare SQL fetch of
each query's rows, one statement each on a raw cursor: the list page (the 50
households, their latest snapshot and last 3 entries; without the total count)
and the detail (household, latest snapshot, the explanation's points per rule
and deductions, history, the first 21 ledger entries with their rules). It also
times the floor: the same signed-in request asking ``{ __typename }`` (no data), in
the same units as the ratios.

Targets (issue 18; printed with "met"/"NOT met" per path and query, never
asserted: other load on the machine moves p95): p50 at most 3x the bare SQL
p50 of the same query, p95 under 40 ms.

Verbose mode, BENCH_API_PROFILE=1: also prints where the test-client path spends
its time (cProfile, per phase) and the top functions by own time, for both queries.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import http.client
import io
import json
import logging
import os
import pstats
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench import bench_evaluation as base  # noqa: E402
from tests.bench import harness  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", "200"))
WARM_UP = 20
COUNTED = 20  # requests of each kind run again under CaptureQueriesContext
MONTHS = 6  # finalised months before this one
PAGE = 50
CODE = "990300004"
ADMIN = ("admin@api-bench.test", "bench-password")
RATIO_TARGET = 3.0  # p50 at most this many times the bare SQL p50 of the same query
P95_TARGET_MS = 40.0

LIST_QUERY = """
query HouseholdPage($first: Int!, $after: String, $village: String) {
  households(first: $first, after: $after, village: $village) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        code
        maskedName
        tier
        score
        evaluatedMonth
        latestEntries(limit: 3) { rule { code } points occurredOn }
        village { name }
      }
    }
  }
}
"""

# The least a signed-in request costs on this stack (HTTP, middleware, the token's
# sign-in, graphene, JSON) and no data: the floor under both queries' ratios.
FLOOR_QUERY = "query Floor { __typename }"

DETAIL_QUERY = """
query HouseholdDetail($code: String!) {
  household(code: $code) {
    code
    headName
    tier
    score
    village { code name }
    explanation {
      asOf
      windowStart
      base
      score
      tier
      deductions
      index
      lines { ruleCode titleZh points entries }
    }
    history { month tier score change deductions index }
    ledger(first: 20) {
      pageInfo { hasNextPage endCursor }
      edges { node { id rule { code titleZh } points occurredOn status source evidence } }
    }
  }
}
"""

# The list page's rows in one statement: households, latest snapshot, last 3 entries.
BARE_LIST_SQL = """
SELECT h.code, h.head_name, v.name, s.tier, s.score, s.period, e.code, e.points, e.occurred_on
FROM (
    SELECT hh.id, hh.code, hh.head_name, hh.village_id
    FROM households_household hh
    JOIN households_village vv ON vv.id = hh.village_id
    WHERE %(village)s::text IS NULL OR vv.code = %(village)s::text
    ORDER BY hh.code
    LIMIT %(limit)s OFFSET %(offset)s
) h
JOIN households_village v ON v.id = h.village_id
LEFT JOIN LATERAL (
    SELECT tier, score, period FROM evaluation_householdsnapshot
    WHERE household_id = h.id ORDER BY period DESC LIMIT 1
) s ON TRUE
LEFT JOIN LATERAL (
    SELECT r.code, se.points, se.occurred_on, se.id
    FROM scoring_scoreevent se JOIN scoring_rule r ON r.id = se.rule_id
    WHERE se.household_id = h.id
    ORDER BY se.occurred_on DESC, se.id DESC LIMIT 3
) e ON TRUE
ORDER BY h.code, e.occurred_on DESC, e.id DESC
"""

# The detail's rows in one statement: the household with its latest snapshot and its
# deductions, the explanation's points per rule, the history, the ledger's first 21.
BARE_DETAIL_SQL = """
SELECT h.code, h.head_name, v.code, v.name, s.tier, s.score,
    (SELECT count(*) FROM scoring_scoreevent d
     WHERE d.household_id = h.id AND d.status = 'approved' AND d.kind = 'normal'
       AND d.occurred_on <= %(as_of)s AND (d.counts_from IS NULL OR d.counts_from <= %(as_of)s)
       AND d.occurred_on >= %(rolling)s AND COALESCE(d.effect, d.points) < 0),
    (SELECT json_agg(l ORDER BY l.code) FROM (
        SELECT r.code, r.title_zh, r.title_en, r.basis,
               SUM(COALESCE(e.effect, e.points)) AS points, count(*) AS entries
        FROM scoring_scoreevent e JOIN scoring_rule r ON r.id = e.rule_id
        WHERE e.household_id = h.id AND e.status IN ('approved', 'reversed', 'repaired')
          AND e.occurred_on <= %(as_of)s
          AND (e.counts_from IS NULL OR e.counts_from <= %(as_of)s)
          AND (%(window)s::date IS NULL OR e.occurred_on >= %(window)s::date)
        GROUP BY r.code, r.title_zh, r.title_en, r.basis) l),
    (SELECT json_agg(x ORDER BY x.period DESC) FROM (
        SELECT period, tier, score, change, deductions, index
        FROM evaluation_householdsnapshot WHERE household_id = h.id) x),
    (SELECT json_agg(x ORDER BY x.occurred_on DESC, x.id DESC) FROM (
        SELECT e.id, r.code, r.title_zh, e.points, e.occurred_on, e.status, e.source, e.evidence
        FROM scoring_scoreevent e JOIN scoring_rule r ON r.id = e.rule_id
        WHERE e.household_id = h.id ORDER BY e.occurred_on DESC, e.id DESC LIMIT 21) x)
FROM households_household h
JOIN households_village v ON v.id = h.village_id
LEFT JOIN LATERAL (
    SELECT tier, score FROM evaluation_householdsnapshot
    WHERE household_id = h.id ORDER BY period DESC LIMIT 1
) s ON TRUE
WHERE h.code = %(code)s
"""


# --- the township -----------------------------------------------------------------


def build_township():
    """Onboard, import the ledger, finalise MONTHS months; (township, codes, token)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tenants.utils import schema_context, tenant_context

    from platform_core.accounts.models import Role
    from platform_core.accounts.services import issue_token
    from platform_core.actors import Actor
    from platform_core.evaluation.services import finalise_month
    from platform_core.scoring.imports import import_score_events
    from platform_core.scoring.policy import month_end
    from platform_core.townships.services import onboard_township
    from tenants.models import Township

    onboard_township(
        code=CODE, name="接口基准镇", admin_email=ADMIN[0], admin_password=ADMIN[1], by=Actor.cli()
    )
    # Finalising, not the public posting (公示), is measured: no posting period here.
    Township.objects.filter(code=CODE).update(posting_days=0)
    township = Township.objects.get(code=CODE)
    last = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    months = [last]
    while len(months) < MONTHS:
        months.insert(0, (months[0] - dt.timedelta(days=1)).replace(day=1))
    with tenant_context(township), tempfile.TemporaryDirectory() as folder:
        codes = base.make_households()
        path = Path(folder) / "ledger.csv"
        print(
            f"Writing {len(codes) * base.ENTRIES:,} entries for {len(codes):,} households ...",
            flush=True,
        )
        rows = base.write_ledger_file(path, codes, month_end(last))
        started = time.perf_counter()
        result = import_score_events(path, operator=Actor("bench"), approve=True)
        assert result.recorded == rows, result
        print(f"  imported {rows:,} entries in {time.perf_counter() - started:.1f} s", flush=True)
        for period in months:
            started = time.perf_counter()
            done = finalise_month(period, by=Actor("bench"))
            print(
                f"  finalised {period:%Y-%m}: green {done.green}, blue {done.blue}, red "
                f"{done.red} ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
    with schema_context("public"):
        user = get_user_model().objects.get(username=ADMIN[0])
        _, token = issue_token(
            user, township, Role.TOWNSHIP_ADMIN, label="API benchmark", by=Actor.cli()
        )
    return township, codes, rows, token


def workload(codes: list[str]) -> tuple[list[dict], list[dict]]:
    """Variables of the list requests (varying village and cursor) and the detail requests."""
    from graphql_relay import offset_to_cursor

    rng = random.Random(20261127)
    villages = sorted({code.split("-")[0] for code in codes})
    per_village = len(codes) // len(villages)
    total = WARM_UP + REQUESTS
    lists = []
    for n in range(total):
        if n % 2:
            village, offset = rng.choice(villages), rng.randrange(0, per_village - PAGE + 1)
        else:
            village, offset = None, rng.randrange(0, len(codes) - PAGE + 1)
        after = offset_to_cursor(offset - 1) if offset else None
        lists.append({"first": PAGE, "after": after, "village": village, "_offset": offset})
    details = [{"code": rng.choice(codes)} for _ in range(total)]
    return lists, details


def gql_variables(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if not k.startswith("_")}


def check(body: dict, what: str) -> None:
    if body.get("errors") or not body.get("data"):
        raise SystemExit(f"{what} failed: {json.dumps(body, ensure_ascii=False)[:500]}")


# --- the two paths ---------------------------------------------------------------------


class ClientPath:
    """Django's test client: the whole middleware stack, no sockets."""

    name = "test client"

    def __init__(self, url: str, token: str):
        from django.test import Client

        self.client = Client()
        self.url = url
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(self, query: str, variables: dict) -> dict:
        reply = self.client.post(
            self.url,
            {"query": query, "variables": variables},
            content_type="application/json",
            **self.headers,
        )
        return reply.json()

    def count_queries(self, query: str, variables: dict) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            check(self.post(query, variables), "counted request")
        return len(queries)

    def close(self) -> None:
        pass


class HttpPath:
    """Django's threaded WSGI server on 127.0.0.1:<free port>, one keep-alive connection.

    TCP_NODELAY on both ends: see ``QuietHandler.setup``.
    """

    name = "HTTP server"

    def __init__(self, url: str, token: str):
        from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
        from django.core.wsgi import get_wsgi_application

        class QuietHandler(WSGIRequestHandler):
            def setup(self):
                super().setup()
                # wsgiref writes the headers and the body in two send() calls; with Nagle's
                # algorithm on, the body then waits for the client's delayed ACK (~40 ms on
                # Linux) on a kept-alive connection: we would time TCP, not the API.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):  # no access log line per request
                pass

        self.counts: list[int] = []
        self.counting = False
        app = get_wsgi_application()

        def counting_app(environ, start_response):
            if not self.counting:
                return app(environ, start_response)
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                response = app(environ, start_response)
            self.counts.append(len(queries))
            return response

        self.server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
        self.server.set_app(counting_app)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.port = self.server.server_address[1]
        self.url = url
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Host": f"127.0.0.1:{self.port}",
        }
        self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        self.http.connect()
        self.http.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def post(self, query: str, variables: dict) -> dict:
        body = json.dumps({"query": query, "variables": variables}).encode()
        self.http.request("POST", self.url, body=body, headers=self.headers)
        reply = self.http.getresponse()
        data = reply.read()
        if reply.getheader("Connection", "").lower() == "close":
            raise SystemExit("the server closed the connection: keep-alive is not in use")
        return json.loads(data)

    def count_queries(self, query: str, variables: dict) -> int:
        self.counting, self.counts = True, []
        try:
            check(self.post(query, variables), "counted request")
        finally:
            self.counting = False
        return self.counts[0]

    def close(self) -> None:
        self.http.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def timed(path, query: str, specs: list[dict], what: str) -> list[float]:
    """Milliseconds per request after WARM_UP untimed ones."""
    for spec in specs[:WARM_UP]:
        check(path.post(query, gql_variables(spec)), what)
    times = []
    for spec in specs[WARM_UP:]:
        started = time.perf_counter()
        body = path.post(query, gql_variables(spec))
        times.append((time.perf_counter() - started) * 1000)
        check(body, what)
    return times


def queries_per_request(path, query: str, specs: list[dict]) -> str:
    """Statements per request over COUNTED requests: one number when it is constant."""
    counts = sorted({path.count_queries(query, gql_variables(s)) for s in specs[:COUNTED]})
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]} (NOT constant)"


def bare_list(township, specs: list[dict]) -> list[float]:
    """Milliseconds per bare SQL fetch of each list page's rows (same warm-up)."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    times = []
    with tenant_context(township), connection.cursor() as cursor:
        for n, spec in enumerate(specs):
            params = {"village": spec["village"], "limit": PAGE, "offset": spec["_offset"]}
            started = time.perf_counter()
            cursor.execute(BARE_LIST_SQL, params)
            rows = cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            assert len({r[0] for r in rows}) == PAGE, len(rows)
            if n >= WARM_UP:
                times.append(elapsed)
    return times


def bare_detail(township, specs: list[dict], path) -> list[float]:
    """Milliseconds per bare SQL fetch of each detail query's rows (same warm-up).

    The first household's answer is checked against the API's, so that the two
    keep fetching the same rows.
    """
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from platform_core.scoring.policy import ScoringPolicy
    from platform_core.scoring.selectors import rolling_start

    as_of = timezone.localdate()
    params = {
        "as_of": as_of,
        "rolling": rolling_start(as_of),
        "window": ScoringPolicy.of(township).window_start(as_of),
    }
    times = []
    with tenant_context(township), connection.cursor() as cursor:
        for n, spec in enumerate(specs):
            started = time.perf_counter()
            cursor.execute(BARE_DETAIL_SQL, {**params, "code": spec["code"]})
            row = cursor.fetchone()
            elapsed = (time.perf_counter() - started) * 1000
            if n == 0:
                _same_detail(row, path.post(DETAIL_QUERY, gql_variables(spec)))
            if n >= WARM_UP:
                times.append(elapsed)
    return times


def _same_detail(row: tuple, body: dict) -> None:
    check(body, "detail query")
    household = body["data"]["household"]
    explanation = household["explanation"]
    lines = [line for line in row[7] or () if line["points"]]
    bare = (row[0], row[6], sum(line["points"] for line in lines), len(row[8] or ()))
    api = (
        household["code"],
        explanation["deductions"],
        explanation["score"] - explanation["base"],
        len(household["history"]),
    )
    if bare != api:
        raise SystemExit(f"the bare detail SQL no longer fetches the API's rows: {bare} != {api}")


# Where a request's time goes: (label, file name ending, function) read from cProfile.
PHASES = [
    ("whole request (test client)", "django/test/client.py", "generic"),
    ("  token check and viewer", "graphql_api/views.py", "dispatch"),
    ("  limits precheck (size, cost walk)", "graphql_api/limits.py", "precheck"),
    ("  GraphQL parse (documents not yet kept)", "graphql/language/parser.py", "parse"),
    ("  GraphQL validation (documents not yet kept)", "graphql/validation/validate.py", "validate"),
    ("  GraphQL execution (resolvers, SQL, ORM)", "graphql/execution/execute.py", "execute"),
    ("    SQL: execute and fetch", "django/db/models/sql/compiler.py", "execute_sql"),
    ("    ORM: rows to model instances", "django/db/models/base.py", "from_db"),
    ("  JSON encoding", "graphene_django/views.py", "json_encode"),
]


def profile(path, query: str, specs: list[dict], title: str) -> None:
    """cProfile of REQUESTS requests: time per phase, then the top functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for spec in specs[WARM_UP:]:
        path.post(query, gql_variables(spec))
    profiler.disable()
    stats = pstats.Stats(profiler)
    requests = len(specs) - WARM_UP
    print(f"\n--- {title}: ms per request under cProfile (inflated ~1.5-2x) ---")
    for label, ending, function in PHASES:
        seconds = sum(
            value[3]
            for (filename, _, name), value in stats.stats.items()
            if name == function and filename.replace("\\", "/").endswith(ending)
        )
        if label.strip().startswith("token"):  # our dispatch minus graphene's dispatch
            seconds -= sum(
                value[3]
                for (filename, _, name), value in stats.stats.items()
                if name == "dispatch" and filename.endswith("graphene_django/views.py")
            )
        print(f"  {label.ljust(44)} {seconds * 1000 / requests:7.2f}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(25)
    print(f"\n--- {title}: top functions by own time ---\n{out.getvalue()}", flush=True)


# --- figures ---------------------------------------------------------------------------


def p(times: list[float], q: int) -> float:
    """The q-th percentile (q in 1..99)."""
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def table(rows: list[tuple]) -> None:
    header = ("path", "query", "requests", "p50 ms", "p95 ms", "max ms", "SQL/request*")
    lines = [header] + [
        (
            path,
            query,
            str(len(times)),
            f"{statistics.median(times):.1f}",
            f"{p(times, 95):.1f}",
            f"{max(times):.1f}",
            count,
        )
        for path, query, times, count in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print()
    for line in lines:
        pairs = enumerate(zip(line, widths, strict=True))
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in pairs]
        print("  ".join(cells), flush=True)
    print("* statements per request, django-tenants' SET search_path included\n")


def main() -> None:
    harness.setup("api")
    logging.getLogger("django.server").setLevel(logging.WARNING)
    logging.getLogger("django.request").setLevel(logging.ERROR)
    township, codes, rows, token = build_township()
    url = f"/t/{township.code}/graphql/"
    lists, details = workload(codes)
    print(
        f"Timing {REQUESTS} list and {REQUESTS} detail queries per path "
        f"(after {WARM_UP} warm-up requests each) ...",
        flush=True,
    )
    load_before = os.getloadavg()[0]
    results = []
    figures: dict[str, dict[str, float]] = {}
    counts: dict[str, dict[str, str]] = {}
    for path_type in (ClientPath, HttpPath):
        path = path_type(url, token)
        try:
            list_times = timed(path, LIST_QUERY, lists, "list query")
            detail_times = timed(path, DETAIL_QUERY, details, "detail query")
            floor_times = timed(path, FLOOR_QUERY, [{}] * len(details), "floor query")
            list_count = queries_per_request(path, LIST_QUERY, lists)
            detail_count = queries_per_request(path, DETAIL_QUERY, details)
            if os.environ.get("BENCH_API_PROFILE") and path_type is ClientPath:
                profile(path, LIST_QUERY, lists, "the list query (test client)")
                profile(path, DETAIL_QUERY, details, "the detail query (test client)")
        finally:
            path.close()
        results += [
            (path.name, "list (50)", list_times, list_count),
            (path.name, "detail", detail_times, detail_count),
            (path.name, "{ __typename } (floor)", floor_times, "-"),
        ]
        figures[path.name] = {
            "list50": statistics.median(list_times),
            "list95": p(list_times, 95),
            "detail50": statistics.median(detail_times),
            "detail95": p(detail_times, 95),
            "floor50": statistics.median(floor_times),
        }
        counts[path.name] = {"list": list_count, "detail": detail_count}
    bare = {
        "list": bare_list(township, lists),
        "detail": bare_detail(township, details, ClientPath(url, token)),
    }
    results.append(("bare SQL", "list rows (50)", bare["list"], "1"))
    results.append(("bare SQL", "detail rows", bare["detail"], "1"))
    table(results)
    bare50 = {query: statistics.median(times) for query, times in bare.items()}

    def per_path(describe) -> str:
        return "; ".join(
            f"{name}: " + ", ".join(describe(f, query) for query in ("list", "detail"))
            for name, f in figures.items()
        )

    def ratio(f, query) -> float:
        return f[f"{query}50"] / bare50[query]

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    harness.report(
        {
            "households / entries": f"{len(codes):,} / {rows:,}, {MONTHS} finalised months",
            "ratio p50 / bare SQL p50": per_path(lambda f, q: f"{q} {ratio(f, q):.1f}x")
            + f" (bare SQL p50: list {bare50['list']:.2f} ms, detail {bare50['detail']:.2f} ms)",
            f"target p50 <= {RATIO_TARGET:.0f}x bare": per_path(
                lambda f, q: f"{q} {met(ratio(f, q) <= RATIO_TARGET)}"
            ),
            "floor: a signed-in request asking no data (p50)": "; ".join(
                f"{name}: {f['floor50']:.1f} ms = {f['floor50'] / bare50['list']:.1f}x the "
                f"bare list, {f['floor50'] / bare50['detail']:.1f}x the bare detail"
                for name, f in figures.items()
            ),
            f"target p95 < {P95_TARGET_MS:.0f} ms": per_path(
                lambda f, q: f"{q} {met(f[f'{q}95'] < P95_TARGET_MS)} ({f[f'{q}95']:.1f} ms)"
            ),
            "SQL statements / request": "; ".join(
                f"{name}: list {c['list']}, detail {c['detail']}" for name, c in counts.items()
            )
            + f" (over {COUNTED} requests each: one number = constant)",
            "load average (1 min)": f"{load_before:.2f} before timing, "
            f"{os.getloadavg()[0]:.2f} after, on {os.cpu_count()} CPUs (other load skews p95)",
        }
    )


if __name__ == "__main__":
    main()
