"""Issue 18, the API near bare SQL: constant statements per request, the document
cache's boundaries (townships, roles, bad queries) and the executor's shortcut."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql import ExecutionContext

from graphql_api import documents
from graphql_api.views import PlatformGraphQLView
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)

PAGE = """query($first: Int!, $after: String) {
  households(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { code maskedName tier score evaluatedMonth
      latestEntries(limit: 3) { rule { code } points occurredOn } village { name } } }
  }
}"""

PAGE_UNCOUNTED = """query($first: Int!, $after: String) {
  households(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { code } }
  }
}"""

DETAIL = """query($code: String!) {
  household(code: $code) {
    code headName tier score village { code name }
    explanation { asOf base score tier deductions index lines { ruleCode points entries } }
    history { month tier score change deductions index }
    ledger(first: 20) {
      pageInfo { hasNextPage endCursor }
      edges { node { id rule { code titleZh } points occurredOn status source evidence
        externalId reviewedAt } }
    }
  }
}"""

INSPECTIONS = "{ garbageInspections { edges { node { id } } } }"


@pytest.fixture
def big_village(township_a, in_township):
    """甲镇: V01 with 60 households, two entries each, March final; V01-0001 has 30."""
    with in_township(township_a):
        f.village(size=60)
        by, reviewer = f.person(), f.person()
        for n in range(1, 61):
            code = f"V01-{n:04d}"
            f.approved(code, "VO-03" if n % 2 else "P7-02", D(2026, 3, 2), by=by, reviewer=reviewer)
            f.approved(code, "GS-01", D(2026, 3, 3), by=by, reviewer=reviewer)
        for day in range(1, 29):
            f.approved("V01-0001", "GS-01", D(2026, 2, day), by=by, reviewer=reviewer)
        finalise_month(MARCH, by=reviewer)
    return township_a


def _statements(url: str, query: str, variables: dict, token: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        body = gql(Client(), url, query, variables, token=token)
    assert not body.get("errors"), body
    return len(queries), body["data"]


def test_a_page_of_5_or_50_households_costs_the_same_statements(big_village):
    token = token_for(big_village, "perf-admin@jia.test", "township_admin")
    url = endpoint(big_village)
    gql(Client(), url, PAGE, {"first": 1}, token=token)  # first use: caches, schema
    counts = {}
    for size in (5, 50):
        counts[size], page = _statements(url, PAGE, {"first": size}, token)
        edges = page["households"]["edges"]
        assert len(edges) == size and all(e["node"]["tier"] for e in edges)
        assert [len(e["node"]["latestEntries"]) for e in edges] == [3] + [2] * (size - 1)
        assert all(e["node"]["evaluatedMonth"] == "2026-03" for e in edges)
    # search_path, sign-in (token, roles, lockout), count, page, standings, entries; and the
    # action log's clean-up, inside a test's transaction only (bench_api counts 6)
    assert counts[5] == counts[50] == 7, counts
    # Without totalCount nothing is counted: one statement fewer, the same pages.
    uncounted, _ = _statements(url, PAGE_UNCOUNTED, {"first": 50}, token)
    assert uncounted == counts[50] - 3, (uncounted, counts)  # no count, standing, entries


def test_a_page_without_total_count_knows_its_next_page_without_counting(big_village):
    token = token_for(big_village, "perf-pages@jia.test", "township_admin")
    url = endpoint(big_village)
    after, seen, pages = None, [], 0
    while True:
        counted = gql(Client(), url, PAGE, {"first": 25, "after": after}, token=token)
        bare = gql(Client(), url, PAGE_UNCOUNTED, {"first": 25, "after": after}, token=token)
        counted, bare = counted["data"]["households"], bare["data"]["households"]
        assert bare["pageInfo"] == counted["pageInfo"]
        assert [e["node"]["code"] for e in bare["edges"]] == [
            e["node"]["code"] for e in counted["edges"]
        ]
        seen += [e["node"]["code"] for e in bare["edges"]]
        pages += 1
        if not bare["pageInfo"]["hasNextPage"]:
            break
        after = bare["pageInfo"]["endCursor"]
    assert pages == 3 and seen == [f"V01-{n:04d}" for n in range(1, 61)]
    # A page exactly at the end, and one past it.
    last = gql(Client(), url, PAGE_UNCOUNTED, {"first": 10, "after": after}, token=token)
    assert len(last["data"]["households"]["edges"]) == 10
    assert last["data"]["households"]["pageInfo"]["hasNextPage"] is False
    beyond = {"first": 10, "after": "YXJyYXljb25uZWN0aW9uOjk5"}  # after position 99
    assert codes(gql(Client(), url, PAGE_UNCOUNTED, beyond)) == ["UNAUTHENTICATED"]
    past = gql(Client(), url, PAGE_UNCOUNTED, beyond, token=token)["data"]["households"]
    assert past == {"pageInfo": {"hasNextPage": False, "endCursor": None}, "edges": []}


def test_a_households_detail_costs_the_same_statements_with_1_or_many_entries(big_village):
    token = token_for(big_village, "perf-detail@jia.test", "township_admin")
    url = endpoint(big_village)
    gql(Client(), url, DETAIL, {"code": "V01-0002"}, token=token)
    few, one = _statements(url, DETAIL, {"code": "V01-0002"}, token)
    many, lots = _statements(url, DETAIL, {"code": "V01-0001"}, token)
    assert len(one["household"]["ledger"]["edges"]) == 2
    assert len(lots["household"]["ledger"]["edges"]) == 20
    assert lots["household"]["ledger"]["pageInfo"]["hasNextPage"] is True
    assert one["household"]["ledger"]["pageInfo"]["hasNextPage"] is False
    # search_path, sign-in, household, explanation (2), history, ledger; and the action
    # log's clean-up, inside a test's transaction only (bench_api counts 7)
    assert few == many == 8, (few, many)


# --- the document cache ----------------------------------------------------------------


def test_a_kept_document_is_validated_again_in_a_township_with_other_plugins(
    two_townships_with_tokens,
):
    (a, token_a), (b, token_b) = two_townships_with_tokens
    enable_plugin(a, "garbage_sorting")
    documents.clear()
    for _ in range(2):  # kept as valid for a's schema ...
        body = gql(Client(), endpoint(a), INSPECTIONS, token=token_a)
        assert not body.get("errors") and body["data"]["garbageInspections"]["edges"] == []
    # ... and still unknown in b, which has not enabled the plugin, every time.
    for _ in range(2):
        body = gql(Client(), endpoint(b), INSPECTIONS, token=token_b)
        assert codes(body) == ["INVALID_QUERY"] and "garbageInspections" in str(body)
    assert not gql(Client(), endpoint(a), INSPECTIONS, token=token_a).get("errors")


def test_a_kept_document_carries_no_rows_or_rights_between_roles_or_townships(
    big_village, township_b, in_township
):
    with in_township(township_b):
        f.village("W01", "乙村", size=2)
    admin = token_for(big_village, "perf-cache-admin@jia.test", "township_admin")
    household = token_for(
        big_village, "perf-cache-head@jia.test", "household", household_code="V01-0007"
    )
    admin_b = token_for(township_b, "perf-cache-admin@yi.test", "township_admin")
    url = endpoint(big_village)
    documents.clear()
    listed = gql(Client(), url, PAGE, {"first": 50}, token=admin)["data"]["households"]
    assert listed["totalCount"] == 60
    # The same text, now kept: a household still sees only itself ...
    own = gql(Client(), url, PAGE, {"first": 50}, token=household)["data"]["households"]
    assert own["totalCount"] == 1 and [e["node"]["code"] for e in own["edges"]] == ["V01-0007"]
    # ... anonymous callers are still refused before anything runs ...
    anonymous = gql(Client(), url, PAGE, {"first": 50})
    assert codes(anonymous) == ["UNAUTHENTICATED"] and anonymous.get("data") is None
    # ... and the other township's administrator sees their own households only.
    other = gql(Client(), endpoint(township_b), PAGE, {"first": 50}, token=admin_b)
    assert [e["node"]["code"] for e in other["data"]["households"]["edges"]] == [
        "W01-0001",
        "W01-0002",
    ]
    # An admin token of one township is still refused at the other's endpoint.
    refused = gql(Client(), endpoint(township_b), PAGE, {"first": 50}, token=admin)
    assert codes(refused) == ["UNAUTHENTICATED"]


def test_a_bad_query_gets_its_clear_error_every_time_and_is_not_kept(big_village):
    token = token_for(big_village, "perf-bad@jia.test", "township_admin")
    url = endpoint(big_village)
    documents.clear()
    unknown = "{ households { edges { node { code shoeSize } } } }"
    first = gql(Client(), url, unknown, token=token)
    again = gql(Client(), url, unknown, token=token)
    assert codes(first) == codes(again) == ["INVALID_QUERY"]
    assert first["errors"] == again["errors"] and "shoeSize" in first["errors"][0]["message"]
    assert documents._valid.cache_info().currsize == 0  # only valid documents are kept
    broken = "{ households { edges { node { code } }"
    for _ in range(2):
        body = gql(Client(), url, broken, token=token)
        assert codes(body) == ["INVALID_QUERY"] and "Syntax Error" in body["errors"][0]["message"]
    # A variable of the wrong type is still BAD_INPUT on a kept document.
    assert not gql(Client(), url, PAGE, {"first": 5}, token=token).get("errors")
    wrong = gql(Client(), url, PAGE, {"first": "five"}, token=token)
    assert codes(wrong) == ["BAD_INPUT"] and "$first" in wrong["errors"][0]["message"]
    # The cost limit depends on the variables: checked on every request, kept or not.
    huge = gql(Client(), url, PAGE, {"first": 101}, token=token)
    assert codes(huge) in (["QUERY_TOO_COMPLEX"], ["PAGE_TOO_LARGE"])


# --- the executor's shortcut -----------------------------------------------------------


def test_the_leaf_shortcut_answers_exactly_as_graphql_core(big_village, monkeypatch):
    token = token_for(big_village, "perf-exec@jia.test", "township_admin")
    url = endpoint(big_village)
    answers = []
    for context in (PlatformGraphQLView.execution_context_class, ExecutionContext):
        monkeypatch.setattr(PlatformGraphQLView, "execution_context_class", context)
        page = gql(Client(), url, PAGE, {"first": 20}, token=token)
        detail = gql(Client(), url, DETAIL, {"code": "V01-0001"}, token=token)
        answers.append((page, detail))
    assert answers[0] == answers[1]
    detail = answers[0][1]["data"]["household"]
    node = detail["ledger"]["edges"][0]["node"]
    assert node["externalId"] is None and node["reviewedAt"]  # nulls and datetimes alike
    assert detail["tier"] in ("GREEN", "BLUE", "RED")


@pytest.fixture
def two_townships_with_tokens(township_a, township_b, in_township):
    with in_township(township_a):
        f.village(size=1)
    with in_township(township_b):
        f.village("W01", "乙村", size=1)
    return (
        (township_a, token_for(township_a, "perf-a@jia.test", "township_admin")),
        (township_b, token_for(township_b, "perf-b@yi.test", "township_admin")),
    )


# --- a page's entries: only the columns asked ------------------------------------------

ENTRY_FIELDS = """id points occurredOn source externalId evidence note kind status
  recordedByLabel recordedAt reviewedByLabel reviewedAt reviewNote householdCode"""
RULE_FIELDS = """id code titleZh titleEn category points needsReview active basis immediate
  requiresFinding plugin"""
# What a page asks of its entries, and the fragments it uses.
PAGES_OF_ENTRIES = {
    "three fields": ("latestEntries(limit: 3) { rule { code } points occurredOn }", ""),
    "every plain field": (
        f"latestEntries(limit: 4) {{ {ENTRY_FIELDS} rule {{ {RULE_FIELDS} }} }}",
        "",
    ),
    "fragments": (
        "latestEntries { ...E rule { ...R } rule { active } }",
        "fragment E on Entry { status reviewedAt ... on Entry { evidence } }"
        " fragment R on Rule { titleZh }",
    ),
    "a field with its own query": ("latestEntries(limit: 2) { points finding { authority } }", ""),
    "no rule": ("latestEntries(limit: 2) { __typename occurredOn }", ""),
}


@pytest.mark.parametrize("asked", PAGES_OF_ENTRIES)
def test_a_pages_entries_read_only_their_asked_columns_and_answer_the_same(
    big_village, monkeypatch, asked
):
    from graphql_api.township import types

    token = token_for(big_village, f"perf-cols-{len(asked)}@jia.test", "township_admin")
    url = endpoint(big_village)
    selection, fragments = PAGES_OF_ENTRIES[asked]
    query = (
        "query($first: Int!) { households(first: $first) { edges { node { code "
        f"{selection} }} }} }} }} {fragments}"
    )
    gql(Client(), url, query, {"first": 30}, token=token)
    narrowed, answer = _statements(url, query, {"first": 30}, token)
    monkeypatch.setattr(types, "entry_columns", lambda info, field: None)  # every column
    whole, expected = _statements(url, query, {"first": 30}, token)
    assert answer == expected and narrowed == whole, (narrowed, whole)
    assert all(e["node"]["latestEntries"] for e in answer["households"]["edges"])


def test_entry_columns_follow_the_selection(big_village, monkeypatch):
    from graphql_api.township import types

    seen = []
    original = types.entry_columns

    def spy(info, fields):
        seen.append(original(info, fields))
        return seen[-1]

    monkeypatch.setattr(types, "entry_columns", spy)
    token = token_for(big_village, "perf-cols-spy@jia.test", "township_admin")
    gql(Client(), endpoint(big_village), PAGE, {"first": 5}, token=token)
    assert seen == [["household", "occurred_on", "points", "rule", "rule__code", "rule__id"]]


def test_root_only_resolvers_answer_and_fail_exactly_as_graphql_core():
    """A resolver marked root_only is called in place; when it raises, returns null for a
    non-null field or a value its type cannot serialise, graphql-core's path answers."""
    import graphene
    from graphql import graphql_sync

    from graphql_api.execution import PlatformExecutionContext, root_only

    class Thing(graphene.ObjectType):
        good = graphene.String()
        missing = graphene.String(required=True)
        broken = graphene.Int()
        wrong = graphene.Int()
        with_info = graphene.String()

        @root_only
        def resolve_good(root, info):
            return f"good {root['n']}"

        @root_only
        def resolve_missing(root, info):
            return None

        @root_only
        def resolve_broken(root, info):
            raise ValueError(f"broken {root['n']}")

        @root_only
        def resolve_wrong(root, info):
            return "not a number"

        @root_only  # wrongly marked: uses info; graphql-core's path then gives it one
        def resolve_with_info(root, info):
            return info.field_name

    class Query(graphene.ObjectType):
        things = graphene.List(Thing)

        def resolve_things(root, info):
            return [{"n": 1}, {"n": 2}]

    schema = graphene.Schema(query=Query).graphql_schema
    for query in ("{ things { good broken wrong withInfo } }", "{ things { good missing } }"):
        ours = graphql_sync(schema, query, execution_context_class=PlatformExecutionContext)
        theirs = graphql_sync(schema, query)
        assert ours.data == theirs.data
        assert [e.formatted for e in ours.errors] == [e.formatted for e in theirs.errors]
        assert ours.errors
    ours = graphql_sync(
        schema, "{ things { good withInfo } }", execution_context_class=PlatformExecutionContext
    )
    assert ours.data == {"things": [{"good": f"good {n}", "withInfo": "withInfo"} for n in (1, 2)]}


# What a detail asks of the household's ledger, and the fragments it uses.
LEDGERS = {
    "the benchmark's": (
        "ledger(first: 20) { pageInfo { hasNextPage } edges { node { id "
        "rule { code titleZh } points occurredOn status source evidence } } }",
        "",
    ),
    "every plain field": (
        f"ledger(first: 5) {{ totalCount edges {{ cursor node {{ {ENTRY_FIELDS} "
        f"rule {{ {RULE_FIELDS} }} }} }} }}",
        "",
    ),
    "fragments": (
        "ledger { ...L }",
        "fragment L on EntryConnection { edges { node { ... on Entry "
        "{ note rule { active } } } } }",
    ),
    "a field with its own query": (
        "ledger(first: 3) { edges { node { finding { authority } } } }",
        "",
    ),
    "no nodes": ("ledger(first: 3) { pageInfo { hasNextPage endCursor } }", ""),
}


@pytest.mark.parametrize("asked", LEDGERS)
def test_a_households_ledger_reads_only_its_asked_columns_and_answers_the_same(
    big_village, monkeypatch, asked
):
    from graphql_api.township import types

    token = token_for(big_village, f"perf-ledger-{len(asked)}@jia.test", "township_admin")
    url = endpoint(big_village)
    selection, fragments = LEDGERS[asked]
    query = f'query {{ household(code: "V01-0001") {{ code {selection} }} }} {fragments}'
    gql(Client(), url, query, {}, token=token)
    narrowed, answer = _statements(url, query, {}, token)
    monkeypatch.setattr(types, "entry_columns", lambda info, fields: None)  # every column
    whole, expected = _statements(url, query, {}, token)
    assert answer == expected and narrowed == whole, (narrowed, whole)


def test_object_fields_answer_and_fail_exactly_as_graphql_core():
    """Object fields read by the default resolver or a root_only one are completed in
    place; their sub-fields' errors, nulls in non-null fields, wrong classes and raising
    resolvers answer as graphql-core's executor, errors in the same order and paths."""
    import graphene
    from graphene_django import DjangoObjectType
    from graphene_django.registry import Registry
    from graphql import graphql_sync

    from graphql_api.execution import PlatformExecutionContext, root_only
    from platform_core.households.models import Village

    class Place(DjangoObjectType):
        class Meta:
            model = Village
            fields = ("code", "name")
            registry = Registry()

        bad = graphene.String()
        bad_required = graphene.String(required=True)

        def resolve_bad(root, info):
            raise ValueError(f"bad {root.code}")

        def resolve_bad_required(root, info):
            raise ValueError(f"bad required {root.code}")

    class Thing(graphene.ObjectType):
        place = graphene.Field(Place)
        plain = graphene.Field(Place)
        missing = graphene.Field(Place, required=True)
        broken = graphene.Field(Place)
        wrong = graphene.Field(Place)
        required_place = graphene.Field(Place, required=True)

        @root_only
        def resolve_place(root, info):
            return root["place"]

        @root_only
        def resolve_required_place(root, info):
            return root["place"]

        @root_only
        def resolve_missing(root, info):
            return None

        @root_only
        def resolve_broken(root, info):
            raise ValueError(f"broken {root['n']}")

        @root_only
        def resolve_wrong(root, info):
            return "not a place"

    class Query(graphene.ObjectType):
        things = graphene.List(Thing)

        def resolve_things(root, info):
            return [
                {"n": n, "place": Village(code=f"V0{n}", name=f"村{n}"), "plain": None}
                for n in (1, 2, 3)
            ] + [{"n": 4, "place": None, "plain": Village(code="V09", name="九")}]

    schema = graphene.Schema(query=Query).graphql_schema
    queries = (
        "{ things { place { code name } plain { code } } }",
        "{ things { place { code bad name } wrong { code } broken { name } } }",
        "{ things { place { name badRequired } plain { name } } }",
        "{ things { requiredPlace { code badRequired } place { code } } }",
        "{ things { place { code } missing { code } } }",
        "{ things { p: place { code } q: place { name } ... on Thing { place { name } } } }",
    )
    for query in queries:
        for _ in range(2):  # the second time, every class is known to pass the checks
            ours = graphql_sync(schema, query, execution_context_class=PlatformExecutionContext)
            theirs = graphql_sync(schema, query)
            assert ours.data == theirs.data, query
            assert [e.formatted for e in ours.errors or ()] == [
                e.formatted for e in theirs.errors or ()
            ], query
    assert ours.data["things"][0] == {
        "p": {"code": "V01"},
        "q": {"name": "村1"},
        "place": {"name": "村1"},
    }

    class Counting(PlatformExecutionContext):
        standard: list = []

        def execute_field(self, parent_type, source, field_nodes, path):
            Counting.standard.append(path.key)
            return super().execute_field(parent_type, source, field_nodes, path)

    ours = graphql_sync(schema, queries[0], execution_context_class=Counting)
    assert Counting.standard == ["things"]  # the objects and their leaves in place
    assert ours.data == graphql_sync(schema, queries[0]).data


def test_a_pages_entries_share_one_rule_object_per_rule(big_village, in_township):
    """``with_shared_rules`` reads what ``only()`` with ``select_related`` reads, in one
    statement, with one rule object per rule instead of one per entry."""
    from graphql_api.township.types import with_shared_rules
    from platform_core.scoring.models import ScoreEvent

    columns = ["household", "occurred_on", "points", "rule", "rule__code", "rule__id"]

    def seen(entry):
        return (
            entry.pk,
            entry.household_id,
            entry.occurred_on,
            entry.points,
            entry.rule_id,
            entry.rule.pk,
            entry.rule.code,
            entry.get_deferred_fields(),
            entry.rule.get_deferred_fields(),
            entry._state.adding,
            entry.rule._state.adding,
        )

    with in_township(big_village):
        entries = ScoreEvent.objects.filter(household__code__lte="V01-0010").order_by(
            "-occurred_on", "-id"
        )
        with CaptureQueriesContext(connection) as queries:
            shared = with_shared_rules(entries, columns)
            ours = [seen(e) for e in shared]
        with CaptureQueriesContext(connection) as their_queries:
            theirs = [seen(e) for e in entries.only(*columns).select_related("rule")]
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET ")]
    theirs_statements = [
        q["sql"] for q in their_queries.captured_queries if not q["sql"].startswith("SET ")
    ]
    assert len(statements) == len(theirs_statements) == 1  # django-tenants' SET aside
    assert ours == theirs and len(ours) > 20
    assert len({id(e.rule) for e in shared}) == len({e.rule_id for e in shared}) == 3
