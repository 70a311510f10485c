"""Import and export of merchants and firms (诚信商户, 诚信企业) from a clerk's CSV/XLSX file.

The model is the households' import (``households.imports``): Chinese or English headers,
UTF-8 with or without BOM or ``.xlsx``, the whole file checked before anything is written
and written in one transaction, every bad row named by file, row and column. A merchant
or firm is matched by its unified social credit code: a code already registered here
updates that subject (its subject code and ledger stay), so importing the same file again
changes nothing. The rules of a registration are ``services.enterprise_problems``'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from platform_core.accounts.access import actor_access
from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.households.credit_codes import CreditCodeError, normalise_credit_code
from platform_core.households.models import Enterprise, Household, SubjectKind, Village
from platform_core.households.services import (
    ENTERPRISE_ROLES,
    enterprise_problems,
    next_enterprise_code,
    set_registration,
)
from platform_core.tabular import (
    Column,
    Problem,
    Problems,
    TableError,
    as_text,
    open_table,
    write_table,
)

COLUMNS = [
    Column("name", ("名称", "商户名称", "企业名称"), required=True),
    Column("credit_code", ("统一社会信用代码", "信用代码"), required=True),
    Column("legal_representative", ("法定代表人", "经营者"), required=True),
    Column("village", ("村", "村（居）", "村居"), required=True),
    Column("kind", ("类型",), required=True),
    Column("phone", ("电话", "联系电话")),
    Column("address", ("地址",)),
]
# The kind cell: the values and their Chinese words (the export writes the Chinese).
KIND_WORDS = {
    "merchant": SubjectKind.MERCHANT,
    "商户": SubjectKind.MERCHANT,
    "个体工商户": SubjectKind.MERCHANT,
    "firm": SubjectKind.FIRM,
    "企业": SubjectKind.FIRM,
}
KIND_CELLS = {SubjectKind.MERCHANT: "商户", SubjectKind.FIRM: "企业"}
EXPORT_HEADER = ["户码", "名称", "统一社会信用代码", "法定代表人", "村", "类型", "电话", "地址"]

Progress = Callable[[int], None]


@dataclass(frozen=True)
class EnterpriseImport:
    file: str
    rows: int
    created: int
    updated: int

    def summary(self) -> str:
        return _(
            "%(file)s: %(rows)s rows, %(created)s merchants and firms registered, "
            "%(updated)s updated"
        ) % {"file": self.file, "rows": self.rows, "created": self.created, "updated": self.updated}


def import_enterprises(
    path: str | Path, by: Actor | None = None, progress: Progress | None = None
) -> EnterpriseImport:
    """Register or update the file's merchants and firms, all or none.

    ``by``: the person uploading (the admin, the workbench); a village committee may
    import only rows of its villages. None or a command's operator: every village.
    """
    table = open_table(path, COLUMNS)
    problems = Problems(table.file_name)
    allowed = _allowed_villages(by)
    villages = {v.name: v for v in Village.objects.all()}
    villages.update({v.code: v for v in list(villages.values())})
    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, values in table.rows:
        row = _check_row(number, values, table, problems, villages, allowed, seen)
        if row is not None:
            rows.append((number, row))
        if progress and number % 1000 == 0:
            progress(number - 1)
    if not rows and not problems:
        problems.add(None, None, _("no merchants or firms in the file"))
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
                    _("merchants and firms changed while importing (another import?); run again"),
                )
            ],
        ) from None
    if progress:
        progress(len(rows))
    return result


def _allowed_villages(by: Actor | None) -> set[str] | None:
    if by is None or by.user is None:
        return None
    allowed = actor_access(by, connection.tenant).villages(ENTERPRISE_ROLES)
    if allowed is not None and not allowed:
        raise NotAllowed(
            _("%(who)s may not %(what)s in %(where)s")
            % {
                "who": by.label,
                "what": _("import merchants and firms"),
                "where": getattr(connection.tenant, "name", ""),
            }
        )
    return allowed


def _check_row(number, values, table, problems, villages, allowed, seen) -> dict | None:
    cells = {column.name: as_text(values.get(column.name)) for column in COLUMNS}
    kind = KIND_WORDS.get(cells["kind"].lower(), cells["kind"])
    village = villages.get(cells["village"])
    existing = None
    try:
        code = normalise_credit_code(cells["credit_code"])
    except CreditCodeError:
        code = ""  # enterprise_problems names what is wrong
    if code:
        existing = Household.subjects.filter(credit_code=code).select_related("village").first()
    cleaned, found = enterprise_problems(
        kind=kind,
        name=cells["name"],
        credit_code=cells["credit_code"],
        legal_representative=cells["legal_representative"],
        village=village,
        address=cells["address"],
        phone=cells["phone"],
        instance=existing,
    )
    if cells["village"] and village is None:
        found["village"] = _("%(value)s is not a village of the township") % {
            "value": cells["village"]
        }
    if cells["kind"] and "kind" in found:
        found["kind"] = _("%(value)s is not a kind: use 商户 (merchant) or 企业 (firm)") % {
            "value": cells["kind"]
        }
    if allowed is not None:
        for place in (village, existing.village if existing is not None else None):
            if place is not None and place.code not in allowed:
                found["village"] = _("you may not import merchants and firms of %(village)s") % {
                    "village": place.name
                }
    if code and "credit_code" not in found:
        if code in seen:
            found["credit_code"] = _("%(value)s repeats row %(row)s") % {
                "value": code,
                "row": seen[code],
            }
        else:
            seen[code] = number
    for field, message in found.items():
        problems.add(number, table.label(field), message)
    if found:
        return None
    return {**cleaned, "village": village, "existing": existing}


def _write(file_name: str, rows: list[tuple[int, dict]]) -> EnterpriseImport:
    created = updated = 0
    taken: set[str] = set()
    for _number, row in rows:
        subject = row["existing"]
        if subject is None:
            subject = Enterprise(code=next_enterprise_code(row["village"], taken))
            taken.add(subject.code)
            created += 1
        else:
            updated += 1
        set_registration(subject, row["village"], row)
        subject.save()
    return EnterpriseImport(file_name, len(rows), created, updated)


# --- export -------------------------------------------------------------------------------


def enterprise_rows(queryset: QuerySet) -> Iterable[Sequence]:
    """The import's columns (and the subject code first), kinds in Chinese as imported."""
    for code, name, credit_code, representative, village, kind, phone, address in queryset.order_by(
        "code"
    ).values_list(
        "code",
        "head_name",
        "credit_code",
        "legal_representative",
        "village__name",
        "kind",
        "phone",
        "address",
    ):
        yield (
            code,
            name,
            credit_code,
            representative,
            village,
            KIND_CELLS.get(kind, kind),
            phone,
            address,
        )


def export_enterprises(path: str | Path, queryset: QuerySet | None = None) -> int:
    """Write merchants and firms to ``path`` (.csv with BOM or .xlsx), formulas escaped."""
    queryset = Enterprise.objects.all() if queryset is None else queryset
    return write_table(path, EXPORT_HEADER, enterprise_rows(queryset), bom=True)
