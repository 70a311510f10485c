"""Importing a police-alert file: every alert kept, confirmed ones proposed to the ledger.

A file (CSV or XLSX through ``township_integrity.tabular``, or a JSON list of
objects with the same keys) is checked whole before anything is written: a bad
row fails the file naming its row (a JSON file: its item) and column, and nothing
of it is kept. Alerts are known by their number, so importing a file again adds
nothing; an alert first sent unconfirmed and later confirmed gets its entry then.
Entries are always *proposed*: the village's reviewers decide, as for any other.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from police_feed.conf import DEFAULTS, KEY, RULE_CODE
from police_feed.models import Alert
from township_integrity import FeedOutcome, enabled_settings
from township_integrity.errors import TableError
from township_integrity.models import Household, Rule
from township_integrity.services import Actor, record_entry
from township_integrity.tabular import (
    Column,
    Problem,
    Problems,
    as_bool,
    as_date,
    as_text,
    open_table,
)

ALERT_COLUMNS = [
    Column("external_id", ("通报编号", "警情编号", "编号"), required=True),
    Column("household_code", ("户码",), required=True),
    Column("offence", ("违法行为", "行为"), required=True),
    Column("statute", ("法律依据", "法律"), required=True),
    Column("article", ("条款", "条"), required=True),
    Column("occurred_on", ("发生日期", "日期"), required=True),
    Column("confirmed", ("已查实", "是否查实"), required=True),
]
LIMITS = {"external_id": 64, "offence": 200, "statute": 200, "article": 100}


def import_alerts(path: str | Path, actor: Actor) -> FeedOutcome:
    """Import one alert file (the feed's ``import_file``); all of it or nothing."""
    enabled_settings(KEY, DEFAULTS, refusal=_("police alerts are imported only where enabled"))
    path = Path(path)
    rows, label = _read(path)
    problems = Problems(path.name)
    parsed = _parse_rows(rows, label, problems)
    households = _households(parsed, label, problems)
    if not parsed and not problems:
        problems.add(None, None, _("no alerts in the file"))
    problems.raise_if_any()
    return _write(path.name, parsed, households, actor)


def _read(path: Path) -> tuple[Iterator[tuple[int, dict]], Callable[[str], str]]:
    """Rows as (number, values by column name) and how the clerk names a column."""
    if path.suffix.lower() != ".json":
        table = open_table(path, ALERT_COLUMNS)
        return table.rows, table.label
    try:
        items = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise _file_error(path, _("file not found: %(path)s") % {"path": path}) from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _file_error(path, _("not valid JSON (%(error)s)") % {"error": exc}) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _file_error(path, _("expected a list of objects"))
    names = {_norm(n): c.name for c in ALERT_COLUMNS for n in (c.name, *c.aliases)}
    written: dict[str, str] = {}
    rows = []
    for number, item in enumerate(items, start=1):
        values = {}
        for key, value in item.items():
            column = names.get(_norm(str(key)))
            if column is not None:
                written.setdefault(column, str(key))
                values[column] = value
        rows.append((number, values))

    def label(column: str) -> str:
        key = written.get(column, column)
        return key if key == column else f"{key} ({column})"

    return iter(rows), label


def _file_error(path: Path, message: str) -> TableError:
    return TableError(path.name, [Problem(None, None, message)])


def _norm(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


def _parse_rows(rows, label, problems: Problems) -> list[tuple[int, dict]]:
    parsed: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        row, ok = {}, True
        for column in ALERT_COLUMNS:
            value = values.get(column.name)
            if value is None or as_text(value) == "":
                problems.add(number, label(column.name), _("missing value"))
                ok = False
                continue
            try:
                row[column.name] = PARSERS[column.name](value, column.name)
            except ValueError as exc:
                problems.add(number, label(column.name), str(exc))
                ok = False
        if not ok:
            continue
        first = seen.setdefault(row["external_id"], number)
        if first != number:
            repeated = _("alert %(id)s repeats row %(row)s")
            problems.add(
                number, label("external_id"), repeated % {"id": row["external_id"], "row": first}
            )
            continue
        parsed.append((number, row))
    return parsed


def _text(value, column: str) -> str:
    text = as_text(value)
    if "\x00" in text:
        raise ValueError(_("holds a NUL character (a binary file?); save it as text"))
    if len(text) > LIMITS[column]:
        raise ValueError(_("longer than %(limit)s characters") % {"limit": LIMITS[column]})
    return text


def _code(value, column: str) -> str:
    return as_text(value)


def _day(value, column: str) -> dt.date:
    day = as_date(value)
    if day > timezone.localdate():
        raise ValueError(_("%(date)s is in the future") % {"date": day})
    return day


def _yes_no(value, column: str) -> bool:
    return as_bool(value)


PARSERS: dict[str, Callable[[object, str], object]] = {
    "external_id": _text,
    "household_code": _code,
    "offence": _text,
    "statute": _text,
    "article": _text,
    "occurred_on": _day,
    "confirmed": _yes_no,
}


def _households(parsed, label, problems: Problems) -> dict[str, Household]:
    codes = {row["household_code"] for _number, row in parsed}
    found = Household.objects.select_related("village").in_bulk(codes, field_name="code")
    for number, row in parsed:
        if row["household_code"] not in found:
            message = _("unknown household %(code)s") % {"code": row["household_code"]}
            problems.add(number, label("household_code"), message)
    return found


def _write(file_name: str, parsed, households: dict, actor: Actor) -> FeedOutcome:
    ids = [row["external_id"] for _number, row in parsed]
    created = confirmed_later = unchanged = 0
    with transaction.atomic():
        known = Alert.objects.select_for_update().in_bulk(ids, field_name="external_id")
        rule = Rule.objects.get(code=RULE_CODE)
        for _number, row in parsed:
            alert = known.get(row["external_id"])
            if alert is None:
                alert = Alert.objects.create(
                    external_id=row["external_id"],
                    household=households[row["household_code"]],
                    offence=row["offence"],
                    statute=row["statute"],
                    article=row["article"],
                    occurred_on=row["occurred_on"],
                    confirmed=row["confirmed"],
                    source_file=file_name,
                )
                created += 1
            elif row["confirmed"] and not alert.confirmed:
                alert.confirmed = True
                alert.save(update_fields=["confirmed"])
                confirmed_later += 1
            else:
                unchanged += 1
                continue
            if alert.confirmed and alert.entry_id is None:
                alert.entry = propose_entry(alert, rule, actor)
                alert.save(update_fields=["entry"])
    summary = _(
        "%(file)s: %(created)s new alerts, %(confirmed)s confirmed since, "
        "%(unchanged)s already imported"
    ) % {
        "file": file_name,
        "created": created,
        "confirmed": confirmed_later,
        "unchanged": unchanged,
    }
    return FeedOutcome(created=created + confirmed_later, unchanged=unchanged, summary=summary)


def propose_entry(alert: Alert, rule: Rule, actor: Actor):
    """The alert's proposed deduction, citing its legal basis (idempotent by alert number)."""
    return record_entry(
        household=alert.household,
        rule=rule,
        occurred_on=alert.occurred_on,
        recorder=actor,
        source=KEY,
        external_id=f"alert:{alert.external_id}",
        evidence=_("Police alert %(id)s: %(offence)s on %(date)s; legal basis: %(basis)s")
        % {
            "id": alert.external_id,
            "offence": alert.offence,
            "date": alert.occurred_on,
            "basis": alert.legal_basis,
        },
        note=alert.legal_basis,
        review=True,
    )
