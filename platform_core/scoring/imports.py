"""Import and export of covenant rules and of ledger entries (contracts in the README).

Both imports check the whole file before writing and write in one transaction:
any bad row fails the file with its row and column, and nothing is kept.
Ledger entries stream through PostgreSQL COPY into a temporary table, are checked
there against households and rules, and land in the ledger with one INSERT ...
SELECT, so a million-row file never sits in Python's memory. A row whose
``external_id`` is already in the ledger (for the same source, household and
rule) is skipped and counted: importing a file twice records it once; under
another household or rule it is a row error.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.scoring.caps import MONTH, YEAR, CapSpec, Entry, add_used, replay
from platform_core.scoring.due_process import announce, window_end
from platform_core.scoring.models import Cap, Rule, RuleSubjects
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.services import finding_dates_problem, require_role, save_rule
from platform_core.scoring.versions import CovenantBook
from platform_core.tabular import (
    FORMULA_TRIGGERS,
    Column,
    Problems,
    as_bool,
    as_date,
    as_int,
    as_text,
    open_table,
    write_table,
)

Progress = Callable[[str], None]

RULE_COLUMNS = [
    Column("code", ("编码", "规则编码"), required=True),
    Column("title_zh", ("名称", "中文名称"), required=True),
    Column("title_en", ("英文名称",)),
    Column("category", ("类别",), required=True),
    Column("points", ("分值",), required=True),
    Column("needs_review", ("需审核",)),
    Column("basis", ("依据", "法律依据")),
    Column("immediate", ("立即生效",)),
    # Whom the rule scores: households (default) or merchants and firms (docs/subjects.md).
    Column("applies_to", ("适用对象",)),
    # The covenant file's own columns (docs/scoring.md, "Caps"): whether the rule applies,
    # and its caps per household per month and year. A row with code * caps a category.
    Column("active", ("启用", "有效")),
    Column("cap_month", ("月上限", "每月上限")),
    Column("cap_year", ("年上限", "每年上限")),
]
#: The code of a row that caps a whole category (its category, cap_month, cap_year).
CATEGORY_ROW = "*"
EVENT_COLUMNS = [
    Column("household_code", ("户码",), required=True),
    Column("rule_code", ("规则", "规则编码"), required=True),
    Column("occurred_on", ("日期", "发生日期"), required=True),
    Column("points", ("分值",)),
    Column("external_id", ("外部编号",)),
    Column("note", ("备注",)),
    # The day the household was told of the deduction, when that happened before the
    # import (docs/scoring.md, "Notice before a deduction counts").
    Column("notified_on", ("通知日期",)),
    # The formal finding of a deduction under a rule that needs one (unreasonable
    # petitions; docs/scoring.md, "Unreasonable-petition deductions only on a formal
    # finding"): all five cells, or none.
    Column("finding_authority", ("认定机关",)),
    Column("finding_document", ("认定文号",)),
    Column("found_on", ("认定日期",)),
    Column("warned_on", ("提醒日期",)),
    Column("warning", ("提醒方式",)),
]
FINDING_COLUMNS = ("finding_authority", "finding_document", "found_on", "warned_on", "warning")
IMPORT_SOURCE = "import"
PROGRESS_EVERY = 100_000
ANALYZE_AFTER = 10_000
MAX_POINTS = 1000  # no covenant line moves a score by more in one entry


# --- rules ------------------------------------------------------------------


@dataclass(frozen=True)
class RuleImport:
    file: str
    created: int
    updated: int

    def summary(self) -> str:
        return f"{self.file}: {self.created} rules added, {self.updated} updated"


def _category(value) -> str:
    text = as_text(value)
    for key, label in Rule.Category.choices:
        if text.lower() in (key, str(label).lower()) or text == _ZH_CATEGORIES.get(key):
            return key
    names = ", ".join(f"{key} ({_ZH_CATEGORIES[key]})" for key in Rule.Category.values)
    raise ValueError(
        _("unknown category %(value)s; use one of %(choices)s")
        % {"value": repr(text), "choices": names}
    )


#: Whom a rule scores, as a file may say it (the stored value, or in Chinese).
_SUBJECT_WORDS = {
    "households": RuleSubjects.HOUSEHOLDS,
    "农户": RuleSubjects.HOUSEHOLDS,
    "enterprises": RuleSubjects.ENTERPRISES,
    "商户企业": RuleSubjects.ENTERPRISES,
    "商户和企业": RuleSubjects.ENTERPRISES,
}


def _applies_to(value) -> str:
    text = as_text(value)
    found = _SUBJECT_WORDS.get(text.lower())
    if found is None:
        raise ValueError(
            _("%(value)s: use households (农户) or enterprises (商户企业)") % {"value": repr(text)}
        )
    return str(found)


_ZH_CATEGORIES = {
    "garbage_sorting": "垃圾分类",
    "customs_reform": "移风易俗",
    "public_safety": "平安建设",
    "volunteering": "志愿活动",
    "mutual_aid": "扶贫帮困",
    "prohibition": "七不准",
    "business": "诚信经营",
    "other": "其他",
}


def import_rules(path: str | Path, *, by: Actor) -> RuleImport:
    """Add or update covenant rules by code; recorded entries keep their points.

    For an existing rule, empty optional cells (``title_en``, ``needs_review``,
    ``basis``, ``immediate``) keep what the rule has; for a new rule they default to
    ``title_zh``, true, empty and false. A deduction or an immediate rule without a
    legal basis is a row error (``save_rule``).
    ``by`` edits the covenant as ``save_rule`` demands (checked once, before reading).
    """
    require_role(by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("edit covenant rules"))
    table = open_table(path, RULE_COLUMNS)
    problems = Problems(table.file_name)
    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    caps: list[tuple[int, CapSpec]] = []
    for number, values in table.rows:
        if as_text(values.get("code")) == CATEGORY_ROW:
            caps += _category_caps(number, values, table, problems)
            continue
        row = _rule_row(number, values, table, problems, seen)
        extras = _covenant_cells(number, values, table, problems, row)
        if row is not None and extras is not None:
            caps += extras.pop("caps")
            rows.append((number, {**row, **extras}))
    problems.raise_if_any()
    _caps_unchanged(caps, table, problems)
    problems.raise_if_any()
    created = 0
    with transaction.atomic():
        existing = set(Rule.objects.values_list("code", flat=True))
        for number, row in rows:
            if row["code"] not in existing:
                row.setdefault("title_en", row["title_zh"])
                row.setdefault("needs_review", True)
            try:
                _rule, was_created = save_rule(**row, by=by)
            except PlatformError as exc:
                problems.add(number, None, str(exc))
                continue
            created += was_created
        problems.raise_if_any()  # inside the transaction: nothing is kept
    return RuleImport(table.file_name, created, len(rows) - created)


def _rule_row(number, values, table, problems, seen) -> dict | None:
    ok = True
    row: dict = {}
    for name, limit in (("code", 40), ("title_zh", 200), ("title_en", 200), ("basis", 300)):
        text = as_text(values.get(name))
        if len(text) > limit:
            problems.add(number, table.label(name), _longer_than(limit))
            ok = False
        if text:
            row[name] = text
        elif name not in ("title_en", "basis"):
            problems.add(number, table.label(name), _("missing value"))
            ok = False
    code = row.get("code")
    if code in seen:
        problems.add(
            number,
            table.label("code"),
            _("%(value)s repeats row %(row)s") % {"value": code, "row": seen[code]},
        )
        ok = False
    if code:
        seen[code] = number
    for name, parse in (
        ("category", _category),
        ("points", _rule_points),
        ("needs_review", as_bool),
        ("immediate", as_bool),
        ("applies_to", _applies_to),
    ):
        value = values.get(name)
        if value is None:
            if name not in ("needs_review", "immediate", "applies_to"):
                problems.add(number, table.label(name), _("missing value"))
                ok = False
            continue
        try:
            row[name] = parse(value)
        except ValueError as exc:
            problems.add(number, table.label(name), str(exc))
            ok = False
    return row if ok else None


def _longer_than(limit: int) -> str:
    return _("longer than %(limit)s characters") % {"limit": limit}


def _rule_points(value) -> int:
    points = as_int(value)
    if points == 0:
        raise ValueError(_("a rule must add or deduct points (not 0)"))
    return within_points_limit(points)


def within_points_limit(points: int) -> int:
    if not -MAX_POINTS <= points <= MAX_POINTS:
        raise ValueError(
            _("%(points)s is outside -%(limit)s..%(limit)s")
            % {"points": points, "limit": MAX_POINTS}
        )
    return points


def export_rules(path: str | Path) -> int:
    """Write the covenant in the import format (so it can be edited and imported back),
    with the caps of the township version in force today (category caps as ``*`` rows)."""
    caps = township_caps_today()
    rows = (
        (
            r.code,
            r.title_zh,
            r.title_en,
            r.category,
            r.points,
            "true" if r.needs_review else "false",
            r.basis,
            "true" if r.immediate else "false",
            r.applies_to,
        )
        + _covenant_row_cells(r, caps)
        for r in Rule.objects.order_by("category", "code")
    )
    header = [c.name for c in RULE_COLUMNS]
    return write_table(path, header, [*rows, *_category_cap_rows(caps, len(header))], bom=True)


# --- ledger entries -----------------------------------------------------------


@dataclass(frozen=True)
class EventImport:
    file: str
    rows: int
    recorded: int
    skipped: int
    approved: bool
    seconds: float

    def summary(self) -> str:
        state = "approved" if self.approved else "as the rules say (review or approved)"
        rate = self.rows / self.seconds if self.seconds else 0
        return (
            f"{self.file}: {self.rows} rows, {self.recorded} entries recorded {state}, "
            f"{self.skipped} skipped as already in the ledger (external_id), "
            f"{self.seconds:.1f} s ({rate:,.0f} rows/s)"
        )


_TEMP_TABLE = """
CREATE TEMPORARY TABLE import_events (
    row integer NOT NULL,
    household_code text NOT NULL,
    rule_code text NOT NULL,
    occurred_on date NOT NULL,
    points integer,
    external_id text,
    note text,
    notified_on date,
    finding_authority text,
    finding_document text,
    found_on date,
    warned_on date,
    warning text
) ON COMMIT DROP
"""

# The first day a deduction counts, per notice day (computed in Python: working days).
_WINDOWS_TABLE = """
CREATE TEMPORARY TABLE import_windows (
    notified_on date PRIMARY KEY,
    counts_from date
) ON COMMIT DROP
"""


def import_score_events(
    path: str | Path,
    *,
    operator: Actor,
    approve: bool = False,
    source: str = IMPORT_SOURCE,
    progress: Progress | None = None,
    notified_on: dt.date | None = None,
) -> EventImport:
    """Import ledger entries; with ``approve`` they are approved by ``operator`` (said in each).

    A deduction imported approved counts after the township's response window from
    its notice day: the row's ``notified_on`` cell, else ``notified_on`` (one day for
    the whole file), else today, when its notice is sent (after the commit).
    """
    started = time.perf_counter()
    table = open_table(path, EVENT_COLUMNS)
    problems = Problems(table.file_name)
    today = timezone.localdate()
    if notified_on is not None and notified_on > today:
        problems.add(
            None,
            NOTIFIED_ON_FLAG,
            _("%(date)s is in the future") % {"date": notified_on},
        )
        problems.raise_if_any()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_TEMP_TABLE)
        rows = _stage_on_server(cursor, Path(path), table, today, notified_on)
        if rows is None:  # not a plain CSV, or a row to explain: Python reads and names it
            rows = _stage_in_python(cursor, table, problems, today, notified_on, progress)
        if not rows:
            problems.add(None, None, _("no entries in the file"))
        problems.raise_if_any()
        if progress:
            progress(
                f"read {rows:,} rows ({time.perf_counter() - started:.1f} s); "
                "checking households, rules and external ids"
            )
        _check_in_database(cursor, table, problems)
        problems.raise_if_any()
        if progress:
            progress(f"writing the ledger ({time.perf_counter() - started:.1f} s)")
        _response_windows(cursor, today)
        _cap_effects(cursor, approve, source)
        recorded = _insert(cursor, table.file_name, operator, approve, source, today)
        if recorded < rows and "external_id" in table.headers:
            _report(
                cursor,
                problems,
                table.label("external_id"),
                REPEATED_KEYS,
                _("%(external_id)s repeats row %(first)s"),
            )
            problems.raise_if_any()  # inside the transaction: the insert is undone
            _report(
                cursor,
                problems,
                table.label("external_id"),
                KEYS_OF_OTHER_ENTRIES,
                _(
                    "%(external_id)s is already used by another entry of this source "
                    "(another household or rule)"
                ),
                {"source": source},
            )
            problems.raise_if_any()
        _record_findings(cursor, table.file_name, source)
        _notify_now(cursor, table.file_name, operator, approve, source, today)
        # also when called inside a longer transaction
        cursor.execute("DROP TABLE import_events; DROP TABLE import_windows")
        if recorded >= ANALYZE_AFTER:
            cursor.execute("ANALYZE scoring_scoreevent")  # keep plans right after a bulk load
    seconds = time.perf_counter() - started
    return EventImport(table.file_name, rows, recorded, rows - recorded, approve, seconds)


def _stage_in_python(
    cursor, table, problems: Problems, today, notified_on, progress: Progress | None
) -> int:
    """Fill ``import_events`` row by row through ``_parse_event``; the rows read (its
    problems noted in ``problems``)."""
    started = time.perf_counter()
    rows = 0
    with cursor.copy(
        "COPY import_events (row, household_code, rule_code, occurred_on, points,"
        " external_id, note, notified_on, finding_authority, finding_document,"
        " found_on, warned_on, warning) FROM STDIN"
    ) as copy:
        for number, values in table.rows:
            rows += 1
            parsed = _parse_event(number, values, table, problems, today, notified_on)
            if parsed is not None and not problems:
                copy.write_row(parsed)
            if progress and rows % PROGRESS_EVERY == 0:
                progress(f"read {rows:,} rows ({time.perf_counter() - started:.1f} s)")
    return rows


# --- the server-side reader of a plain CSV file ---------------------------------
#
# PostgreSQL parses the file (COPY ... FORMAT csv into text columns numbered as the
# spreadsheet numbers rows) and one INSERT ... SELECT converts and checks every row
# as ``_parse_event`` does. It takes only what it reads exactly as Python's csv module
# and ``_parse_event`` would: no quote or backslash anywhere (PostgreSQL opens a quoted
# section in the middle of a cell, and reads a line ``\.`` as the end of the data),
# every record with the header's width, and every row one ``_parse_event`` accepts.
# Anything else (a ragged or unreadable file, a row with something to report) returns
# None and the file goes through the Python reader, which names every problem exactly.

#: The characters ``str.strip()`` removes (Unicode whitespace), for ``btrim``.
_WHITESPACE = "".join(chr(c) for c in range(1, 0x3001) if chr(c).isspace())
#: Their UTF-8 forms but the space and line ends: a file without any needs at most
#: spaces stripped (cheaper for PostgreSQL than the whole set).
_EXOTIC_SPACE = re.compile(
    b"|".join(re.escape(c.encode()) for c in _WHITESPACE if c not in " \n\r")
)
#: A space at the edge of a cell: a file without any needs nothing stripped.
_EDGE_SPACE = re.compile(rb"[,\n] | [,\r\n]")
_CHUNK = 1 << 20
_RAW_LIMIT = csv.field_size_limit()  # Python's reader refuses a longer cell
_EARLIEST = dt.date(1900, 1, 1)  # an older date goes through the Python reader


class _NotPlain(Exception):
    """The file is not one the server-side reader takes exactly."""


@dataclass
class _Scan:
    """What streaming the file showed: how much stripping its cells need; refuses a
    quote, a backslash and a line too long for Python's reader."""

    exotic: bool = False
    edges: bool = False
    line: int = 0  # bytes of the line being read
    tail: bytes = b""  # a character or a cell edge split between two chunks

    def feed(self, chunk: bytes) -> None:
        if b'"' in chunk or b"\\" in chunk:
            raise _NotPlain
        seen = self.tail + chunk
        self.exotic = self.exotic or _EXOTIC_SPACE.search(seen) is not None
        self.edges = self.edges or _EDGE_SPACE.search(seen) is not None
        self.tail = chunk[-3:]
        lines = chunk.split(b"\n")
        self.line += len(lines[0])
        longest = self.line
        if len(lines) > 1:
            longest = max(longest, *(len(piece) for piece in lines[1:-1]), 0)
            self.line = len(lines[-1])
        if longest >= _RAW_LIMIT:
            raise _NotPlain

    def strip_sql(self, column: str | None) -> str:
        """A cell as ``_rows`` passes it on: stripped, NULL when empty."""
        if column is None:
            return "NULL::text"
        if self.exotic:
            return f"NULLIF(btrim({column}, %(ws)s), '')"
        if self.edges or self.tail.endswith(b" "):
            return f"NULLIF(btrim({column}), '')"
        return f"NULLIF({column}, '')"


def _stage_on_server(
    cursor, path: Path, table, today: dt.date, file_notified_on: dt.date | None
) -> int | None:
    """Fill ``import_events`` from a plain CSV file in the database; the rows read, or
    None (nothing staged) when the Python reader must read the file instead."""
    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    header = _header_cells(path)
    if header is None:
        return None
    positions = {}
    for name, text in table.headers.items():
        positions[name] = next(
            i for i, cell in enumerate(header) if cell.strip().lstrip("\ufeff") == text
        )
    raw = [f"c{i}" for i in range(len(header))]
    try:
        with transaction.atomic():
            cursor.execute(
                "CREATE TEMPORARY TABLE import_raw (row integer GENERATED ALWAYS AS IDENTITY"
                f" (START 2), {', '.join(f'{c} text' for c in raw)}) ON COMMIT DROP"
            )
            scan = _Scan()
            with (
                path.open("rb") as handle,
                cursor.copy(
                    f"COPY import_raw ({', '.join(raw)}) FROM STDIN"
                    " WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
                ) as copy,
            ):
                while chunk := handle.read(_CHUNK):
                    scan.feed(chunk)
                    copy.write(chunk)
            copied = cursor.rowcount
            cells = {
                name: scan.strip_sql(f"c{positions[name]}" if name in positions else None)
                for name in (*_TEXT_CELLS, *_DATE_CELLS, "points")
            }
            staged = _convert_raw(cursor, cells, today, file_notified_on)
            if staged != copied:
                blank = " AND ".join(
                    f"{scan.strip_sql(f'c{i}')} IS NULL" for i in positions.values()
                )
                cursor.execute(
                    f"SELECT count(*) FROM import_raw WHERE NOT ({blank})", {"ws": _WHITESPACE}
                )
                if cursor.fetchone()[0] != staged:  # a row to explain
                    raise _NotPlain
            cursor.execute("DROP TABLE import_raw, import_dates, import_points")
    except (_NotPlain, DatabaseError, psycopg.Error):
        return None
    return staged or None  # an empty file: the Python reader says so


def _header_cells(path: Path) -> list[str] | None:
    """The header as Python's reader reads it (None: not UTF-8, or no header)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), None)
    except (UnicodeDecodeError, csv.Error):
        return None


def _text_sql(cell: str) -> str:
    """A stripped cell as ``as_text`` reads it (NULL for ""): without ``escape_cell``'s mark."""
    return (
        f"CASE WHEN left({cell}, 1) <> '''' THEN {cell}"
        f" WHEN char_length({cell}) > 1 AND strpos(%(triggers)s, substr({cell}, 2, 1)) > 0"
        f" THEN NULLIF(btrim(substr({cell}, 2), %(ws)s), '') ELSE {cell} END"
    )


_TEXT_CELLS = (
    "household_code",
    "rule_code",
    "external_id",
    "note",
    "finding_authority",
    "finding_document",
    "warning",
)
_DATE_CELLS = ("occurred_on", "notified_on", "found_on", "warned_on")

# Dates and points are read by lookup, cheaper than parsing each cell: every date
# YYYY-MM-DD from 1900 to today, every non-zero whole number of points within the
# limit as ``str(n)`` and ``+n`` write it. A cell not found there (another way of
# writing a date or a number, a future date, a mistake) leaves its row unstaged.
_LOOKUPS = f"""
CREATE TEMPORARY TABLE import_dates ON COMMIT DROP AS
    SELECT to_char(d, 'YYYY-MM-DD') AS cell, d::date AS value
    FROM generate_series(%(earliest)s::date, %(today)s::date, interval '1 day') d;
CREATE TEMPORARY TABLE import_points ON COMMIT DROP AS
    SELECT n::text AS cell, n AS value
    FROM generate_series(-{MAX_POINTS}, {MAX_POINTS}) n WHERE n <> 0
    UNION ALL SELECT '+' || n, n FROM generate_series(1, {MAX_POINTS}) n;
ANALYZE import_dates; ANALYZE import_points
"""


def _convert_raw(cursor, cells: dict[str, str], today, file_notified_on) -> int:
    """``import_events`` from ``import_raw``: every non-blank row ``_parse_event`` would
    take, converted as it converts it; returns how many. ``cells``: each column's
    stripped cell (SQL). OFFSET 0 keeps each cell computed once per row."""
    params = {
        "ws": _WHITESPACE,
        "triggers": "".join(sorted(FORMULA_TRIGGERS)),
        "today": today,
        "earliest": _EARLIEST,
        "file_notified_on": file_notified_on,
    }
    cursor.execute(_LOOKUPS, params)
    texts = ", ".join(f"{_text_sql(cells[n])} AS {n}" for n in _TEXT_CELLS)
    raw_cells = ", ".join(f"{cells[n]} AS {n}" for n in (*_DATE_CELLS, "points"))
    joins, value = [], {}
    for name in (*_DATE_CELLS, "points"):
        lookup = "import_points" if name == "points" else "import_dates"
        if cells[name] != "NULL::text":
            joins.append(f"LEFT JOIN {lookup} {name}_l ON {name}_l.cell = t.{name}")
            value[name] = f"{name}_l.value"
        else:
            value[name] = "NULL::integer" if name == "points" else "NULL::date"
    finding = (
        "(t.finding_authority IS NOT NULL OR t.finding_document IS NOT NULL"
        f" OR t.warning IS NOT NULL OR {_text_sql('t.found_on')} IS NOT NULL"
        f" OR {_text_sql('t.warned_on')} IS NOT NULL)"
    )
    occurred, found, warned = value["occurred_on"], value["found_on"], value["warned_on"]
    notified = f"COALESCE({value['notified_on']}, %(file_notified_on)s::date)"
    cursor.execute(
        f"""
        INSERT INTO import_events (row, household_code, rule_code, occurred_on, points,
            external_id, note, notified_on, finding_authority, finding_document, found_on,
            warned_on, warning)
        SELECT t.row, t.household_code, t.rule_code, {occurred}, {value["points"]},
               t.external_id, COALESCE(t.note, ''), {notified},
               t.finding_authority, t.finding_document, {found}, {warned}, t.warning
        FROM (SELECT row, {texts}, {raw_cells} FROM import_raw OFFSET 0) t
        {" ".join(joins)}
        WHERE t.household_code IS NOT NULL AND t.rule_code IS NOT NULL
          AND {occurred} IS NOT NULL
          AND (t.points IS NULL) = ({value["points"]} IS NULL)
          AND (t.external_id IS NULL OR char_length(t.external_id) <= 128)
          AND (t.notified_on IS NULL) = ({value["notified_on"]} IS NULL)
          AND ({notified} IS NULL OR {notified} >= {occurred})
          AND CASE WHEN {finding} THEN
                   t.finding_authority IS NOT NULL AND t.finding_document IS NOT NULL
                   AND t.warning IS NOT NULL AND {found} IS NOT NULL AND {warned} IS NOT NULL
                   AND char_length(t.finding_authority) <= 200
                   AND char_length(t.finding_document) <= 100
                   AND {warned} < {found} AND {found} <= {occurred}
               ELSE true END
        """,
        params,
    )
    return cursor.rowcount


def _parse_event(number, values, table, problems, today, file_notified_on=None):
    ok = True
    household = as_text(values.get("household_code"))
    rule = as_text(values.get("rule_code"))
    for name, value in (("household_code", household), ("rule_code", rule)):
        if not value:
            problems.add(number, table.label(name), _("missing value"))
            ok = False
    occurred_on = values.get("occurred_on")
    if occurred_on is None:
        problems.add(number, table.label("occurred_on"), _("missing value"))
        ok = False
    else:
        try:
            occurred_on = as_date(occurred_on)
            if occurred_on > today:
                problems.add(
                    number,
                    table.label("occurred_on"),
                    _("%(date)s is in the future") % {"date": occurred_on},
                )
                ok = False
        except ValueError as exc:
            problems.add(number, table.label("occurred_on"), str(exc))
            ok = False
    points = values.get("points")
    if points is not None:
        try:
            points = as_int(points)
            if points == 0:
                raise ValueError(_("0 points: leave the cell empty to use the rule's points"))
            within_points_limit(points)
        except ValueError as exc:
            problems.add(number, table.label("points"), str(exc))
            ok = False
    external_id = as_text(values.get("external_id")) or None
    if external_id and len(external_id) > 128:
        problems.add(number, table.label("external_id"), _longer_than(128))
        ok = False
    notified_on, notified_ok = _notified_on(
        number, values, table, problems, today, occurred_on if ok else None, file_notified_on
    )
    finding, finding_ok = _finding(number, values, table, problems, occurred_on if ok else None)
    if not (ok and notified_ok and finding_ok):
        return None
    return (
        number,
        household,
        rule,
        occurred_on,
        points,
        external_id,
        as_text(values.get("note")),
        notified_on,
        *finding,
    )


def _finding(number, values, table, problems, occurred_on) -> tuple[tuple, bool]:
    """The row's formal finding (five cells, or none) and whether it is acceptable; its
    dates are checked by the ledger's own rule (``finding_dates_problem``)."""
    cells = {name: values.get(name) for name in FINDING_COLUMNS}
    if all(value is None or not as_text(value) for value in cells.values()):
        return (None,) * 5, True
    ok, found = True, {}
    for name in FINDING_COLUMNS:
        value = cells[name]
        if value is None or not as_text(value):
            problems.add(
                number,
                table.label(name),
                _("missing value: a formal finding needs all of %(columns)s")
                % {"columns": ", ".join(FINDING_COLUMNS)},
            )
            ok = False
            continue
        try:
            found[name] = as_date(value) if name in ("found_on", "warned_on") else as_text(value)
        except ValueError as exc:
            problems.add(number, table.label(name), str(exc))
            ok = False
    for name, limit in (("finding_authority", 200), ("finding_document", 100)):
        if len(found.get(name, "")) > limit:
            problems.add(number, table.label(name), _longer_than(limit))
            ok = False
    if ok and occurred_on is not None:
        problem = finding_dates_problem(found["found_on"], found["warned_on"], occurred_on)
        if problem is not None:
            message, field = problem
            problems.add(number, table.label(field), message)
            ok = False
    if not ok:
        return (None,) * 5, False
    return tuple(found[name] for name in FINDING_COLUMNS), True


NOTIFIED_ON_FLAG = "--notified-on"


def _notified_on(number, values, table, problems, today, occurred_on, file_notified_on):
    """The row's notice day (its cell, else the file's flag, else None: notify now) and
    whether it is acceptable: a date, not in the future, not before the event."""
    cell = values.get("notified_on")
    column = table.label("notified_on") if cell is not None else NOTIFIED_ON_FLAG
    if cell is None:
        day = file_notified_on
    else:
        try:
            day = as_date(cell)
        except ValueError as exc:
            problems.add(number, column, str(exc))
            return None, False
    if day is None:
        return None, True
    if day > today:
        problems.add(number, column, _("%(date)s is in the future") % {"date": day})
        return None, False
    if occurred_on is not None and day < occurred_on:
        problems.add(
            number,
            column,
            _("notice day %(date)s is before the entry's date %(occurred_on)s")
            % {"date": day, "occurred_on": occurred_on},
        )
        return None, False
    return day, True


def _check_in_database(cursor, table, problems: Problems) -> None:
    checks = [
        (
            "household_code",
            "SELECT i.row, i.household_code AS household FROM import_events i WHERE NOT EXISTS "
            "(SELECT 1 FROM households_household h WHERE h.code = i.household_code)",
            _("unknown household %(household)s"),
        ),
        (
            "rule_code",
            "SELECT i.row, i.rule_code AS rule FROM import_events i WHERE NOT EXISTS "
            "(SELECT 1 FROM scoring_rule r WHERE r.code = i.rule_code)",
            _("unknown rule %(rule)s"),
        ),
        (
            "rule_code",
            "SELECT i.row, i.rule_code AS rule FROM import_events i JOIN scoring_rule r "
            "ON r.code = i.rule_code WHERE NOT r.active",
            _("rule %(rule)s is inactive"),
        ),
        (
            "rule_code",
            "SELECT i.row, i.rule_code AS rule FROM import_events i JOIN scoring_rule r "
            "ON r.code = i.rule_code WHERE r.requires_finding AND i.finding_authority IS NULL",
            _(
                "rule %(rule)s is recorded only on a formal finding: fill finding_authority, "
                "finding_document, found_on, warned_on and warning"
            ),
        ),
        (
            "finding_authority",
            "SELECT i.row, i.rule_code AS rule FROM import_events i JOIN scoring_rule r "
            "ON r.code = i.rule_code WHERE r.points > 0 AND i.finding_authority IS NOT NULL",
            _("rule %(rule)s adds points: a formal finding belongs to a deduction"),
        ),
        (
            "rule_code",
            WRONG_SUBJECT % "h.kind = 'household' AND r.applies_to <> 'households'",
            _(
                "rule %(rule)s belongs to the merchants' and firms' covenant; "
                "household %(subject)s is scored under the households' rules"
            ),
        ),
        (
            "rule_code",
            WRONG_SUBJECT % "h.kind <> 'household' AND r.applies_to = 'households'",
            _(
                "rule %(rule)s belongs to the households' covenant; "
                "merchant or firm %(subject)s is scored under the merchants' and firms' rules"
            ),
        ),
        (
            "points",
            "SELECT i.row, i.points, r.code AS rule, r.points AS rule_points "
            "FROM import_events i JOIN scoring_rule r ON r.code = i.rule_code "
            "WHERE i.points IS NOT NULL AND sign(i.points) <> sign(r.points)",
            _(
                "%(points)s against rule %(rule)s (%(rule_points)s): "
                "an entry keeps the sign of its rule"
            ),
        ),
    ]
    checks += covenant_checks()
    for column, sql, message in checks:
        _report(cursor, problems, table.label(column), sql, message)


# A rule of the households' covenant on a merchant or firm, or the other way round
# (``scoring.services.rule_subject_problem``, the same rule for one entry).
WRONG_SUBJECT = (
    "SELECT i.row, i.rule_code AS rule, i.household_code AS subject "
    "FROM import_events i JOIN scoring_rule r ON r.code = i.rule_code "
    "JOIN households_household h ON h.code = i.household_code WHERE %s"
)


# Run only when some rows were skipped: a key the ledger already had is fine, a key
# repeated inside the file is an error. (Grouping a million keys costs seconds, so
# the clean first import of a file does not pay for it.)
REPEATED_KEYS = (
    "SELECT (array_agg(row ORDER BY row))[2], external_id, min(row) AS first "
    "FROM import_events WHERE external_id IS NOT NULL GROUP BY external_id HAVING count(*) > 1"
)

# Keys the ledger already had are skipped only for the same household and rule
# (idempotency is scoped, issue 13); run after REPEATED_KEYS found none, so every
# match is an entry from before this import.
KEYS_OF_OTHER_ENTRIES = (
    "SELECT i.row, i.external_id FROM import_events i "
    "JOIN households_household h ON h.code = i.household_code "
    "JOIN scoring_rule r ON r.code = i.rule_code "
    "JOIN scoring_scoreevent e ON e.source = %(source)s AND e.external_id = i.external_id "
    "WHERE e.household_id <> h.id OR e.rule_id <> r.id"
)


def _report(cursor, problems: Problems, column: str, sql: str, message: str, params=None) -> None:
    """A problem per row ``sql`` finds: its first column is the row number, the others
    fill ``message``'s placeholders by their names."""
    cursor.execute(f"SELECT * FROM ({sql}) found ORDER BY 1 LIMIT 21", params)
    names = [c.name for c in cursor.description[1:]]
    for row_number, *details in cursor.fetchall():
        problems.add(row_number, column, message % dict(zip(names, details, strict=True)))


def _response_windows(cursor, today: dt.date) -> None:
    """``import_windows``: for each notice day in the file (and today, for rows to be
    notified now), the first day a deduction notified then counts (None: at once)."""
    policy = ScoringPolicy.of(connection.tenant)
    cursor.execute(_WINDOWS_TABLE)
    cursor.execute("SELECT DISTINCT notified_on FROM import_events WHERE notified_on IS NOT NULL")
    days = {row[0] for row in cursor.fetchall()} | {today}
    days = sorted(days)
    cursor.execute(
        "INSERT INTO import_windows (notified_on, counts_from) "
        "SELECT * FROM unnest(%s::date[], %s::date[])",
        [days, [window_end(False, policy, day) for day in days]],
    )


def _insert(
    cursor, file_name: str, operator: Actor, approve: bool, source: str, today: dt.date
) -> int:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM scoring_cap)")
    # With caps, ids follow the file's order: the order caps were computed in.
    order = "ORDER BY i.row" if cursor.fetchone()[0] else ""
    cursor.execute(
        f"""
        INSERT INTO scoring_scoreevent (
            covenant_version_id, effect, cap_note,
            household_id, rule_id, points, occurred_on, source, external_id, evidence, note,
            kind, status, recorded_by_id, recorded_by_label, recorded_at,
            reviewed_by_id, reviewed_by_label, reviewed_at, review_note, counts_from
        )
        SELECT COALESCE(vv.id, tv.id),
               CASE WHEN %(approve)s::boolean OR NOT r.needs_review
                    THEN COALESCE(c.effect, {TERM_POINTS}) END,
               COALESCE(c.note, ''),
               h.id, r.id, {TERM_POINTS}, i.occurred_on, %(source)s::text,
               i.external_id, %(file)s::text || ', row ' || i.row, COALESCE(i.note, ''), 'normal',
               CASE WHEN %(approve)s::boolean OR NOT r.needs_review
                    THEN 'approved' ELSE 'proposed' END,
               %(user)s::integer, %(label)s::text, now(),
               CASE WHEN %(approve)s::boolean THEN %(user)s::integer END,
               CASE WHEN %(approve)s::boolean THEN %(label)s::text
                    WHEN NOT r.needs_review THEN 'rule needs no review' ELSE '' END,
               CASE WHEN %(approve)s::boolean OR NOT r.needs_review THEN now() END,
               CASE WHEN %(approve)s::boolean THEN %(approval)s::text ELSE '' END,
               -- an approved deduction counts after its response window (import_windows)
               CASE WHEN (%(approve)s::boolean OR NOT r.needs_review)
                         AND COALESCE(i.points, r.points) < 0 AND NOT r.immediate
                    THEN w.counts_from END
        FROM import_events i
        JOIN households_household h ON h.code = i.household_code
        JOIN scoring_rule r ON r.code = i.rule_code
        {RESOLVE_TERMS}
        LEFT JOIN import_caps c ON c.row = i.row
        JOIN import_windows w ON w.notified_on = COALESCE(i.notified_on, %(today)s::date)
        {order}
        ON CONFLICT (source, external_id) WHERE external_id IS NOT NULL DO NOTHING
        """,
        {
            "source": source,
            "file": f"imported from {file_name}",
            "approve": approve,
            "user": operator.user_id,
            "label": operator.label,
            "approval": f"approved at import (--approve) by {operator.label}",
            "today": today,
        },
    )
    recorded = cursor.rowcount
    cursor.execute("DROP TABLE import_caps")
    return recorded


def _record_findings(cursor, file_name: str, source: str) -> None:
    """The formal findings of the rows just recorded (those that carry one), each on its
    entry: found like ``_notify_now`` finds them (this import's evidence names the row).
    A file without findings costs one probe of the import table."""
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM import_events WHERE finding_authority IS NOT NULL)"
    )
    if not cursor.fetchone()[0]:
        return
    cursor.execute(
        """
        INSERT INTO scoring_formalfinding
            (entry_id, authority, document_number, found_on, warned_on, warning)
        SELECT e.id, i.finding_authority, i.finding_document, i.found_on, i.warned_on,
               i.warning
        FROM import_events i
        JOIN households_household h ON h.code = i.household_code
        JOIN scoring_rule r ON r.code = i.rule_code
        JOIN scoring_scoreevent e
          ON e.household_id = h.id AND e.occurred_on = i.occurred_on AND e.rule_id = r.id
         AND e.source = %(source)s AND e.recorded_at = now()
         AND e.evidence = %(file)s::text || ', row ' || i.row
        WHERE i.finding_authority IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM scoring_formalfinding x WHERE x.entry_id = e.id)
        """,
        {"source": source, "file": f"imported from {file_name}"},
    )


def _notify_now(
    cursor, file_name: str, operator: Actor, approve: bool, source: str, today: dt.date
) -> None:
    """Deductions imported approved without a notice day are notified now: their notices
    are recorded in this transaction and sent after the commit (the notices app).
    A file whose deductions all carry their notice day costs one probe."""
    cursor.execute("SELECT EXISTS (SELECT 1 FROM import_events WHERE notified_on IS NULL)")
    if not cursor.fetchone()[0]:
        return
    cursor.execute(
        """
        SELECT e.id FROM import_events i
        JOIN households_household h ON h.code = i.household_code
        JOIN scoring_rule r ON r.code = i.rule_code
        JOIN scoring_scoreevent e
          ON e.household_id = h.id AND e.occurred_on = i.occurred_on AND e.rule_id = r.id
         AND e.source = %(source)s AND e.recorded_at = now()
         AND e.evidence = %(file)s::text || ', row ' || i.row
        WHERE i.notified_on IS NULL AND (%(approve)s::boolean OR NOT r.needs_review)
          AND COALESCE(i.points, r.points) < 0
        ORDER BY e.id
        """,
        {"source": source, "file": f"imported from {file_name}", "approve": approve},
    )
    announce([row[0] for row in cursor.fetchall()], notified_on=today, by=operator)


# --- the covenant file's caps and the covenant in force ------------------------


@dataclass(frozen=True)
class CovenantFile:
    """A covenant file read and checked: rule rows (``import_rules``' fields plus
    ``active``) and caps (rule caps from a row's cap cells, category caps from ``*`` rows)."""

    file: str
    rules: list[dict]
    caps: list[CapSpec]
    cap_columns: bool = False  # whether the file has a cap_month or cap_year column


#: A further check of a rule row (number, row, table, problems) -> whether it is kept;
#: it notes what is wrong in ``problems`` (the what-if: known codes, signs kept).
RowCheck = Callable[[int, dict, object, Problems], bool]


def read_covenant_file(path: str | Path, check: RowCheck | None = None) -> CovenantFile:
    """Read a covenant file (``import_rules``' format with ``active``, ``cap_month``,
    ``cap_year`` and ``*`` rows); a ``TableError`` names every bad row and column.

    ``check``: a caller's own check of each well-formed rule row, reported with the
    file's other problems. Writes nothing: ``adopt_covenant`` (and the what-if) take
    what it returns.
    """
    table = open_table(path, RULE_COLUMNS)
    problems = Problems(table.file_name)
    seen: dict[str, int] = {}
    rules: list[dict] = []
    caps: list[tuple[int, CapSpec]] = []
    for number, values in table.rows:
        if as_text(values.get("code")) == CATEGORY_ROW:
            caps += _category_caps(number, values, table, problems)
            continue
        row = _rule_row(number, values, table, problems, seen)
        extras = _covenant_cells(number, values, table, problems, row)
        kept = row is not None and (check is None or check(number, row, table, problems))
        if kept and extras is not None:
            caps += extras.pop("caps")
            rules.append({**row, **extras})
    _repeated_caps(caps, table, problems)
    if not rules and not caps and not problems:
        problems.add(None, None, _("no rules or caps in the file"))
    problems.raise_if_any()
    cap_columns = bool({"cap_month", "cap_year"} & set(table.headers))
    return CovenantFile(table.file_name, rules, [cap for _number, cap in caps], cap_columns)


def _cap_cell(number, values, table, problems, name: str, sign: int | None) -> int | None:
    value = values.get(name)
    if value is None:
        return None
    try:
        limit = as_int(value)
        if limit == 0:
            raise ValueError(_("a cap of 0 caps nothing: leave the cell empty"))
        within_points_limit(limit)
    except ValueError as exc:
        problems.add(number, table.label(name), str(exc))
        return None
    if sign is not None and (limit > 0) != (sign > 0):
        problems.add(
            number,
            table.label(name),
            _(
                "%(limit)s: the rule %(kind)s points, so its cap is %(sign)s "
                "(a positive limit caps gains, a negative one losses)"
            )
            % {
                "limit": limit,
                "kind": _("adds") if sign > 0 else _("deducts"),
                "sign": _("positive") if sign > 0 else _("negative"),
            },
        )
        return None
    return limit


def _covenant_cells(number, values, table, problems, row: dict | None) -> dict | None:
    """A rule row's ``active`` and caps (None when a cell is wrong, noted in ``problems``)."""
    ok = True
    extras: dict = {"caps": []}
    if values.get("active") is not None:
        try:
            extras["active"] = as_bool(values.get("active"))
        except ValueError as exc:
            problems.add(number, table.label("active"), str(exc))
            ok = False
    sign = row["points"] if row is not None else None
    for name, period in (("cap_month", MONTH), ("cap_year", YEAR)):
        if values.get(name) is None:
            continue
        limit = _cap_cell(number, values, table, problems, name, sign)
        if limit is None:
            ok = False
        elif row is not None:
            extras["caps"].append((number, CapSpec(period, limit, rule_code=row["code"])))
    return extras if ok and row is not None else None


def _category_caps(number, values, table, problems) -> list[tuple[int, CapSpec]]:
    """A ``*`` row: the caps of its category (either sign)."""
    try:
        category = _category(values.get("category"))
    except ValueError as exc:
        problems.add(number, table.label("category"), str(exc))
        return []
    caps = []
    for name, period in (("cap_month", MONTH), ("cap_year", YEAR)):
        limit = _cap_cell(number, values, table, problems, name, None)
        if limit is not None:
            caps.append((number, CapSpec(period, limit, category=category)))
    if not caps and values.get("cap_month") is None and values.get("cap_year") is None:
        problems.add(
            number,
            table.label("code"),
            _("a %(star)s row caps a category: give cap_month or cap_year")
            % {"star": CATEGORY_ROW},
        )
    return caps


def _repeated_caps(caps: list[tuple[int, CapSpec]], table, problems) -> None:
    first: dict = {}
    for number, cap in caps:
        if cap.key in first:
            problems.add(
                number,
                table.label("category" if cap.category else "code"),
                _("cap %(cap)s repeats row %(row)s")
                % {"cap": cap.describe(), "row": first[cap.key]},
            )
        first.setdefault(cap.key, number)


def _caps_unchanged(caps: list[tuple[int, CapSpec]], table, problems) -> None:
    """``import_rules`` edits rules, not caps: caps change only with an adopted version.
    A file's caps (when it has cap columns) must be those of the version in force."""
    if not ({"cap_month", "cap_year"} & set(table.headers)) and not caps:
        return
    _repeated_caps(caps, table, problems)
    in_force = set(township_caps_today())
    given = {cap for _number, cap in caps}
    how = _(
        "caps change only when the village meeting adopts a new covenant version "
        "(manage.py adopt_covenant, or Covenant versions in the admin)"
    )
    for number, cap in caps:
        if cap not in in_force:
            problems.add(
                number,
                table.label("cap_month" if cap.period == MONTH else "cap_year"),
                _("cap %(cap)s is not in the covenant in force: %(how)s")
                % {"cap": cap.describe(), "how": how},
            )
    for cap in sorted(in_force - given, key=lambda c: c.key):
        problems.add(
            None,
            None,
            _("cap %(cap)s of the covenant in force is missing: %(how)s")
            % {"cap": cap.describe(), "how": how},
        )


def township_caps_today() -> list[CapSpec]:
    """The caps of the township version in force today."""
    book = CovenantBook.load()
    version = book.in_force(None, timezone.localdate())
    return list(book.caps.get(version.pk, [])) if version else []


def _covenant_row_cells(rule: Rule, caps: list[CapSpec]) -> tuple:
    limits = {cap.period: cap.limit for cap in caps if cap.rule_code == rule.code}
    return ("true" if rule.active else "false", limits.get(MONTH, ""), limits.get(YEAR, ""))


def _category_cap_rows(caps: list[CapSpec], width: int) -> list[list]:
    by_category: dict[str, dict[str, int]] = {}
    for cap in caps:
        if cap.category:
            by_category.setdefault(cap.category, {})[cap.period] = cap.limit
    rows = []
    for category, limits in sorted(by_category.items()):
        row: list = [""] * width
        row[0], row[3] = CATEGORY_ROW, category
        row[-2], row[-1] = limits.get(MONTH, ""), limits.get(YEAR, "")
        rows.append(row)
    return rows


# The covenant version in force for each row: the township's, and the household's
# village variant (its own terms first). The same resolution as
# scoring.versions.CovenantBook, in SQL for a million rows.
VERSIONS = """
    SELECT id, village_id, effective_from,
           COALESCE(lead(effective_from) OVER (PARTITION BY village_id ORDER BY effective_from),
                    'infinity'::date) AS until
    FROM scoring_covenantversion
"""
RESOLVE_TERMS = f"""
        LEFT JOIN ({VERSIONS}) tv ON tv.village_id IS NULL
             AND i.occurred_on >= tv.effective_from AND i.occurred_on < tv.until
        LEFT JOIN ({VERSIONS}) vv ON vv.village_id = h.village_id
             AND i.occurred_on >= vv.effective_from AND i.occurred_on < vv.until
        LEFT JOIN scoring_covenantterm tt ON tt.version_id = tv.id AND tt.rule_id = r.id
        LEFT JOIN scoring_covenantterm vt ON vt.version_id = vv.id AND vt.rule_id = r.id
"""
#: A row's points: its own cell, else the variant's term, the township's, the rule's.
TERM_POINTS = "COALESCE(i.points, vt.points, tt.points, r.points)"


def covenant_checks() -> list[tuple[str, str, str]]:
    """Rows the covenant in force refuses: another village's rule, a rule not in force."""
    return [
        (
            "rule_code",
            "SELECT i.row, r.code AS rule, v.code AS village FROM import_events i "
            "JOIN households_household h ON h.code = i.household_code "
            "JOIN scoring_rule r ON r.code = i.rule_code "
            "JOIN households_village v ON v.id = r.village_id WHERE r.village_id <> h.village_id",
            _(
                "rule %(rule)s belongs to the covenant of village %(village)s only; it cannot "
                "be recorded for a household of another village"
            ),
        ),
        (
            "rule_code",
            f"""SELECT i.row, r.code AS rule, i.occurred_on AS date FROM import_events i
            JOIN households_household h ON h.code = i.household_code
            JOIN scoring_rule r ON r.code = i.rule_code
            {RESOLVE_TERMS}
            WHERE (r.village_id IS NULL OR r.village_id = h.village_id) AND CASE
                WHEN vt.id IS NOT NULL THEN NOT vt.active
                WHEN tt.id IS NOT NULL THEN NOT tt.active
                WHEN r.village_id IS NOT NULL THEN true
                ELSE r.plugin = '' AND EXISTS (
                    SELECT 1 FROM scoring_covenantterm ft
                    JOIN scoring_covenantversion fv ON fv.id = ft.version_id
                    WHERE ft.rule_id = r.id AND fv.village_id IS NULL
                      AND fv.effective_from > i.occurred_on)
            END""",
            _("rule %(rule)s is not in force on %(date)s under the covenant then in force"),
        ),
    ]


_CAPS_TABLE = (
    "CREATE TEMPORARY TABLE import_caps (row integer PRIMARY KEY, effect integer NOT NULL,"
    " note text NOT NULL) ON COMMIT DROP"
)
CAP_ROWS_PER_BATCH = 5000  # rows of whole households replayed at a time


def _cap_effects(cursor, approve: bool, source: str) -> None:
    """``import_caps``: the effect of every row a cap cuts (docs/scoring.md, "Caps").

    The same arithmetic as one approval after another (``caps.replay``): per
    household, what its approved entries already used (one query per batch of
    households), then its approved rows of the file in file order. Rows already in
    the ledger (skipped) use nothing. The households concerned are locked until the
    commit. The rows are streamed household by household (a server-side cursor), so
    a million-row file never sits in memory.
    """
    cursor.execute(_CAPS_TABLE)
    if not Cap.objects.exists():
        return
    book = CovenantBook.load()
    all_caps = [cap for caps in book.caps.values() for cap in caps]
    keys = {
        "rules": sorted({cap.rule_code for cap in all_caps if cap.rule_code}),
        "categories": sorted({cap.category for cap in all_caps if cap.category}),
        "approve": approve,
        "source": source,
    }
    candidates = f"""
        FROM import_events i
        JOIN households_household h ON h.code = i.household_code
        JOIN scoring_rule r ON r.code = i.rule_code
        {RESOLVE_TERMS}
        WHERE (%(approve)s::boolean OR NOT r.needs_review)
          AND (r.code = ANY(%(rules)s) OR r.category = ANY(%(categories)s))
          AND NOT EXISTS (
              SELECT 1 FROM scoring_scoreevent e
              WHERE e.source = %(source)s AND e.external_id = i.external_id)
    """
    cursor.execute(
        "SELECT id FROM households_household WHERE id IN "
        f"(SELECT DISTINCT h.id {candidates}) ORDER BY id FOR UPDATE",
        keys,
    )
    if not cursor.fetchall():
        return
    # The whole result is read: plan for all of it (a cursor plans for its first
    # tenth, which over an unindexed temporary table means a scan per household).
    cursor.execute("ANALYZE import_events")
    cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
    raw = connection.connection
    with raw.cursor(name="import_cap_rows") as rows:
        rows.itersize = CAP_ROWS_PER_BATCH
        rows.execute(
            f"SELECT h.id, i.row, r.code, r.category, i.occurred_on, {TERM_POINTS},"
            f" COALESCE(vv.id, tv.id) {candidates} ORDER BY h.id, i.row",
            keys,
        )
        batch: list[tuple] = []
        for row in rows:
            if len(batch) >= CAP_ROWS_PER_BATCH and row[0] != batch[-1][0]:
                _cap_batch(cursor, book, batch, keys)
                batch = []
            batch.append(row)
        if batch:
            _cap_batch(cursor, book, batch, keys)


def _cap_batch(cursor, book: CovenantBook, batch: list[tuple], keys: dict) -> None:
    """Replay the rows of whole households (``batch``, ordered by household and row)."""
    households = sorted({row[0] for row in batch})
    since = min(row[4] for row in batch).replace(month=1, day=1)
    until = max(row[4] for row in batch).replace(month=12, day=31)
    cursor.execute(
        """
        SELECT e.household_id, r.code, r.category, date_trunc('month', e.occurred_on)::date,
               e.points > 0, SUM(COALESCE(e.effect, e.points))
        FROM scoring_scoreevent e JOIN scoring_rule r ON r.id = e.rule_id
        WHERE e.household_id = ANY(%(households)s) AND e.status = 'approved'
          AND e.kind = 'normal' AND e.occurred_on BETWEEN %(since)s AND %(until)s
          AND (r.code = ANY(%(rules)s) OR r.category = ANY(%(categories)s))
        GROUP BY 1, 2, 3, 4, 5
        """,
        {**keys, "households": households, "since": since, "until": until},
    )
    used: dict = {}
    for household, code, category, month, gain, total in cursor.fetchall():
        add_used(used, household, code, category, month, 1 if gain else -1, total)
    entries = [
        Entry(household, code, category, day, points, version)
        for household, _row, code, category, day, points, version in batch
    ]
    outcomes = replay(entries, lambda e: book.caps_of(e.version, e.occurred_on), used)
    with cursor.copy("COPY import_caps (row, effect, note) FROM STDIN") as copy:
        for row, outcome in zip(batch, outcomes, strict=True):
            if outcome.cut:
                copy.write_row((row[1], outcome.effect, outcome.note()))
