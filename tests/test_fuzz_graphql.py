"""Property-based fuzzing of both GraphQL endpoints from the committed schema snapshots.

``hypothesis-graphql`` builds valid queries and mutations from
``graphql_api/schema/*.graphql`` (read when the test runs, so a schema change is
fuzzed at once), with argument values mixing this township's real codes, IDs and
months with arbitrary text (NUL characters included), numbers and dates. Each is
posted through the real endpoint as a township (or county) administrator and
anonymously. Whatever is asked, the answer is JSON, never an HTTP 500, and every
error — top-level or in a mutation's payload — carries a documented code other
than ``INTERNAL_ERROR``.

Bounded and reproducible: ``derandomize`` (the same examples on every run; set
``FUZZ_SEED`` to explore others) and ``FUZZ_EXAMPLES`` examples per case (default
60; half that for anonymous callers, who are refused before anything runs, and for
invalid operations; about a minute in all on two cores). Each example runs in a
savepoint that is rolled back, so mutations leave nothing behind for the next one.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import graphql
import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

import graphql_api
from graphql_api.errors import CODES, INTERNAL
from platform_core.accounts.services import grant_role
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from tests.api import endpoint

SNAPSHOTS = Path(graphql_api.__file__).resolve().parent / "schema"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
SEED = os.environ.get("FUZZ_SEED")  # another seed explores other examples (CI: none)
MARCH = dt.date(2026, 3, 1)

# Values that reach past "not found": this township's codes, months and words the
# services know, and the edges of each kind of value.
KNOWN_TEXT = [
    "",
    " ",
    "V01",
    "V02",
    "V01-0001",
    "V01-0002",
    "V02-0001",
    "P7-02",
    "P7-04",
    "VO-03",
    "2026-03",
    "2026-04",
    "9999-12",
    "0000-01",
    "2024-13",
    "proposed",
    "approved",
    "rejected",
    "hotline",
    "green",
    "red",
    "township_admin",
    "council_member",
    "grid_worker",
    "household",
    "330502901",
    "330502902",
    "330502",
    "garbage_sorting",
    "petition",
    "loans",
    "{}",
    '{"warning_months": 0}',
    "[1]",
    "a\x00b",
    "=1+1",
    "x" * 300,
]
INTS = [-(2**31), -1, 0, 1, 2, 3, 12, 99, 100, 101, 2026, 9999, 2**31 - 1]


def _text() -> st.SearchStrategy[str]:
    """Mostly known words (twice as likely), else any text; NUL only in "a\x00b"."""
    anything = st.text(
        st.characters(codec="utf-8", min_codepoint=1, exclude_categories=["Cs"]), max_size=20
    )
    known = st.sampled_from(KNOWN_TEXT)
    return st.one_of(known, known, anything)


def _scalars(ids: list[str]) -> dict:
    """Strategies for the scalars' literals (built-in ones included, to reach real rows)."""
    moments = st.datetimes(
        min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=st.none()
    )
    dates = st.one_of(
        st.sampled_from([dt.date(2026, 3, 5), dt.date(2026, 3, 31), timezone.localdate()]),
        st.dates(),
    ).map(dt.date.isoformat)
    decimals = st.one_of(
        st.sampled_from(["NaN", "Infinity", "-1", "0", "1e30", "0.001"]),
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
        st.just(Decimal("100.00")).map(str),
    )
    json_text = st.sampled_from(["{}", "[]", "null", '{"a": 1}', "{", '"\\u0000"'])
    return {
        "String": _text().map(nodes.String),
        "ID": st.one_of(st.sampled_from(ids), _text()).map(nodes.String),
        "Int": st.one_of(
            st.sampled_from(INTS), st.integers(min_value=-(2**31), max_value=2**31 - 1)
        ).map(nodes.Int),
        "Date": st.one_of(dates, dates, dates, _text()).map(nodes.String),
        "DateTime": st.one_of(moments.map(dt.datetime.isoformat), _text()).map(nodes.String),
        "Decimal": st.one_of(decimals, decimals, _text()).map(nodes.String),
        "JSONString": st.one_of(json_text, _text()).map(nodes.String),
        "GenericScalar": st.one_of(json_text, _text()).map(nodes.String),
    }


def _global_ids(schema: graphql.GraphQLSchema, township_code: str) -> list[str]:
    """IDs of every node type with small primary keys (real rows), and of another township."""
    node = schema.type_map.get("Node")
    types = [
        t.name
        for t in schema.type_map.values()
        if node is not None and isinstance(t, graphql.GraphQLObjectType) and node in t.interfaces
    ]
    found = []
    for name in sorted(types):
        for code, pk in ((township_code, 1), (township_code, 2), ("330502902", 1)):
            raw = f"{name}:{code}:{pk}".encode()
            found.append(base64.urlsafe_b64encode(raw).decode().rstrip("="))
    return found or ["x"]


def _codes_in(value) -> list:
    """The codes of every mutation payload's ``errors`` in the answer's data."""
    found, pending = [], [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if key == "errors" and isinstance(inner, list):
                    found += [e["code"] for e in inner if isinstance(e, dict) and "code" in e]
                else:
                    pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)
    return found


def _check(reply, document: str) -> None:
    where = f"\n--- the operation ---\n{document}"
    assert reply.status_code < 500, f"HTTP {reply.status_code}{where}"
    assert reply["Content-Type"].startswith("application/json"), where
    body = reply.json()
    assert isinstance(body, dict), where
    errors = body.get("errors") or []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert code in CODES and code != INTERNAL, f"{error}{where}"
    for code in _codes_in(body.get("data")):
        assert code in CODES and code != INTERNAL, f"payload error code {code!r}{where}"


def _fuzz(strategy, url: str, client: Client, examples: int = EXAMPLES) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=SEED is None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(document=strategy)
    def run(document: str) -> None:
        try:
            with transaction.atomic():
                reply = client.post(
                    url,
                    {"query": document},
                    content_type="application/json",
                    HTTP_ACCEPT_LANGUAGE="en",
                )
                transaction.set_rollback(True)  # the next example starts from the same rows
        finally:
            connection.set_schema_to_public()  # the rollback also undid the search path
        _check(reply, document)

    (seed(int(SEED))(run) if SEED else run)()


# --- the township endpoint -----------------------------------------------------------


@pytest.fixture
def township(township_a, in_township):
    """甲镇 with every built-in plugin, two villages, entries and a finalised March."""
    from graphql_api.assembly import builtin_contributions

    for key, _contribution in builtin_contributions():
        enable_plugin(township_a, key)
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        f.approved("V01-0001", "P7-04", dt.date(2026, 3, 2))
        f.approved("V01-0002", "VO-03", dt.date(2026, 3, 2))
        finalise_month(MARCH, by=f.person())
    return township_a


@pytest.fixture
def core_township(township_b, in_township):
    """乙镇 without plugins, one village (the core snapshot's township)."""
    with in_township(township_b):
        f.village()
    return township_b


def _admin(email: str, password: str) -> Client:
    client = Client()
    assert client.login(username=email, password=password)
    return client


OPERATIONS = {"queries": queries, "mutations": mutations}


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
@pytest.mark.parametrize("caller", ["administrator", "anonymous"])
def test_fuzzed_operations_of_the_full_township_schema_never_fail_on_our_side(
    township, kind, caller
):
    schema = graphql.build_schema((SNAPSHOTS / "township.all-plugins.graphql").read_text("utf-8"))
    strategy = OPERATIONS[kind](schema, custom_scalars=_scalars(_global_ids(schema, township.code)))
    if caller == "administrator":
        _fuzz(strategy, endpoint(township), _admin("admin@jia.test", "pw-jia"))
    else:  # refused before anything runs: fewer examples tell as much
        _fuzz(strategy, endpoint(township), Client(), EXAMPLES // 2)


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
def test_fuzzed_invalid_operations_are_refused_with_a_code(township, kind):
    """Operations with one schema violation each (a wrong type, a missing argument …)."""
    schema = graphql.build_schema((SNAPSHOTS / "township.all-plugins.graphql").read_text("utf-8"))
    strategy = OPERATIONS[kind](
        schema, custom_scalars=_scalars(_global_ids(schema, township.code)), mode=Mode.NEGATIVE
    )
    _fuzz(strategy, endpoint(township), _admin("admin@jia.test", "pw-jia"), EXAMPLES // 2)


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
def test_fuzzed_operations_of_the_core_township_schema_never_fail_on_our_side(core_township, kind):
    schema = graphql.build_schema((SNAPSHOTS / "township.core.graphql").read_text("utf-8"))
    strategy = OPERATIONS[kind](
        schema, custom_scalars=_scalars(_global_ids(schema, core_township.code))
    )
    _fuzz(strategy, endpoint(core_township), _admin("admin@yi.test", "pw-yi"))


# --- the county endpoint -------------------------------------------------------------


@pytest.fixture
def county_admin(township_a, township_b) -> Client:
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    with schema_context("public"):
        email = "county-fuzz@test.cn"
        user = get_user_model().objects.create_user(username=email, email=email, password="pw")
        grant_role(user, None, "county_admin")
    return _admin(email, "pw")


@pytest.mark.parametrize("kind", sorted(OPERATIONS))
@pytest.mark.parametrize("caller", ["administrator", "anonymous"])
def test_fuzzed_operations_of_the_county_schema_never_fail_on_our_side(county_admin, kind, caller):
    schema = graphql.build_schema((SNAPSHOTS / "county.graphql").read_text("utf-8"))
    strategy = OPERATIONS[kind](schema, custom_scalars=_scalars(["x"]))
    if caller == "administrator":
        _fuzz(strategy, "/graphql/", county_admin)
    else:
        _fuzz(strategy, "/graphql/", Client(), EXAMPLES // 2)
