"""Issue 13, finding 4: query size is counted before anything runs, anonymous callers hardest.

Every field selection counts (each alias, ``__typename`` and introspection fields,
fragments once per spread); aliases, fields, parser tokens and bytes are capped per
operation, and refusals come before graphql-core's full validation and execution.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f
from tests.api import codes, endpoint, gql, token_for


@pytest.fixture
def village(township_a, in_township):
    with in_township(township_a):
        f.village()
    return township_a


def _admin() -> Client:
    client = Client()
    assert client.login(username="admin@jia.test", password="pw-jia")
    return client


def _aliases(count: int, selection: str) -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(count)) + " }"


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fails the test if the document reaches full validation or execution."""
    import graphene_django.views

    def refuse(*_args, **_kwargs):
        raise AssertionError("the refused document was validated or executed")

    monkeypatch.setattr(graphene_django.views, "validate", refuse)
    monkeypatch.setattr(graphene_django.views, "execute", refuse)


def test_finding_4_100000_aliased_typenames_are_refused_anonymously(client, village, nothing_runs):
    body = gql(client, endpoint(village), _aliases(100_000, "__typename"))
    assert codes(body) == ["QUERY_TOO_LARGE"] and body["_status"] == 400
    assert "data" not in body


def test_finding_4_1000_aliased_households_are_refused_for_an_administrator(village, nothing_runs):
    body = gql(_admin(), endpoint(village), _aliases(1_000, "households { totalCount }"))
    assert codes(body) == ["QUERY_TOO_LARGE"] and body["_status"] == 400
    assert "data" not in body


def test_finding_4_each_limit_refuses_on_its_own(client, village, settings):
    url = endpoint(village)
    many = _aliases(300, "__typename")  # 300 fields, 300 aliases, 1,200 tokens, ~5 kB
    settings.GRAPHQL_ANONYMOUS_MAX_QUERY_BYTES = 4_000
    assert "bytes long" in gql(client, url, many)["errors"][0]["message"]
    settings.GRAPHQL_ANONYMOUS_MAX_QUERY_BYTES = 100_000
    body = gql(client, url, many)
    assert codes(body) == ["QUERY_TOO_LARGE"] and "more than 100 tokens" in str(body)
    settings.GRAPHQL_ANONYMOUS_MAX_TOKENS = 100_000
    body = gql(client, url, many)
    assert codes(body) == ["QUERY_TOO_LARGE"] and "more than 20 fields" in str(body)
    settings.GRAPHQL_ANONYMOUS_MAX_FIELDS = 1_000
    body = gql(client, url, many)
    assert codes(body) == ["QUERY_TOO_LARGE"] and "300 aliases; the limit is 2" in str(body)
    settings.GRAPHQL_ANONYMOUS_MAX_ALIASES = 1_000
    assert gql(client, url, many)["data"]["a299"] == "Query"


def test_finding_4_aliases_typename_introspection_and_each_spread_count(village, settings):
    url, admin = endpoint(village), _admin()
    settings.GRAPHQL_INTROSPECTION = True
    settings.GRAPHQL_MAX_FIELDS = 6
    # 2 fields in the fragment × 3 spreads = 6: allowed; a fourth spread is not.
    three = "fragment F on Query { township { code } } { ...F ...F ...F }"
    assert not gql(admin, url, three).get("errors")
    four = three.replace("...F }", "...F ...F }")
    assert "more than 6 fields" in gql(admin, url, four)["errors"][0]["message"]
    # __typename and introspection fields count like any other field
    assert not gql(admin, url, "{ " + "__typename " * 6 + "}").get("errors")
    assert codes(gql(admin, url, "{ " + "__typename " * 7 + "}")) == ["QUERY_TOO_LARGE"]
    schema = "{ __schema { types { name fields { name type { name ofType { name } } } } } }"
    assert codes(gql(admin, url, schema)) == ["QUERY_TOO_LARGE"]
    settings.GRAPHQL_MAX_FIELDS = 500
    assert gql(admin, url, schema)["data"]["__schema"]["types"]
    settings.GRAPHQL_MAX_ALIASES = 2
    assert codes(gql(admin, url, _aliases(3, "__typename"))) == ["QUERY_TOO_LARGE"]
    inline = "{ ... on Query { a: __typename b: __typename } c: __typename }"
    assert "3 aliases; the limit is 2" in gql(admin, url, inline)["errors"][0]["message"]


def test_finding_4_the_standard_introspection_query_fits_the_default_limits(village, settings):
    from graphql import get_introspection_query

    settings.GRAPHQL_INTROSPECTION = True
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)
    body = gql(_admin(), endpoint(village), query)
    assert not body.get("errors") and body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_finding_4_anonymous_callers_get_lower_limits_than_staff(client, village):
    url = endpoint(village)
    document = _aliases(10, "__typename")
    assert codes(gql(client, url, document)) == ["QUERY_TOO_LARGE"]  # anonymous: 2 aliases
    assert gql(_admin(), url, document)["data"]["a9"] == "Query"
    worker = token_for(village, "grid@jia.test", "grid_worker", "V01")  # any role here
    assert gql(Client(), url, document, token=worker)["data"]["a9"] == "Query"
    assert codes(gql(Client(), url, _aliases(31, "__typename"), token=worker)) == [
        "QUERY_TOO_LARGE"
    ]


def test_finding_4_a_role_in_another_township_gets_the_anonymous_limits(village, township_b):
    other = Client()
    assert other.login(username="admin@yi.test", password="pw-yi")  # 乙镇's administrator
    body = gql(other, endpoint(village), _aliases(10, "__typename"))
    assert codes(body) == ["QUERY_TOO_LARGE"]
    assert codes(gql(other, endpoint(village), "{ township { code } }")) == ["FORBIDDEN"]


def test_finding_4_anonymous_callers_ask_only_health_even_through_fragments(client, village):
    url = endpoint(village)
    assert gql(client, url, "{ health { status } }")["data"] == {"health": {"status": "ok"}}
    for document in (
        "{ ... on Query { township { code } } }",
        "fragment F on Query { township { code } } { ...F }",
        "{ __schema { queryType { name } } }",
    ):
        body = gql(client, url, document)
        assert codes(body)[0] == "UNAUTHENTICATED" and "data" not in body, document


def test_finding_4_bad_documents_are_refused_without_a_server_error(village):
    url, admin = endpoint(village), _admin()
    nested = "{ township " + "{ code " * 400 + "}" * 401
    assert codes(gql(admin, url, nested)) == ["INVALID_QUERY"]  # "nested too deeply"
    lists = "{ households(village: " + "[" * 1_000 + "]" * 1_000 + ") { totalCount } }"
    assert codes(gql(admin, url, lists)) == ["INVALID_QUERY"]
    chain = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} }}" for i in range(300))
    chain += " fragment F300 on Query { __typename } { ...F0 }"
    assert codes(gql(admin, url, chain)) == ["INVALID_QUERY"]
    reply = admin.post(url, {"query": 12}, content_type="application/json")
    assert reply.status_code == 400 and codes(reply.json()) == ["BAD_INPUT"]
