"""The ledger import's two readers agree: PostgreSQL reads a plain CSV file (COPY and
set-based checks), Python reads everything else and every file with a row to explain.

The server-side reader must stage exactly what the Python reader stages, or give the
file to the Python reader; it must never stage a row the Python reader refuses.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_core.scoring import imports
from platform_core.scoring.imports import EVENT_COLUMNS, import_score_events
from platform_core.scoring.models import ScoreEvent
from platform_core.tabular import Problems, open_table
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADER = [
    "household_code",
    "rule_code",
    "occurred_on",
    "points",
    "external_id",
    "note",
    "notified_on",
    "finding_authority",
    "finding_document",
    "found_on",
    "warned_on",
    "warning",
]
FINDING = ["县信访局", "信访〔2026〕3号", "2026-02-10", "2026-02-01", "书面告知"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _staged(path: Path, reader: str, notified_on: dt.date | None = None):
    """(rows read, import_events as staged, problems) by one reader, nothing kept."""
    today = timezone.localdate()
    table = open_table(path, EVENT_COLUMNS)
    problems = Problems(table.file_name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(imports._TEMP_TABLE)
        if reader == "server":
            rows = imports._stage_on_server(cursor, path, table, today, notified_on)
        else:
            rows = imports._stage_in_python(cursor, table, problems, today, notified_on, None)
        cursor.execute("SELECT * FROM import_events ORDER BY row")
        staged = cursor.fetchall()
        cursor.execute("DROP TABLE import_events")
    return rows, staged, problems.items


def _agree(path: Path, notified_on: dt.date | None = None) -> bool:
    """Whether the server read the file; fails when it read it otherwise than Python."""
    rows, staged, _ = _staged(path, "server", notified_on)
    python_rows, python_staged, problems = _staged(path, "python", notified_on)
    if rows is None:
        assert not staged
        return False
    assert not problems, f"the server staged a file Python refuses: {problems}"
    assert (rows, staged) == (python_rows, python_staged)
    return True


def test_a_plain_file_with_every_column_is_read_by_the_server(township_a, in_township, tmp_path):
    rows = [
        ["V01-0001", "VO-01", "2026-03-02", "", "a-1", "巡防", "", "", "", "", "", ""],
        [" V01-0002 ", " P7-03", "2026-03-05 ", "-3", "'=a-2", " 备注 ", "2026-03-06"] + [""] * 5,
        ["", "", "", "", "", "", "", "", "", "", "", ""],  # a blank row keeps its number
        ["V01-0003", "GS-01", "2026-03-06", "+2", "", "'-5", "2026-03-06", *[""] * 5],
        ["V01-0001", "P7-01", "2026-03-02", "", "p-1", "", "", *FINDING],
    ]
    path = _write(tmp_path / "e.csv", HEADER, rows)
    with in_township(township_a):
        f.village()
        assert _agree(path)
        assert _agree(path, notified_on=dt.date(2026, 3, 10))
        _rows, staged, _ = _staged(path, "server")
        assert [row[0] for row in staged] == [2, 3, 5, 6]
        assert staged[1][1:8] == (
            "V01-0002",
            "P7-03",
            dt.date(2026, 3, 5),
            -3,
            "=a-2",
            "备注",
            dt.date(2026, 3, 6),
        )
        assert staged[3][8:] == (
            "县信访局",
            "信访〔2026〕3号",
            *map(dt.date.fromisoformat, FINDING[2:4]),
            "书面告知",
        )


def test_full_width_spaces_are_stripped_as_python_strips_them(township_a, in_township, tmp_path):
    rows = [["\u3000V01-0001\u00a0", "VO-01\t", "2026-03-02", "\u20035", "x", "a\u3000"]]
    path = _write(tmp_path / "e.csv", HEADER[:6], rows)
    with in_township(township_a):
        f.village()
        assert _agree(path)


def test_chinese_headers_and_extra_columns(township_a, in_township, tmp_path):
    header = ["备注", "其他", "户码", "规则", "日期", "分值", "外部编号"]
    rows = [["n", "ignored", "V01-0001", "VO-01", "2026-03-02", "", "z1"]]
    path = _write(tmp_path / "e.csv", header, rows)
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with in_township(township_a):
        f.village()
        assert _agree(path)


@pytest.mark.parametrize(
    "cells",
    [
        ["V01-0001", "VO-01", "2026-03-02", "", "a,b"],  # quoted by the writer
        ["V01-0001", "VO-01", "2026-03-02", "", 'a"b'],
        ["V01-0001", "VO-01", "2026-03-02", "", "a\\b"],
        ["V01-0001", "VO-01", "1899-12-31", "", "old"],  # Python takes it; no lookup has it
        ["V01-0001", "VO-01", "2026-03-02", "05", "x"],
        ["V01-0001", "VO-01", "2026-02-30", "", "x"],  # Python names the problem
        ["V01-0001", "VO-01", "2026-03-02", "0", "x"],
    ],
)
def test_what_the_server_does_not_read_goes_to_python(cells, township_a, in_township, tmp_path):
    path = _write(tmp_path / "e.csv", HEADER[:5], [cells])
    with in_township(township_a):
        f.village()
        assert not _agree(path)


def test_a_ragged_file_goes_to_python(township_a, in_township, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        "household_code,rule_code,occurred_on\nV01-0001,VO-01,2026-03-02,extra\nV01-0002,VO-01\n",
        encoding="utf-8",
    )
    with in_township(township_a):
        f.village()
        assert not _agree(path)


def test_the_import_takes_the_server_path_for_a_plain_file(
    township_a, in_township, tmp_path, monkeypatch
):
    rows = [
        ["V01-0001", "VO-01", "2026-03-02", "", "s-1"],
        ["V01-0002", "P7-03", "2026-03-05", "", ""],
    ]
    path = _write(tmp_path / "e.csv", HEADER[:5], rows)

    def refuse(*args, **kwargs):
        raise AssertionError("the Python reader was used")

    with in_township(township_a):
        f.village()
        monkeypatch.setattr(imports, "_parse_event", refuse)
        result = import_score_events(path, operator=f.person("clerk"), approve=True)
        assert (result.rows, result.recorded) == (2, 2)
        entry = ScoreEvent.objects.get(external_id="s-1")
        assert (entry.points, entry.evidence) == (2, "imported from e.csv, row 2")


# Cells a clerk's file may hold: (ones the server reads, others).
CELLS = {
    "household_code": (["V01-0001", " V01-0002 ", "\u3000V01-0003", "'=V01"], ["", " "]),
    "rule_code": (["VO-01", "P7-03", " GS-01", "'-P7"], ["", "a,b"]),
    "occurred_on": (
        ["2026-03-02", " 2026-03-02", "2026-02-28"],
        ["2026-02-30", "2026/03/02", "", "1899-12-31", "2026-3-2", "20260302", "9999-01-01"],
    ),
    "points": (["", "5", "+5", "-3", "-1000", " 2 "], ["0", "05", "1001", "－3", "1.5", "x"]),
    "external_id": (["", "x", "'=x", "'-5", "'", "a b"], ["x" * 129, "a,b"]),
    "note": (["", "巡防", " n ", "'=1+1", "a\u3000", "'\u3000"], ['say "hi"', "a\\b"]),
    "notified_on": (["", "2026-03-05", "2026-03-02"], ["2026-03-01", "bad"]),
}
FINDINGS = [[""] * 5, FINDING, [*FINDING[:2], "2026-02-01", "2026-02-10", FINDING[4]]]


@st.composite
def files(draw):
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = []
        for good, bad in CELLS.values():
            # Mostly good cells (Hypothesis favours the first): a file is read by the
            # server only when all its rows are.
            row.append(draw(st.sampled_from(good * 4 + bad)))
        rows.append(row + draw(st.sampled_from(FINDINGS)))
        if draw(st.integers(0, 5)) == 0:
            rows.append([""] * len(HEADER))
    return rows


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=files(), flag=st.sampled_from([None, dt.date(2026, 3, 4)]))
def test_the_readers_never_disagree(rows, flag, township_a, in_township, tmp_path):
    path = _write(tmp_path / "e.csv", HEADER, rows)
    with in_township(township_a):
        if not f.Household.objects.exists():
            f.village()
        _agree(path, notified_on=flag)
    READ_BY_SERVER.append(_staged(path, "server", flag)[0] is not None)


READ_BY_SERVER: list[bool] = []


def test_the_server_read_some_of_those_files():
    # Run after the property above (file order): it must have exercised the server.
    assert not READ_BY_SERVER or sum(READ_BY_SERVER) >= 5
