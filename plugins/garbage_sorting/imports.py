"""Importing a grid worker's inspection sheet: atomic, and a re-import is harmless."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plugins.garbage_sorting.models import Inspection
from plugins.garbage_sorting.services import record_inspection
from township_integrity.models import Household
from township_integrity.services import Actor
from township_integrity.tabular import Column, Problems, as_date, as_text, open_table

COLUMNS = [
    Column("household_code", ("户码",), required=True),
    Column("inspected_on", ("检查日期", "日期"), required=True),
    Column("result", ("结果",), required=True),
    Column("photo_ref", ("照片",)),
]
RESULTS = {
    "correct": "correct", "正确": "correct", "合格": "correct",
    "wrong": "wrong", "错误": "wrong",
    "not_sorted": "not_sorted", "未分类": "not_sorted",
}  # fmt: skip
RESULT_HINT = gettext_lazy("use correct/wrong/not_sorted (正确/错误/未分类)")


@dataclass(frozen=True)
class InspectionImport:
    file: str
    rows: int
    recorded: int

    def summary(self) -> str:
        skipped = self.rows - self.recorded
        return (
            f"{self.file}: {self.rows} rows, {self.recorded} inspections recorded, "
            f"{skipped} skipped as already recorded"
        )


def import_inspections(path: str | Path, *, inspector: Actor) -> InspectionImport:
    table = open_table(path, COLUMNS)
    problems = Problems(table.file_name)
    households = dict(Household.objects.values_list("code", "pk"))
    today = timezone.localdate()
    rows = []
    for number, values in table.rows:
        code = as_text(values.get("household_code"))
        if code not in households:
            problems.add(
                number,
                table.label("household_code"),
                _("unknown household %(household)s") % {"household": repr(code)},
            )
        result = RESULTS.get(as_text(values.get("result")).lower())
        if result is None:
            problems.add(number, table.label("result"), str(RESULT_HINT))
        try:
            day = as_date(values.get("inspected_on"))
            if day > today:
                problems.add(
                    number,
                    table.label("inspected_on"),
                    _("%(date)s is in the future") % {"date": day},
                )
        except (ValueError, TypeError) as exc:
            problems.add(number, table.label("inspected_on"), str(exc))
            continue
        rows.append((code, day, result, as_text(values.get("photo_ref"))))
    problems.raise_if_any()
    recorded = 0
    with transaction.atomic():
        for code, day, result, photo in rows:
            if Inspection.objects.filter(household_id=households[code], inspected_on=day).exists():
                continue
            record_inspection(
                Household.objects.get(pk=households[code]),
                inspected_on=day,
                result=result,
                inspector=inspector,
                photo_ref=photo,
            )
            recorded += 1
    return InspectionImport(table.file_name, len(rows), recorded)
