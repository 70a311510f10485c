"""Import of households from a clerk's CSV/XLSX file (contract in the README).

The whole file is checked before anything is written, and written in one
transaction: a bad row fails the file with its row and column, and nothing of it
is kept. Households are matched by ``code`` (an existing code is updated);
villages and grids named in the file are created when new.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from platform_core.households.models import Grid, Household, SubjectKind, Village
from platform_core.tabular import (
    Column,
    Problem,
    Problems,
    TableError,
    as_int,
    as_text,
    open_table,
)

COLUMNS = [
    Column("code", ("户码",)),
    Column("village", ("村", "村（居）", "村居"), required=True),
    Column("grid", ("网格",)),
    Column("head_name", ("户主", "户主姓名"), required=True),
    Column("address", ("地址",)),
    Column("members", ("人口", "家庭人口")),
    Column("phone", ("电话", "联系电话")),
    # Where notices of deductions are e-mailed (besides SMS to the phone).
    Column("email", ("电子邮箱", "邮箱")),
]
# Longest values the database holds (the models' max_length).
LIMITS = {
    "village": 100,
    "grid": 100,
    "head_name": 50,
    "address": 200,
    "phone": 32,
    "email": 254,
}
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class HouseholdImport:
    file: str
    rows: int
    created: int
    updated: int
    villages_created: int
    grids_created: int

    def summary(self) -> str:
        return (
            f"{self.file}: {self.rows} rows, {self.created} households created, "
            f"{self.updated} updated, {self.villages_created} villages and "
            f"{self.grids_created} grids created"
        )


def import_households(path: str | Path, progress: Progress | None = None) -> HouseholdImport:
    table = open_table(path, COLUMNS)
    problems = Problems(table.file_name)
    rows: list[tuple[int, dict]] = []
    seen_codes: dict[str, int] = {}
    for number, values in table.rows:
        row = _check_row(number, values, table, problems, seen_codes)
        if row is not None:
            rows.append((number, row))
        if progress and number % 1000 == 0:
            progress(number - 1)
    if not rows and not problems:
        problems.add(None, None, _("no households in the file"))
    _refuse_enterprise_codes(rows, table, problems)
    problems.raise_if_any()
    try:
        with transaction.atomic():
            result = _write(table.file_name, rows)
    except IntegrityError:
        raise TableError(
            table.file_name,
            [
                Problem(
                    None,
                    None,
                    _("households changed while importing (another import?); run again"),
                )
            ],
        ) from None
    if progress:
        progress(len(rows))
    return result


def _refuse_enterprise_codes(rows, table, problems) -> None:
    """A household code must not be a merchant's or firm's (one code namespace)."""
    codes = {row["code"]: number for number, row in rows if row["code"]}
    if not codes:
        return
    taken = Household.subjects.exclude(kind=SubjectKind.HOUSEHOLD).filter(code__in=list(codes))
    for code in sorted(taken.values_list("code", flat=True)):
        problems.add(
            codes[code],
            table.label("code"),
            _("%(value)s is the code of a merchant or firm") % {"value": code},
        )


def _check_row(number, values, table, problems, seen_codes) -> dict | None:
    ok = True
    row = {name: as_text(values.get(name)) for name in ("code", "village", "grid", "head_name")}
    row["address"] = as_text(values.get("address"))
    row["phone"] = as_text(values.get("phone"))
    # Without the column, households keep the e-mail they have (set in the admin).
    row["email"] = as_text(values.get("email")) if "email" in table.headers else None
    if row["email"]:
        try:
            validate_email(row["email"])
        except ValidationError:
            problems.add(
                number,
                table.label("email"),
                _("%(value)s is not an e-mail address") % {"value": row["email"]},
            )
            ok = False
    for required in ("village", "head_name"):
        if not row[required]:
            problems.add(number, table.label(required), _("missing value"))
            ok = False
    code = row["code"]
    if code:
        if not CODE_PATTERN.match(code):
            problems.add(
                number,
                table.label("code"),
                _("%(value)s: use letters, digits, - and _ (max 32)") % {"value": repr(code)},
            )
            ok = False
        elif code in seen_codes:
            problems.add(
                number,
                table.label("code"),
                _("%(value)s repeats row %(row)s") % {"value": code, "row": seen_codes[code]},
            )
            ok = False
        else:
            seen_codes[code] = number
    members = values.get("members")
    row["members"] = 1
    if members is not None:
        try:
            row["members"] = as_int(members)
            if not 1 <= row["members"] <= 99:
                raise ValueError(_("%(value)s is not between 1 and 99") % {"value": row["members"]})
        except ValueError as exc:
            problems.add(number, table.label("members"), str(exc))
            ok = False
    for name, limit in LIMITS.items():
        if len(row[name] or "") > limit:
            problems.add(
                number,
                table.label(name),
                _("longer than %(limit)s characters") % {"limit": limit},
            )
            ok = False
    return row if ok else None


def _write(file_name: str, rows: list[tuple[int, dict]]) -> HouseholdImport:
    villages = {v.name: v for v in Village.objects.all()}
    villages.update({v.code: v for v in villages.values()})
    grids = {(g.village_id, g.name): g for g in Grid.objects.all()}
    existing = {h.code: h for h in Household.objects.filter(code__in=[r["code"] for _, r in rows])}
    villages_created = grids_created = 0
    created: list[Household] = []
    updated: list[Household] = []
    next_number: dict[int, int] = {}
    file_codes = {row["code"] for _, row in rows if row["code"]}
    for _number, row in rows:
        village = villages.get(row["village"])
        if village is None:
            village = Village.objects.create(code=_next_village_code(), name=row["village"])
            villages[village.name] = villages[village.code] = village
            villages_created += 1
        grid = None
        if row["grid"]:
            grid = grids.get((village.pk, row["grid"]))
            if grid is None:
                grid = Grid.objects.create(village=village, name=row["grid"])
                grids[(village.pk, grid.name)] = grid
                grids_created += 1
        fields = {
            "village": village,
            "grid": grid,
            "head_name": row["head_name"],
            "members": row["members"],
            "address": row["address"],
            "phone": row["phone"],
        }
        if row["email"] is not None:
            fields["email"] = row["email"]
        household = existing.get(row["code"]) if row["code"] else None
        if household is None:
            code = row["code"] or _generated_code(village, next_number, file_codes)
            created.append(Household(code=code, **fields))
        else:
            for name, value in fields.items():
                setattr(household, name, value)
            updated.append(household)
    Household.objects.bulk_create(created, batch_size=2000)
    Household.objects.bulk_update(
        updated,
        ["village", "grid", "head_name", "members", "address", "phone", "email"],
        batch_size=2000,
    )
    return HouseholdImport(
        file_name, len(rows), len(created), len(updated), villages_created, grids_created
    )


def _next_village_code() -> str:
    taken = set(Village.objects.values_list("code", flat=True))
    number = len(taken) + 1
    while f"V{number:02d}" in taken:
        number += 1
    return f"V{number:02d}"


def _generated_code(village: Village, next_number: dict[int, int], file_codes: set[str]) -> str:
    """``<village code>-NNNN``: the next number in that village not used anywhere yet."""
    if village.pk not in next_number:
        prefix = f"{village.code}-"
        numbers = [
            int(code[len(prefix) :])
            for code in Household.objects.filter(code__startswith=prefix).values_list(
                "code", flat=True
            )
            if code[len(prefix) :].isdigit()
        ]
        next_number[village.pk] = max(numbers, default=0)
    while True:
        next_number[village.pk] += 1
        code = f"{village.code}-{next_number[village.pk]:04d}"
        if code not in file_codes:
            return code
