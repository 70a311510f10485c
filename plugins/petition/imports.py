"""Importing hotline case files (CSV/XLSX through ``township_integrity.tabular``, or JSON).

The whole file is checked before anything is written and written in one
transaction: a bad row fails the file naming its row (a JSON file: its item) and
column, and nothing is kept. A case whose kind and case number are already
registered is skipped and counted, so importing a file twice registers it once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.petition.models import KIND_ZH, Case, CaseStep, Kind, Status
from plugins.petition.selectors import township_settings
from plugins.petition.services import case_deadlines
from township_integrity import FeedOutcome
from township_integrity.errors import PluginError
from township_integrity.models import Household, Village
from township_integrity.services import Actor
from township_integrity.tabular import Column, Problem, Problems, TableError, as_text, open_table

CASE_COLUMNS = [
    Column("reference", ("工单号", "案件编号", "编号"), required=True),
    Column("kind", ("类型", "渠道"), required=True),
    Column("received_at", ("受理时间", "受理日期"), required=True),
    Column("village", ("村", "村（居）", "村居"), required=True),
    Column("household_code", ("户码",)),
    Column("petitioner", ("姓名", "诉求人", "信访人")),
    Column("summary", ("内容", "诉求内容"), required=True),
    Column("topic", ("主题", "诉求分类")),  # what repeats are matched on (loop)
]
LIMITS = {"reference": 64, "petitioner": 50, "topic": 64}
# Words clerks write for a kind, besides its key and English label.
KIND_WORDS = {
    **{zh: key for key, zh in KIND_ZH.items()},
    "12345": "hotline",
    "热线": "hotline",
    "12345热线": "hotline",
    "网信": "online",
    "网上信访": "online",
    "信访件": "petition",
    "刑事": "criminal",
}


@dataclass(frozen=True)
class CaseImport:
    file: str
    rows: int
    imported: int
    skipped: int

    def summary(self) -> str:
        return _(
            "%(file)s: %(rows)s rows, %(imported)s cases imported, %(skipped)s skipped as "
            "already registered (same kind and case number)"
        ) % {
            "file": self.file,
            "rows": self.rows,
            "imported": self.imported,
            "skipped": self.skipped,
        }


@dataclass
class _Source:
    """Rows of a CSV/XLSX table or a JSON list, and how to name a place in them."""

    file_name: str
    rows: Iterator[tuple[int, dict]]
    label: Callable[[str], str]
    json: bool = False

    def problem(self, problems: Problems, number: int, column: str, message: str) -> None:
        if self.json:
            problems.add(
                None,
                None,
                _("item %(item)s, key %(key)s: %(message)s")
                % {"item": number, "key": self.label(column), "message": message},
            )
        else:
            problems.add(number, self.label(column), message)


def import_cases(path: str | Path, *, operator: Actor) -> CaseImport:
    """Register the cases of a hotline case file; already registered ones are skipped."""
    township_settings()
    source = _open(Path(path))
    problems = Problems(source.file_name)
    villages = {v.name: v for v in Village.objects.all()}
    villages.update({v.code: v for v in villages.values()})
    parsed: list[tuple[int, dict]] = []
    seen: dict[tuple[str, str], int] = {}
    for number, values in source.rows:
        row = _parse(source, problems, number, values, villages)
        if row is None:
            continue
        key = (row["kind"], row["reference"])
        if key in seen:
            source.problem(
                problems, number, "reference", _("repeats row %(row)s") % {"row": seen[key]}
            )
            continue
        seen[key] = number
        parsed.append((number, row))
    if not parsed and not problems:
        problems.add(None, None, _("no cases in the file"))
    _check_households(source, problems, parsed)
    problems.raise_if_any()
    return _write(source.file_name, parsed, operator)


def import_hotline_file(path: Path, actor: Actor) -> FeedOutcome:
    """The hotline feed's import (``FeedSource.import_file``): one file, as ``import_cases``."""
    result = import_cases(path, operator=actor)
    return FeedOutcome(created=result.imported, unchanged=result.skipped, summary=result.summary())


def _open(path: Path) -> _Source:
    if path.suffix.lower() != ".json":
        table = open_table(path, CASE_COLUMNS)
        return _Source(table.file_name, table.rows, table.label)
    try:
        items = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        problem = Problem(None, None, _("file not found: %(path)s") % {"path": path})
        raise TableError(path.name, [problem]) from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        problem = Problem(None, None, _("not valid JSON (%(error)s)") % {"error": exc})
        raise TableError(path.name, [problem]) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TableError(path.name, [Problem(None, None, _("expected a list of objects"))])
    lookup = {_norm(key): c.name for c in CASE_COLUMNS for key in (c.name, *c.aliases)}
    written: dict[str, str] = {}
    rows = []
    for number, item in enumerate(items, start=1):
        values: dict = {}
        for key, value in item.items():
            column = lookup.get(_norm(str(key)))
            if column is not None:
                written.setdefault(column, str(key))
                if isinstance(value, str) and "\x00" in value:
                    message = _("item %(item)s, key %(key)s: %(message)s") % {
                        "item": number,
                        "key": key,
                        "message": _("holds a NUL character (a binary file?); save it as text"),
                    }
                    raise TableError(path.name, [Problem(None, None, message)])
                values[column] = (value.strip() or None) if isinstance(value, str) else value
        rows.append((number, values))

    def label(column: str) -> str:
        key = written.get(column, column)
        return key if key == column else f"{key} ({column})"

    return _Source(path.name, iter(rows), label, json=True)


def _norm(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


def _parse(source, problems, number, values, villages) -> dict | None:
    row: dict = {}
    ok = True
    parsers = {
        "reference": _text("reference"),
        "kind": _kind,
        "received_at": _received_at,
        "village": lambda value: _village(value, villages),
        "household_code": _text("household_code"),
        "petitioner": _text("petitioner"),
        "summary": _text("summary"),
        "topic": _text("topic"),
    }
    for column in CASE_COLUMNS:
        value = values.get(column.name)
        if value is None or as_text(value) == "":
            if column.required:
                source.problem(problems, number, column.name, _("missing value"))
                ok = False
            row[column.name] = ""
            continue
        try:
            row[column.name] = parsers[column.name](value)
        except ValueError as exc:
            source.problem(problems, number, column.name, str(exc))
            ok = False
    return row if ok else None


def _text(column: str) -> Callable[[object], str]:
    def parse(value) -> str:
        text = as_text(value)
        limit = LIMITS.get(column)
        if limit and len(text) > limit:
            raise ValueError(_("longer than %(limit)s characters") % {"limit": limit})
        return text

    return parse


def _kind(value) -> str:
    text = as_text(value)
    for key, label in Kind.choices:
        if text.lower() in (key, str(label).lower()):
            return key
    if text in KIND_WORDS:
        return KIND_WORDS[text]
    names = ", ".join(f"{key} ({zh})" for key, zh in KIND_ZH.items())
    raise ValueError(
        _("unknown kind %(value)s; use one of %(choices)s")
        % {"value": repr(text), "choices": names}
    )


def _received_at(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = as_text(value).replace("/", "-")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                _("%(value)s is not a date or time written as YYYY-MM-DD or YYYY-MM-DD HH:MM")
                % {"value": repr(text)}
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now():
        raise ValueError(
            _("%(when)s is in the future")
            % {"when": f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"}
        )
    return moment


def _village(value, villages: dict[str, Village]) -> Village:
    text = as_text(value)
    if text not in villages:
        raise ValueError(
            _("unknown village %(village)s (write its name or code)") % {"village": repr(text)}
        )
    return villages[text]


def _check_households(source, problems, parsed) -> None:
    codes = {row["household_code"] for _number, row in parsed if row["household_code"]}
    households = Household.objects.in_bulk(codes, field_name="code")
    for number, row in parsed:
        code = row["household_code"]
        if not code:
            row["household"] = None
            continue
        household = households.get(code)
        if household is None:
            source.problem(
                problems,
                number,
                "household_code",
                _("unknown household %(household)s") % {"household": code},
            )
        elif household.village_id != row["village"].pk:
            source.problem(
                problems,
                number,
                "household_code",
                _("%(household)s is not in %(village)s")
                % {"household": code, "village": row["village"].name},
            )
        row["household"] = household


def _write(file_name: str, parsed: list[tuple[int, dict]], operator: Actor) -> CaseImport:
    settings = township_settings()
    references = {row["reference"] for _number, row in parsed}
    with transaction.atomic():
        existing = set(
            Case.objects.filter(reference__in=references).values_list("kind", "reference")
        )
        new = [row for _number, row in parsed if (row["kind"], row["reference"]) not in existing]
        try:
            cases = Case.objects.bulk_create(
                Case(
                    kind=row["kind"],
                    reference=row["reference"],
                    village=row["village"],
                    household=row["household"],
                    petitioner_name=row["petitioner"],
                    summary=row["summary"],
                    received_at=row["received_at"],
                    topic=row["topic"],
                    # Deadlines as receive_case sets them, in the same bulk insert.
                    **case_deadlines(row["kind"], row["received_at"], settings),
                )
                for row in new
            )
        except IntegrityError as exc:
            raise PluginError(
                _(
                    "%(file)s: another import registered some of these cases at the same "
                    "moment; run it again (it skips what is registered)"
                )
                % {"file": file_name}
            ) from exc
        CaseStep.objects.bulk_create(
            CaseStep(
                case=case,
                status=Status.RECEIVED,
                at=case.received_at,
                by=operator.user,
                by_label=operator.label,
                note=f"imported from {file_name}",
            )
            for case in cases
        )
    return CaseImport(file_name, len(parsed), len(new), len(parsed) - len(new))
