"""Issue 13, finding 8: bad client input is BAD_INPUT naming the field, never a server error.

Pages of a connection (``offset``, cursors), months, NUL characters (PostgreSQL cannot
store them), request bodies that are not UTF-8, and import files that are too big,
binary or damaged: each is refused at the edge, and nothing is written.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from platform_core.actors import Actor
from platform_core.evaluation.models import EvaluationRound
from platform_core.households.imports import import_households
from platform_core.households.models import Household
from platform_core.plugins.services import enable_plugin
from platform_core.scoring.imports import import_rules, import_score_events
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.tabular import TableError
from plugins.garbage_sorting.imports import import_inspections
from plugins.petition.imports import import_cases
from plugins.petition.models import Case
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for

CURSOR_5 = "YXJyYXljb25uZWN0aW9uOjU="  # arrayconnection:5
CURSOR_MINUS_5 = "YXJyYXljb25uZWN0aW9uOi01"  # arrayconnection:-5


@pytest.fixture
def village(township_a, in_township):
    with in_township(township_a):
        f.village()
    return township_a


def _admin() -> Client:
    client = Client()
    assert client.login(username="admin@jia.test", password="pw-jia")
    return client


def _message(body: dict) -> str:
    return body["errors"][0]["message"]


# --- pages ---------------------------------------------------------------------------


def test_finding_8_negative_offset_offset_with_before_and_foreign_cursors_are_bad_input(village):
    url, admin = endpoint(village), _admin()
    cases = {
        "households(offset: -1)": "offset=-1",
        f'households(offset: 1, before: "{CURSOR_5}")': "offset and before",
        'households(offset: 1, after: "not a cursor")': "after='not a cursor'",
        f'households(last: 2, before: "{CURSOR_MINUS_5}")': "before=",
        f'households(after: "{CURSOR_MINUS_5}")': "after=",
        "households(first: -3)": "first=-3",
    }
    for arguments, named in cases.items():
        body = gql(admin, url, "{ " + arguments + " { totalCount edges { node { code } } } }")
        assert codes(body) == ["BAD_INPUT"], (arguments, body)
        assert named in _message(body) and body["errors"][0]["path"] == ["households"]
    # found by the fuzz test: an empty cursor with offset, a null limit
    empty = gql(admin, url, '{ households(offset: 0, before: "") { totalCount } }')
    assert empty["data"]["households"]["totalCount"] == 3 and not empty.get("errors")
    null = gql(admin, url, '{ household(code: "V01-0001") { latestEntries(limit: null) { id } } }')
    assert not null.get("errors")
    page = gql(
        admin,
        url,
        "{ households(first: 1) { edges { node { latestEntries(limit: null) { id } } } } }",
    )
    assert not page.get("errors")
    # the same on a nested list, and what still works
    ledger = '{ household(code: "V01-0001") { ledger(offset: -2) { totalCount } } }'
    assert codes(gql(admin, url, ledger)) == ["BAD_INPUT"]
    fine = gql(admin, url, '{ households(offset: 1, after: "") { edges { node { code } } } }')
    assert [e["node"]["code"] for e in fine["data"]["households"]["edges"]] == [
        "V01-0002",
        "V01-0003",
    ]


def test_finding_8_bad_page_arguments_of_a_wrong_role_or_township_stay_refusals(
    village, township_b
):
    url = endpoint(village)
    household = token_for(village, "hh@jia.test", "household", household_code="V01-0001")
    body = gql(Client(), url, "{ households(offset: -1) { totalCount } }", token=household)
    assert codes(body) in (["BAD_INPUT"], ["FORBIDDEN"])
    other = Client()
    assert other.login(username="admin@yi.test", password="pw-yi")
    assert codes(gql(other, url, "{ households(offset: -1) { totalCount } }")) == ["FORBIDDEN"]


# --- months --------------------------------------------------------------------------


@pytest.mark.parametrize("month", ["9999-12", "2024-13", "0000-01", "1899-12", "March"])
def test_finding_8_out_of_range_months_are_bad_input_naming_the_field(village, month):
    url, admin = endpoint(village), _admin()
    for query in (
        '{ entries(month: "%s") { totalCount } }',
        '{ rounds(month: "%s") { __typename } }',
    ):
        body = gql(admin, url, query % month)
        assert codes(body) == ["BAD_INPUT"] and f"month='{month}'" in _message(body)
    for mutation in (
        'mutation { openRound(villageCode: "V01", month: "%s") { errors { code message } } }',
        'mutation { finaliseMonth(month: "%s") { errors { code message } } }',
    ):
        payload = next(iter(gql(admin, url, mutation % month)["data"].values()))
        assert [e["code"] for e in payload["errors"]] == ["BAD_INPUT"]
        assert f"month='{month}'" in payload["errors"][0]["message"]
    with schema_context(village.schema_name):
        assert not EvaluationRound.objects.exists()


# --- NUL characters ------------------------------------------------------------------

RECORD = """mutation($evidence: String!) {
  recordEntry(householdCode: "V01-0001", ruleCode: "P7-03", occurredOn: "2026-03-05",
              evidence: $evidence) { entry { id } errors { field code } }
}"""


def test_finding_8_nul_in_arguments_and_variables_is_bad_input_naming_them(village):
    url, admin = endpoint(village), _admin()
    literal = gql(admin, url, '{ households(village: "V0\\u00001") { totalCount } }')
    assert codes(literal) == ["BAD_INPUT"] and _message(literal).startswith("village:")
    variable = gql(admin, url, RECORD, {"evidence": "photo\x00.jpg"})
    assert codes(variable) == ["BAD_INPUT"] and _message(variable).startswith("$evidence:")
    assert variable["_status"] == 400 and "data" not in variable
    default = gql(
        admin, url, 'query($v: String = "\\u0000") { households(village: $v) { totalCount } }'
    )
    assert codes(default) == ["BAD_INPUT"] and _message(default).startswith("$v:")
    with schema_context(village.schema_name):
        assert not ScoreEvent.objects.exists()
    anonymous = gql(Client(), url, "query($x: String) { health { status } }", {"x": "\x00"})
    assert codes(anonymous) == ["BAD_INPUT"]


def test_finding_8_nul_in_paths_query_strings_and_form_posts_is_a_400(village):
    admin = _admin()
    base = f"/t/{village.code}"
    for path in (
        f"{base}/households/%00/qr.svg",
        f"{base}/boards/V%0001/2026-Q1/",
        f"{base}/admin/households/household/?q=%00",
        f"{base}/graphql/?query=%7B__typename%7D&operationName=%00",
    ):
        reply = admin.get(path)
        assert reply.status_code == 400, path
    graphql = admin.get(f"{base}/graphql/?query=%7B__typename%7D&x=%00")
    assert graphql.status_code == 400 and codes(graphql.json()) == ["BAD_INPUT"]
    login = Client().post(f"{base}/accounts/login/", {"username": "admin\x00", "password": "x"})
    assert login.status_code == 400 and "username" in login.content.decode()


# --- request bodies ------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/graphql", "application/json"])
def test_finding_8_a_body_that_is_not_utf8_is_a_400_with_a_json_error(village, content_type):
    for client in (Client(), _admin()):
        reply = client.post(endpoint(village), b"\xff\xfe{ health }", content_type=content_type)
        assert reply.status_code == 400 and reply["Content-Type"] == "application/json"
        assert codes(reply.json()) == ["BAD_INPUT"] and "UTF-8" in _message(reply.json())


def test_finding_8_a_body_over_the_upload_limit_is_a_413_with_a_json_error(village, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = json.dumps({"query": "{ health { status } }", "variables": {"x": "y" * 2_000}})
    reply = Client().post(
        endpoint(village), body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert reply.status_code == 413 and codes(reply.json()) == ["BAD_INPUT"]
    assert "larger than 1000 bytes" in _message(reply.json())


def test_finding_8_malformed_json_bodies_are_bad_input(village):
    url, admin = endpoint(village), _admin()
    nested = '{"query": "{ health { status } }", "variables": ' + "[" * 5000 + "]" * 5000 + "}"
    for body in (nested, '{"query": "{ health { status } }", "variables": 5}', "[1]", "{"):
        reply = admin.post(url, body, content_type="application/json")
        assert reply.status_code == 400 and codes(reply.json()) == ["BAD_INPUT"], body


# --- import files --------------------------------------------------------------------


def _not_a_zip(path):
    path.write_bytes(b"PK\x03\x04 this is not really a zip")


def _zip_without_workbook(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")


def _workbook_with_a_broken_sheet(path):
    from openpyxl import Workbook

    Workbook().save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c"  # cut off
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


BAD_FILES = {
    "random bytes.csv": lambda p: p.write_bytes(bytes(range(256)) * 40),
    "nul.csv": lambda p: p.write_bytes(b"code,village,head_name\nV01-0009,V01,a\x00b\n"),
    "huge cell.csv": lambda p: p.write_text(
        "code,village,head_name\nV01-0009,V01,ok\nV01-0010,V01," + "x" * 200_000 + "\n"
    ),
    "not a zip.xlsx": _not_a_zip,
    "no workbook.xlsx": _zip_without_workbook,
    "broken sheet.xlsx": _workbook_with_a_broken_sheet,
}


def _importers(in_township, township):
    with in_township(township):
        operator = f.person("operator", "township_admin")
    return {
        "households": lambda path: import_households(path),
        "rules": lambda path: import_rules(path, by=Actor.cli()),
        "events": lambda path: import_score_events(path, operator=operator),
        "inspections": lambda path: import_inspections(path, inspector=operator),
        "cases": lambda path: import_cases(path, operator=operator),
    }


def _counts() -> tuple[int, ...]:
    from plugins.garbage_sorting.models import Inspection

    return (
        Household.objects.count(),
        Rule.objects.count(),
        ScoreEvent.objects.count(),
        Inspection.objects.count(),
        Case.objects.count(),
    )


def test_finding_8_binary_huge_and_damaged_files_are_table_errors_writing_nothing(
    village, in_township, tmp_path
):
    enable_plugin(village, "garbage_sorting")
    enable_plugin(village, "petition")
    importers = _importers(in_township, village)
    with in_township(village):
        before = _counts()
        for file_name, write in BAD_FILES.items():
            path = tmp_path / file_name
            write(path)
            for key, run in importers.items():
                with pytest.raises(TableError) as refused:
                    run(path)
                assert refused.value.problems, (file_name, key)
        assert _counts() == before


def test_finding_8_a_csv_cell_over_the_field_limit_is_a_row_problem(village, in_township, tmp_path):
    path = tmp_path / "households.csv"
    BAD_FILES["huge cell.csv"](path)
    with in_township(village), pytest.raises(TableError) as refused:
        import_households(path)
    (problem,) = refused.value.problems
    assert problem.row == 3 and "longer than 131072 characters" in problem.message
    nul = tmp_path / "nul.csv"
    BAD_FILES["nul.csv"](nul)
    with in_township(village), pytest.raises(TableError) as refused:
        import_households(nul)
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (2, "head_name") and "NUL" in problem.message


def test_finding_8_hotline_json_that_is_too_deep_or_holds_nul_is_refused(
    village, in_township, tmp_path
):
    enable_plugin(village, "petition")
    deep, nul = tmp_path / "deep.json", tmp_path / "nul.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    nul.write_text(json.dumps([{"reference": "A1", "summary": "x\x00y"}]))
    with in_township(village):
        operator = f.person("clerk", "township_admin")
        for path in (deep, nul):
            with pytest.raises(TableError):
                import_cases(path, operator=operator)
        assert not Case.objects.exists()


def test_finding_8_the_admin_import_page_shows_the_problem_instead_of_a_server_error(
    village, in_township
):
    admin = _admin()
    page = f"/t/{village.code}/admin/households/household/import/"
    huge = "code,village,head_name\nV01-0010,V01," + "x" * 200_000 + "\n"
    for name, content in (
        ("huge.csv", huge.encode()),
        ("binary.csv", bytes(range(256)) * 10),
        ("damaged.xlsx", b"PK\x03\x04 nope"),
    ):
        upload = SimpleUploadedFile(name, content)
        reply = admin.post(page, {"file": upload})
        assert reply.status_code == 200 and name in reply.content.decode(), name
    with in_township(village):
        assert Household.objects.count() == 3


def test_finding_8_uploads_are_read_without_keeping_a_nul_in_their_name(village):
    page = f"/t/{village.code}/admin/households/household/import/"
    upload = SimpleUploadedFile("a\x00.csv", io.BytesIO(b"code\n").getvalue())
    assert _admin().post(page, {"file": upload}).status_code in (200, 400)
