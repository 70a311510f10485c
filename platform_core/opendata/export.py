"""Exporting an open dataset: the months asked for, every value checked, CSV and JSON.

No personal data by construction: columns are aggregates, codes and labels of places
(their names are checked when a plugin declares them, ``OpenColumn.problems``), and
here every value is checked against its column's kind before it leaves the platform.
A row with a value that is a household head's name, a household code, a phone
number (the households' own or anything shaped like one), an e-mail address or an
ID number is left out and logged (without the value).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.errors import PlatformError
from platform_core.households.models import Household
from platform_core.plugins.types import OpenColumn, OpenDataset
from platform_core.publication.selectors import add_months
from platform_core.tabular import escape_cell

logger = logging.getLogger(__name__)

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
PUBLISHED = "published"


class OpenDataError(PlatformError):
    """A request for open data that cannot be answered (``field``: the parameter)."""


# --- the months asked for ------------------------------------------------------------


def _month(parameter: str, text: str) -> dt.date:
    found = MONTH.match(text.strip())
    if found and 1 <= int(found.group(2)) <= 12 and int(found.group(1)) >= 1900:
        return dt.date(int(found.group(1)), int(found.group(2)), 1)
    raise OpenDataError(
        _("%(parameter)s: %(value)r is not a month written as YYYY-MM (e.g. 2026-03)")
        % {"parameter": parameter, "value": text},
        field=parameter,
    )


def month_range(params: Mapping[str, str], today: dt.date) -> tuple[dt.date, dt.date]:
    """The first days of the first and last month of ``?from=YYYY-MM&to=YYYY-MM``.

    Default: the last 12 finished months (``to`` alone: the 12 months up to it;
    ``from`` alone: from it to the last finished month). At most 36 months, none after
    the current one; OpenDataError naming the parameter otherwise.
    """
    this_month = today.replace(day=1)
    given_from, given_to = params.get("from", ""), params.get("to", "")
    last = _month("to", given_to) if given_to else add_months(this_month, -1)
    if last > this_month:
        raise OpenDataError(
            _("to: %(month)s is in the future") % {"month": f"{last:%Y-%m}"}, field="to"
        )
    if given_from:
        first = _month("from", given_from)
        if first > this_month:
            raise OpenDataError(
                _("from: %(month)s is in the future") % {"month": f"{first:%Y-%m}"},
                field="from",
            )
        if not given_to and first == this_month:
            last = this_month  # this month alone: its figures so far
    else:
        first = add_months(last, 1 - DEFAULT_MONTHS)
    if first > last:
        raise OpenDataError(
            _("from: %(first)s is after to: %(last)s")
            % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"},
            field="from",
        )
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_MONTHS:
        raise OpenDataError(
            _("from/to: %(months)s months asked for; at most %(max)s at a time")
            % {"months": months, "max": MAX_MONTHS},
            field="from",
        )
    return first, last


# --- checking every value ----------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"^(?:\+?86)?(?:1[3-9]\d{9}|0\d{9,11})$")
_ID_NUMBER = re.compile(r"^(?:\d{17}[\dXx]|\d{15})$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Guard:
    """What must never appear in a township's open data: its households' head names,
    codes and phone numbers (read once per export)."""

    names: frozenset
    codes: frozenset
    phones: frozenset

    @classmethod
    def of_township(cls) -> Guard:
        """The guard of the township whose schema is active."""
        names, codes, phones = set(), set(), set()
        for name, code, phone in Household.objects.values_list("head_name", "code", "phone"):
            names.add(name.strip())
            codes.add(code.strip().upper())
            if phone:
                phones.add(_SEPARATORS.sub("", phone))
        names.discard("")
        phones.discard("")
        return cls(frozenset(names), frozenset(codes), frozenset(phones))

    def personal(self, text: str) -> str:
        """Why ``text`` looks personal ("" when it does not); never repeats the text."""
        bare = text.strip()
        digits = _SEPARATORS.sub("", bare)
        if bare in self.names:
            return "a household head's name"
        if bare.upper() in self.codes:
            return "a household code"
        if digits in self.phones or _PHONE.match(digits):
            return "a phone number"
        if _ID_NUMBER.match(digits):
            return "an ID number"
        if _EMAIL.search(bare):
            return "an e-mail address"
        return ""


def _is_number(value) -> bool:
    return (
        isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _value(column: OpenColumn, value, first: dt.date, last: dt.date, guard: Guard):
    """The value as published, or raise ValueError saying why the row is refused."""
    kind = column.kind
    if kind == "month":
        if isinstance(value, dt.date):
            month = value.replace(day=1)
        elif isinstance(value, str) and MONTH.match(value):
            month = dt.date(int(value[:4]), int(value[5:]), 1)
        else:
            raise ValueError(f"{column.name} is not a month")
        if not first <= month <= last:
            raise ValueError(f"{column.name} {month:%Y-%m} is outside the months asked for")
        return f"{month:%Y-%m}"
    if kind == "date":
        if value is None:
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ValueError(f"{column.name} is not a date")
        return value.isoformat()
    if kind in ("code", "label"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{column.name} is not a text")
        if len(value) > (64 if kind == "code" else 200):
            raise ValueError(f"{column.name} is too long for a {kind}")
        why = guard.personal(value)
        if why:
            raise ValueError(f"{column.name} holds {why}")
        return value
    if kind == "count":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{column.name} is not a count (an integer, not negative)")
        return value
    if kind == "rate":
        if value is None:
            return None
        if not _is_number(value) or not 0 <= value <= 1:
            raise ValueError(f"{column.name} is not a rate from 0 to 1")
        return round(float(value), 4)
    raise ValueError(f"{column.name} has an unknown kind")


def checked_rows(
    plugin: str,
    dataset: OpenDataset,
    first: dt.date,
    last: dt.date,
    guard: Guard,
    today: dt.date,
) -> Iterator[dict]:
    """The dataset's rows for ``first`` .. ``last``, each value checked, each with its
    ``published`` date (the row's own, else ``today``: live figures)."""
    names = [c.name for c in dataset.columns]
    allowed = {*names, PUBLISHED}
    for row in dataset.rows(first, last):
        try:
            if not isinstance(row, Mapping):
                raise ValueError("a row is not a dict")
            if set(row) - allowed or set(names) - set(row):
                raise ValueError("a row's keys are not the dataset's columns")
            values = {c.name: _value(c, row[c.name], first, last, guard) for c in dataset.columns}
            published = row.get(PUBLISHED) or today
            if isinstance(published, dt.datetime) or not isinstance(published, dt.date):
                raise ValueError("published is not a date")
        except ValueError as why:
            logger.warning(
                "open data %s/%s: a row left out: %s", plugin or "core", dataset.key, why
            )
            continue
        values[PUBLISHED] = published.isoformat()
        yield values


def export_date() -> dt.date:
    """The publication date of live figures: the day of the export (local)."""
    return timezone.localdate()


# --- files ---------------------------------------------------------------------------------


def header(dataset: OpenDataset, county: bool = False) -> list[str]:
    """The column names of a file: (township code and name,) the dataset's, published."""
    return [*(("township_code", "township_name") if county else ()), *_names(dataset), PUBLISHED]


def _names(dataset: OpenDataset) -> list[str]:
    return [c.name for c in dataset.columns]


def to_csv(names: list[str], rows: Iterable[dict]) -> str:
    """UTF-8 CSV with a BOM (Excel reads it as UTF-8); every cell through ``escape_cell``."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([escape_cell(name) for name in names])
    for row in rows:
        writer.writerow(["" if row[n] is None else escape_cell(row[n]) for n in names])
    return buffer.getvalue()


def columns_described(dataset: OpenDataset, county: bool = False) -> list[dict]:
    """The columns of a JSON answer, each with its kind and both descriptions."""
    described = []
    if county:
        described += [
            {
                "name": "township_code",
                "kind": "code",
                "description_zh": "乡镇代码",
                "description_en": "Township code",
            },
            {
                "name": "township_name",
                "kind": "label",
                "description_zh": "乡镇名称",
                "description_en": "Township name",
            },
        ]
    described += [
        {
            "name": c.name,
            "kind": c.kind,
            "description_zh": c.description_zh,
            "description_en": c.description_en,
        }
        for c in dataset.columns
    ]
    described.append(
        {
            "name": PUBLISHED,
            "kind": "date",
            "description_zh": PUBLISHED_ZH,
            "description_en": PUBLISHED_EN,
        }
    )
    return described


PUBLISHED_ZH = "发布日期：该月数据定稿（公布）之日；实时统计的数据为导出之日"
PUBLISHED_EN = (
    "Publication date: the day the month's figures were finalised (published); "
    "for live figures, the day of the export"
)


def to_json(document: dict) -> str:
    """The JSON text of an answer (UTF-8, Chinese as is)."""
    return json.dumps(document, ensure_ascii=False, indent=1)
