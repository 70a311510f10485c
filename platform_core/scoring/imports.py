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

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.scoring.due_process import announce, window_end
from platform_core.scoring.models import Rule
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.services import require_role, save_rule
from platform_core.tabular import (
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
]
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
]
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


_ZH_CATEGORIES = {
    "garbage_sorting": "垃圾分类",
    "customs_reform": "移风易俗",
    "public_safety": "平安建设",
    "volunteering": "志愿活动",
    "mutual_aid": "扶贫帮困",
    "prohibition": "七不准",
    "other": "其他",
}


def import_rules(path: str | Path, *, by: Actor) -> RuleImport:
    """Add or update covenant rules by code; recorded entries keep their points.

    For an existing rule, empty optional cells (``title_en``, ``needs_review``)
    keep what the rule has; for a new rule they default to ``title_zh`` and true.
    ``by`` edits the covenant as ``save_rule`` demands (checked once, before reading).
    """
    require_role(by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("edit covenant rules"))
    table = open_table(path, RULE_COLUMNS)
    problems = Problems(table.file_name)
    rows: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, values in table.rows:
        row = _rule_row(number, values, table, problems, seen)
        if row is not None:
            rows.append((number, row))
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
    for name, limit in (("code", 40), ("title_zh", 200), ("title_en", 200)):
        text = as_text(values.get(name))
        if len(text) > limit:
            problems.add(number, table.label(name), _longer_than(limit))
            ok = False
        if text:
            row[name] = text
        elif name != "title_en":
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
    ):
        value = values.get(name)
        if value is None:
            if name != "needs_review":
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
    """Write the covenant in the import format (so it can be edited and imported back)."""
    rows = (
        (
            r.code,
            r.title_zh,
            r.title_en,
            r.category,
            r.points,
            "true" if r.needs_review else "false",
        )
        for r in Rule.objects.order_by("category", "code")
    )
    return write_table(path, [c.name for c in RULE_COLUMNS], rows, bom=True)


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
    notified_on date
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
        rows = 0
        with cursor.copy(
            "COPY import_events (row, household_code, rule_code, occurred_on, points,"
            " external_id, note, notified_on) FROM STDIN"
        ) as copy:
            for number, values in table.rows:
                rows += 1
                parsed = _parse_event(number, values, table, problems, today, notified_on)
                if parsed is not None and not problems:
                    copy.write_row(parsed)
                if progress and rows % PROGRESS_EVERY == 0:
                    progress(f"read {rows:,} rows ({time.perf_counter() - started:.1f} s)")
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
        _notify_now(cursor, table.file_name, operator, approve, source, today)
        # also when called inside a longer transaction
        cursor.execute("DROP TABLE import_events; DROP TABLE import_windows")
        if recorded >= ANALYZE_AFTER:
            cursor.execute("ANALYZE scoring_scoreevent")  # keep plans right after a bulk load
    seconds = time.perf_counter() - started
    return EventImport(table.file_name, rows, recorded, rows - recorded, approve, seconds)


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
    if not (ok and notified_ok):
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
    )


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
    for column, sql, message in checks:
        _report(cursor, problems, table.label(column), sql, message)


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
    cursor.execute(
        """
        INSERT INTO scoring_scoreevent (
            household_id, rule_id, points, occurred_on, source, external_id, evidence, note,
            kind, status, recorded_by_id, recorded_by_label, recorded_at,
            reviewed_by_id, reviewed_by_label, reviewed_at, review_note, counts_from
        )
        SELECT h.id, r.id, COALESCE(i.points, r.points), i.occurred_on, %(source)s::text,
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
        JOIN import_windows w ON w.notified_on = COALESCE(i.notified_on, %(today)s::date)
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
    return cursor.rowcount


def _notify_now(
    cursor, file_name: str, operator: Actor, approve: bool, source: str, today: dt.date
) -> None:
    """Deductions imported approved without a notice day are notified now: their notices
    are recorded in this transaction and sent after the commit (the notices app)."""
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
