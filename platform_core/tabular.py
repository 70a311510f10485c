"""Reading and writing the CSV/XLSX files township clerks exchange with the platform.

Files are UTF-8 CSV (with or without BOM) or Excel ``.xlsx``. Headers may be the
English column names or their Chinese aliases. Problems are collected with file,
row and column so one run tells the clerk everything that is wrong; row numbers
are the spreadsheet's (the header is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from platform_core.errors import PlatformError

MAX_REPORTED = 20


@dataclass(frozen=True)
class Column:
    """A column an import reads: its name, other headers it goes by, whether required."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False  # the header must be present and every row must have a value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import file: where (row, column; None: the whole file), what."""

    row: int | None
    column: str | None
    message: str

    def describe(self, file_name: str) -> str:
        """``file, row 3, column 户码: message``, for the clerk."""
        where = [file_name]
        if self.row is not None:
            where.append(_("row %(row)s") % {"row": self.row})
        if self.column is not None:
            where.append(_("column %(column)s") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}"


class TableError(PlatformError):
    """A file that cannot be imported; nothing of it was written."""

    def __init__(self, file_name: str, problems: Sequence[Problem], more: int = 0):
        self.file_name = file_name
        self.problems = list(problems)
        lines = [p.describe(file_name) for p in self.problems]
        if more:
            lines.append(_("... and %(count)s more problems") % {"count": more})
        lines.append(_("Nothing from %(file)s was imported.") % {"file": file_name})
        super().__init__("\n".join(lines))


class Problems:
    """Collects problems; keeps the first MAX_REPORTED and counts the rest."""

    def __init__(self, file_name: str):
        self.file_name = file_name
        self.items: list[Problem] = []
        self.more = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        """Note a problem (row and column None when it concerns the whole file)."""
        if len(self.items) < MAX_REPORTED:
            self.items.append(Problem(row, column, message))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise one ``TableError`` naming every problem noted, if there is any."""
        if self.items:
            raise TableError(self.file_name, self.items, self.more)


@dataclass
class Table:
    """An open file: the header mapping and an iterator of (row number, values by column)."""

    file_name: str
    headers: dict[str, str]  # column name -> header text as written in the file
    rows: Iterator[tuple[int, dict[str, object]]]

    def label(self, column: str) -> str:
        """How the clerk sees a column: its header text, with our name when different."""
        written = self.headers.get(column, column)
        return written if written == column else f"{written} ({column})"


def open_table(path: str | Path, columns: Sequence[Column]) -> Table:
    """Open a CSV or XLSX file and map its header to ``columns`` (extra columns are ignored)."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise TableError(
            name, [Problem(None, None, _("file not found: %(path)s") % {"path": path})]
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        raw_rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt"):
        raw_rows = _csv_rows(path)
    else:
        raise TableError(name, [Problem(None, None, _("use a .csv (UTF-8) or .xlsx file"))])
    try:
        header = next(raw_rows)
    except StopIteration:
        raise TableError(name, [Problem(None, None, _("the file is empty"))]) from None
    headers, positions = _map_header(name, header, columns)
    return Table(name, headers, _rows(raw_rows, positions))


def _map_header(name: str, header: Sequence, columns: Sequence[Column]):
    lookup = {}
    for column in columns:
        for key in (column.name, *column.aliases):
            lookup[_norm(key)] = column.name
    headers: dict[str, str] = {}
    positions: dict[str, int] = {}
    problems = Problems(name)
    for index, cell in enumerate(header):
        text = str(cell).strip().lstrip("\ufeff") if cell is not None else ""
        column = lookup.get(_norm(text))
        if column is None:
            continue
        if column in positions:
            problems.add(
                1, text, _("repeats column %(column)s") % {"column": repr(headers[column])}
            )
            continue
        headers[column] = text
        positions[column] = index
    for column in columns:
        if column.required and column.name not in positions:
            names = " / ".join((column.name, *column.aliases))
            problems.add(1, None, _("required column missing: %(names)s") % {"names": names})
    problems.raise_if_any()
    return headers, positions


def _norm(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


def _rows(raw_rows: Iterator[Sequence], positions: dict[str, int]):
    # The hot loop of a million-row import: kept free of helper calls on purpose.
    pairs = list(positions.items())
    width = max(positions.values(), default=-1) + 1
    for number, raw in enumerate(raw_rows, start=2):
        if len(raw) < width:
            raw = [*raw, *([None] * (width - len(raw)))]
        values = {}
        blank = True
        for column, index in pairs:
            value = raw[index]
            if value.__class__ is str:
                value = value.strip() or None
            if value is not None:
                blank = False
            values[column] = value
        if not blank:
            yield number, values


def _csv_rows(path: Path) -> Iterator[list[str]]:
    def generate():
        with open(path, encoding="utf-8-sig", newline="") as handle:
            nul = [False]

            def lines():
                for line in handle:
                    if "\x00" in line:  # a binary file, or a NUL PostgreSQL cannot store
                        nul[0] = True
                    yield line

            header: list[str] = []
            row = 0
            try:
                for row, record in enumerate(csv.reader(lines()), start=1):  # noqa: B007
                    if nul[0]:
                        _refuse_nul(path.name, row, record, header)
                    if row == 1:
                        header = record
                    yield record
            except csv.Error as exc:  # e.g. a cell over the csv module's field limit
                raise TableError(path.name, [_csv_problem(row + 1, exc)]) from None

    return _decoding_errors_named(path.name, generate())


def _csv_problem(row: int, exc: csv.Error) -> Problem:
    if "field limit" in str(exc):
        message = _("a cell is longer than %(limit)s characters") % {
            "limit": csv.field_size_limit()
        }
    else:
        message = _("not readable as CSV (%(error)s)") % {"error": exc}
    return Problem(row, None, message)


def _refuse_nul(name: str, row: int, record: Sequence, header: Sequence) -> None:
    """A cell holding a NUL character (PostgreSQL cannot store one) fails the file."""
    for index, cell in enumerate(record):
        if isinstance(cell, str) and "\x00" in cell:
            named = index < len(header) and header[index]
            column = str(header[index]).strip() if named else str(index + 1)
            message = _("holds a NUL character (a binary file?); save it as text")
            raise TableError(name, [Problem(row, column, message)])


def _decoding_errors_named(name: str, rows: Iterator) -> Iterator:
    try:
        yield from rows
    except UnicodeDecodeError as exc:
        raise TableError(
            name,
            [
                Problem(
                    None,
                    None,
                    _("not UTF-8 text (byte %(byte)s); save it as 'CSV UTF-8' or as .xlsx")
                    % {"byte": exc.start},
                )
            ],
        ) from None


def _xlsx_rows(path: Path) -> Iterator[tuple]:
    from openpyxl import load_workbook

    def unreadable(exc: Exception) -> TableError:
        message = _("not a readable .xlsx file (%(error)s)") % {"error": exc}
        return TableError(path.name, [Problem(None, None, message)])

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise unreadable(exc) from None

    def generate():
        header: tuple = ()
        try:
            if not workbook.worksheets:
                raise unreadable(_("no worksheet"))
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            for row, record in enumerate(rows, start=1):
                if any(isinstance(cell, str) and "\x00" in cell for cell in record):
                    _refuse_nul(path.name, row, record, header)
                if row == 1:
                    header = record
                yield record
        except TableError:
            raise
        except Exception as exc:  # a damaged sheet inside a readable zip
            raise unreadable(exc) from None
        finally:
            workbook.close()

    return generate()


# --- value parsing (each returns the value or raises ValueError with a clerk's message) ---


def as_text(value) -> str:
    """A cell as stripped text ("" when empty), undoing ``escape_cell`` and Excel's 12.0."""
    if value.__class__ is str:
        value = value.strip()
        return unescape_cell(value).strip() if value[:1] == ESCAPE else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel turns 0012 codes typed as numbers into 12.0
    return str(value).strip()


def as_int(value) -> int:
    """A cell as a whole number (full-width signs too); ValueError saying why otherwise."""
    if isinstance(value, bool):
        raise ValueError(_("%(value)s is not a whole number") % {"value": repr(value)})
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(_("%(value)s is not a whole number") % {"value": repr(value)})
    text = str(value).strip().replace("＋", "+").replace("－", "-")
    try:
        return int(text)
    except ValueError:
        raise ValueError(_("%(value)s is not a whole number") % {"value": repr(text)}) from None


def as_date(value) -> dt.date:
    """A cell as a date (a spreadsheet date or YYYY-MM-DD); ValueError saying why otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("%(value)s is not a date written as YYYY-MM-DD") % {"value": repr(text)}
        ) from None


TRUE_WORDS = {"true", "yes", "y", "1", "是", "需要", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "不需要", "f"}


def as_bool(value) -> bool:
    """A cell as true/false (also yes/no, 1/0, 是/否, 需要/不需要); ValueError otherwise."""
    if isinstance(value, bool):
        return value
    text = as_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("%(value)s is not true/false (是/否)") % {"value": repr(text)})


# --- writing -------------------------------------------------------------------------

# A text cell starting with one of these is read by spreadsheets as a formula (OWASP "CSV
# injection"): = + - @, tab and carriage return, and the full-width forms a Chinese input
# method types (＝＋－＠).
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
ESCAPE = "'"


def escape_cell(value):
    """A cell value safe to open in a spreadsheet: text that could start a formula gets a ``'``.

    Only text is escaped: numbers, dates and booleans are written as such (a number cell
    -5 is a number, never a formula), while the text "-5+cmd|..." becomes "'-5+cmd|...",
    still readable. Every export goes through ``write_table``, which calls this for every
    cell (header included); ``as_text`` removes the mark again when a file is imported back.
    """
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return ESCAPE + value
    return value


def unescape_cell(text: str) -> str:
    """Undo ``escape_cell`` on a text read from a file (an exported sheet imported back)."""
    if len(text) > 1 and text[0] == ESCAPE and text[1] in FORMULA_TRIGGERS:
        return text[1:]
    return text


def write_table(path: str | Path, header: Sequence[str], rows, *, bom: bool = False) -> int:
    """Write rows to CSV (UTF-8; ``bom`` for files meant for Excel) or XLSX; returns the count.

    Every cell passes ``escape_cell``, so no exported text is ever a formula.
    """
    path = Path(path)
    count = 0
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append([escape_cell(value) for value in header])
        for row in rows:
            sheet.append([escape_cell(value) for value in row])
            count += 1
        workbook.save(path)
        return count
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([escape_cell(value) for value in header])
        for row in rows:
            writer.writerow([escape_cell(value) for value in row])
            count += 1
    return count
