"""Every ```graphql example in docs/api.md is a valid operation of the schema it is for.

Validation only, nothing runs: graphql-core's standard rules plus the API's own
depth and complexity limits (an example the server would refuse is a broken
example). A block's first line says which schema it is for:

* ``# county``: the county endpoint (``graphql_api.county.county_schema``);
* ``# plugin: <key>``: the township schema with every built-in plugin's fields;
* anything else: the township schema both without plugins and with every
  built-in plugin's fields, so core examples never lean on a plugin.

The county schema is still young: its examples are collected separately
(``test_county_examples_are_valid``) so a failure there points at the county
schema or its examples, not at the township's.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import translation
from graphql import GraphQLError, parse, validate

from graphql_api import limits
from graphql_api.assembly import build_schema, builtin_contributions, core_schema

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
FENCE = re.compile(r"^```graphql[ \t]*\n(?P<body>.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
MARKER = re.compile(r"^#\s*(?P<kind>county|plugin)\b(?:\s*:\s*(?P<key>[\w-]+))?", re.IGNORECASE)
OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+(?P<name>\w+)")


class Example:
    """One ```graphql block: where it is, what it is called and which schema it is for."""

    def __init__(self, body: str, line: int):
        self.body = body
        self.line = line
        first = body.lstrip().splitlines()[0].strip() if body.strip() else ""
        marker = MARKER.match(first)
        self.kind = marker["kind"].lower() if marker else "township"
        self.plugin = marker["key"] if marker and self.kind == "plugin" else None
        found = OPERATION.search(body)
        self.name = found["name"] if found else "anonymous"

    @property
    def label(self) -> str:
        return f"docs/api.md line {self.line} ({self.name})"

    def __repr__(self) -> str:
        return self.label


def examples() -> list[Example]:
    text = DOC.read_text(encoding="utf-8")
    return [Example(m["body"], text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


def _params(kinds: set[str]) -> list:
    return [
        pytest.param(example, id=f"line{example.line}-{example.name}")
        for example in examples()
        if example.kind in kinds
    ]


@cache
def township_full_schema():
    """The township schema with every built-in plugin's contribution (default settings)."""
    return build_schema(builtin_contributions()).graphql_schema


@cache
def township_core_schema():
    return core_schema().graphql_schema


@cache
def county_graphql_schema():
    from graphql_api.county import county_schema

    return county_schema.graphql_schema


def problems(example: Example, schema) -> list[str]:
    """Why ``example`` would be refused before running (empty: it is valid)."""
    try:
        document = parse(example.body)
    except GraphQLError as error:
        return [f"does not parse: {error.message}"]
    signed_in = SimpleNamespace(is_authenticated=True, user=object())
    with translation.override("en"):  # the limits' messages, for the developer reading them
        rules = limits.rules_for({}, signed_in)
        return [error.message for error in validate(schema, document, rules)]


def assert_valid(example: Example, schema, schema_name: str) -> None:
    found = problems(example, schema)
    assert not found, (
        f"{example.label} is not a valid operation of the {schema_name} schema:\n  "
        + "\n  ".join(found)
        + f"\n--- the example ---\n{example.body}"
    )


# --- the tests ------------------------------------------------------------------------


def test_the_guide_has_examples_for_both_endpoints():
    found = examples()
    text = DOC.read_text(encoding="utf-8")
    assert len(found) == text.count("```graphql"), "a ```graphql fence is not closed"
    kinds = {example.kind for example in found}
    assert {"township", "county"} <= kinds, kinds
    assert len([e for e in found if e.kind == "township"]) >= 20


@pytest.mark.parametrize("example", _params({"township"}))
def test_township_examples_are_valid_with_and_without_plugins(example):
    assert_valid(example, township_core_schema(), "township (no plugins)")
    assert_valid(example, township_full_schema(), "township (every built-in plugin)")


@pytest.mark.parametrize("example", _params({"plugin"}))
def test_plugin_examples_are_valid_with_every_builtin_plugin(example):
    keys = {key for key, _ in builtin_contributions()}
    assert example.plugin in keys, (
        f"{example.label} names plugin {example.plugin!r}, which contributes no GraphQL "
        f"fields (those that do: {', '.join(sorted(keys))})"
    )
    assert_valid(example, township_full_schema(), "township (every built-in plugin)")


@pytest.mark.parametrize("example", _params({"county"}))
def test_county_examples_are_valid(example):
    assert_valid(example, county_graphql_schema(), "county")


def test_an_invalid_example_is_reported_with_its_place_and_reason():
    broken = Example("query Broken {\n  households { edges { node { nosuchfield } } }\n}\n", 7)
    found = problems(broken, township_full_schema())
    assert broken.label == "docs/api.md line 7 (Broken)"
    assert any("nosuchfield" in message for message in found), found
    costly = Example(
        "{ households(first: 100) { edges { node { ledger(first: 100) { edges { node "
        "{ points evidence rule { code } } } } } } } }",
        9,
    )
    assert any("limit is" in message for message in problems(costly, township_full_schema()))
