"""Covenant what-if: the ledger of some months replayed under proposed rule changes.

A proposal is a file in the ``import_rules`` format (code, title_zh, title_en,
category, points, needs_review) with three optional columns: ``active`` (false:
the rule is withdrawn), ``cap_month`` and ``cap_year`` (a cap on the rule per
household per calendar month or year; positive caps gains, negative caps losses).
A row whose code is ``*`` caps a whole category (its ``category`` cell) and needs
only the category and a cap. Nothing is written: the replay runs in a read-only
transaction that is rolled back (docs/scoring.md, "Covenant what-if").

"Before" is the ledger as it stands (``evaluation.selectors.scores_query``: each
counted entry's effect after caps, from ``counts_from`` on). "After" re-scores
every counted entry as if the proposal had been in force throughout:

- a normal entry of a rule whose points the proposal changes counts the proposed
  points, of a withdrawn rule 0, of any other rule its recorded points;
- a compensating or repair entry counts minus what the entry it corrects counts
  (the pair still sums to zero);
- the proposal's caps (if the file has no cap columns: the caps of the township's
  covenant version in force today) cut approved normal entries with the arithmetic
  of ``cap_effects``: per household, in the order entries were approved
  (reviewed_at, id), an entry counts at most the room its caps have left.

The replay is one pass over the ledger: each entry counts from the month it first
counts to the last month its window keeps it, so its points enter a household's
running sum once and leave it once; per-household monthly sums then give every
month's score at once (``_REPLAY_SQL``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.access import actor_access
from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError
from platform_core.evaluation.selectors import TIER_SQL
from platform_core.households.models import Village
from platform_core.households.selectors import mask_name
from platform_core.scoring import policy as scoring
from platform_core.scoring.imports import (
    RULE_COLUMNS,
    _category,
    _rule_row,
    within_points_limit,
)
from platform_core.scoring.models import Cap, CovenantVersion, Rule
from platform_core.scoring.policy import ScoringPolicy, month_end
from platform_core.tabular import (
    Column,
    Problems,
    as_bool,
    as_int,
    as_text,
    open_table,
    write_table,
)

#: Who may run a what-if: township administrators (every village) and village
#: committees (their villages' figures).
WHATIF_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)
#: The longest period one replay covers.
MAX_MONTHS = 36
#: The code of a row that caps a whole category.
CATEGORY_ROW = "*"

PROPOSAL_COLUMNS = [
    *RULE_COLUMNS,
    Column("active", ("启用", "有效")),
    Column("cap_month", ("月上限", "每月上限")),
    Column("cap_year", ("年上限", "每年上限")),
]


class WhatIfRefused(PlatformError):
    """A what-if that cannot run (its months); the file's problems are a TableError."""

    code = "bad_input"


# --- the proposal -------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedCap:
    """A cap of the proposal: on a rule (``rule_id``) or a category, per month or year."""

    rule_id: int | None
    category: str
    period: str  # Cap.Period: "month" or "year"
    limit: int

    def describe(self, codes: dict[int, str]) -> str:
        what = codes.get(self.rule_id, "") if self.rule_id else self.category
        return f"{what} {self.limit:+d}/{self.period}"


@dataclass(frozen=True)
class Proposal:
    """Proposed changes: new points by rule id, withdrawn rules, and the caps."""

    file: str
    points: dict[int, int] = field(default_factory=dict)
    withdrawn: frozenset[int] = frozenset()
    categories: dict[int, str] = field(default_factory=dict)  # every rule's category after
    caps: tuple[ProposedCap, ...] = ()
    caps_from_file: bool = False
    codes: dict[int, str] = field(default_factory=dict)
    signs: dict[int, int] = field(default_factory=dict)  # every rule's sign (kept)

    def raw_points(self, rule_id: int, recorded: int) -> int:
        """What a normal entry of ``rule_id`` recorded with ``recorded`` points counts."""
        if rule_id in self.withdrawn:
            return 0
        return self.points.get(rule_id, recorded)


def read_proposal(path: str | Path) -> Proposal:
    """Parse and check a proposal file; a ``TableError`` names every bad row and column.

    Every rule code must be a rule of this township (a what-if replays recorded
    entries: a rule the township does not have has none); a proposal keeps each
    rule's sign (a bonus stays a bonus) and a cap has the sign of what it caps.
    """
    table = open_table(path, PROPOSAL_COLUMNS)
    problems = Problems(table.file_name)
    rules = {r.code: r for r in Rule.objects.all()}
    has_caps = "cap_month" in table.headers or "cap_year" in table.headers
    seen: dict[str, int] = {}
    rule_rows: list[tuple[int, dict, Rule]] = []
    category_caps: list[ProposedCap] = []
    for number, values in table.rows:
        if as_text(values.get("code")) == CATEGORY_ROW:
            category_caps += _category_caps(number, values, table, problems)
            continue
        row = _rule_row(number, values, table, problems, seen)
        if row is None:
            continue
        rule = rules.get(row["code"])
        if rule is None:
            problems.add(
                number,
                table.label("code"),
                _(
                    "unknown rule %(code)s in this township: a what-if replays recorded "
                    "entries, and a rule the township does not have has none"
                )
                % {"code": row["code"]},
            )
            continue
        if (row["points"] > 0) != (rule.points > 0):
            problems.add(
                number,
                table.label("points"),
                _(
                    "%(points)s against rule %(code)s (%(rule_points)s): a proposal keeps "
                    "the sign of its rule (withdraw it with active = false instead)"
                )
                % {"points": row["points"], "code": rule.code, "rule_points": rule.points},
            )
            continue
        extra = _rule_extras(number, values, table, problems, row["points"])
        if extra is None:
            continue
        rule_rows.append((number, {**row, **extra}, rule))
    if not rule_rows and not category_caps and not problems:
        problems.add(None, None, _("no rules or caps in the file"))
    problems.raise_if_any()
    categories = dict(Rule.objects.values_list("id", "category"))
    points: dict[int, int] = {}
    withdrawn: set[int] = set()
    caps: list[ProposedCap] = list(category_caps)
    for _number, row, rule in rule_rows:
        categories[rule.pk] = row["category"]
        if row["points"] != rule.points:
            points[rule.pk] = row["points"]
        if not row.get("active", rule.active):
            withdrawn.add(rule.pk)
        for period in (Cap.Period.MONTH, Cap.Period.YEAR):
            limit = row.get(f"cap_{period}")
            if limit is not None:
                caps.append(ProposedCap(rule.pk, "", str(period), limit))
    codes = {r.pk: r.code for r in rules.values()}
    if not has_caps and not category_caps:
        caps = caps_in_force()
    return Proposal(
        table.file_name,
        points=points,
        withdrawn=frozenset(withdrawn),
        categories=categories,
        caps=tuple(caps),
        caps_from_file=has_caps or bool(category_caps),
        codes=codes,
        signs={r.pk: 1 if r.points > 0 else -1 for r in rules.values()},
    )


def _rule_extras(number, values, table, problems, points: int) -> dict | None:
    ok = True
    extra: dict = {}
    if values.get("active") is not None:
        try:
            extra["active"] = as_bool(values["active"])
        except ValueError as exc:
            problems.add(number, table.label("active"), str(exc))
            ok = False
    for period in ("month", "year"):
        name = f"cap_{period}"
        if values.get(name) is None:
            continue
        try:
            limit = _cap_limit(values[name])
            if (limit > 0) != (points > 0):
                raise ValueError(
                    _(
                        "a cap has the sign of what it caps: %(limit)s on a rule of "
                        "%(points)s points"
                    )
                    % {"limit": limit, "points": points}
                )
            extra[name] = limit
        except ValueError as exc:
            problems.add(number, table.label(name), str(exc))
            ok = False
    return extra if ok else None


def _category_caps(number, values, table, problems) -> list[ProposedCap]:
    found: list[ProposedCap] = []
    ok = True
    category = ""
    if values.get("category") is None:
        problems.add(number, table.label("category"), _("missing value"))
        ok = False
    else:
        try:
            category = _category(values["category"])
        except ValueError as exc:
            problems.add(number, table.label("category"), str(exc))
            ok = False
    for period in ("month", "year"):
        name = f"cap_{period}"
        if values.get(name) is None:
            continue
        try:
            found.append(ProposedCap(None, category, period, _cap_limit(values[name])))
        except ValueError as exc:
            problems.add(number, table.label(name), str(exc))
            ok = False
    if ok and not found:
        problems.add(
            number,
            table.label("code"),
            _("a %(star)s row caps a category: give cap_month or cap_year")
            % {"star": CATEGORY_ROW},
        )
    return found if ok else []


def _cap_limit(value) -> int:
    limit = as_int(value)
    if limit == 0:
        raise ValueError(_("a cap of 0 would cancel the rule: withdraw it with active = false"))
    return within_points_limit(limit)


def caps_in_force(on: dt.date | None = None) -> list[ProposedCap]:
    """The caps of the township's covenant version in force on ``on`` (default today)."""
    on = on or timezone.localdate()
    version = (
        CovenantVersion.objects.filter(village__isnull=True, effective_from__lte=on)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        return []
    return [
        ProposedCap(cap.rule_id, cap.category, cap.period, cap.limit)
        for cap in Cap.objects.filter(version=version).order_by("id")
    ]


# --- cap arithmetic -----------------------------------------------------------------


def cap_effects(
    entries: Iterable[tuple[int, int, int, dt.date, int]],
    caps: Iterable[ProposedCap],
    categories: dict[int, str],
) -> dict[int, int]:
    """Effects of ``entries`` under ``caps``: {entry id: effect} where a cap cut it.

    ``entries``: (id, household_id, rule_id, occurred_on, points), in the order they
    were approved (per household: reviewed_at, id). An entry counts
    sign * min(|points|, room), where room is, over the caps that match its rule or
    its rule's category and have its sign, the least of max(0, |limit| - used) and
    used is what the household's earlier matching entries of the same sign count in
    the cap's calendar month or year. The cap semantics of docs/scoring.md, "Caps".
    """
    by_rule: dict[int, list[ProposedCap]] = defaultdict(list)
    by_category: dict[str, list[ProposedCap]] = defaultdict(list)
    for cap in caps:
        if cap.rule_id is not None:
            by_rule[cap.rule_id].append(cap)
        else:
            by_category[cap.category].append(cap)
    used: dict[tuple, int] = defaultdict(int)
    cut: dict[int, int] = {}
    for entry_id, household_id, rule_id, occurred_on, points in entries:
        if not points:
            continue
        sign = 1 if points > 0 else -1
        matching = [
            cap
            for cap in (*by_rule.get(rule_id, ()), *by_category.get(categories.get(rule_id), ()))
            if (cap.limit > 0) == (sign > 0)
        ]
        if not matching:
            continue
        keys = [
            (
                household_id,
                cap,
                occurred_on.year,
                occurred_on.month if cap.period == Cap.Period.MONTH else 0,
            )
            for cap in matching
        ]
        room = min(
            max(0, abs(cap.limit) - used[key]) for cap, key in zip(matching, keys, strict=True)
        )
        counted = min(abs(points), room)
        for key in keys:
            used[key] += counted
        if counted != abs(points):
            cut[entry_id] = sign * counted
    return cut


# --- the result ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tiers:
    green: int = 0
    blue: int = 0
    red: int = 0

    def plus(self, other: Tiers) -> Tiers:
        return Tiers(self.green + other.green, self.blue + other.blue, self.red + other.red)


@dataclass(frozen=True)
class VillageMonth:
    """One village in one month: its tier counts before and after the proposal."""

    period: dt.date
    village_code: str
    village_name: str
    households: int
    before: Tiers
    after: Tiers

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class TierChange:
    """A household whose tier the proposal changes in a month."""

    period: dt.date
    village_code: str
    household_code: str
    masked_name: str
    score_before: int
    score_after: int
    tier_before: str
    tier_after: str


@dataclass(frozen=True)
class WhatIf:
    file: str
    first: dt.date
    last: dt.date
    villages: list[VillageMonth]
    changes: list[TierChange]
    rules_changed: list[str]
    rules_withdrawn: list[str]
    caps: list[str]
    caps_from_file: bool
    entries_cut: int
    seconds: float

    def totals(self) -> list[tuple[dt.date, int, Tiers, Tiers]]:
        """(month, households, before, after) over the villages shown, month by month."""
        months: dict[dt.date, tuple[int, Tiers, Tiers]] = {}
        for row in self.villages:
            n, before, after = months.get(row.period, (0, Tiers(), Tiers()))
            months[row.period] = (
                n + row.households,
                before.plus(row.before),
                after.plus(row.after),
            )
        return [(period, *months[period]) for period in sorted(months)]

    def summary(self) -> str:
        return (
            f"{self.file}: {self.first:%Y-%m} to {self.last:%Y-%m}, "
            f"{len(self.changes)} household-months change tier, "
            f"{self.entries_cut} entries cut by caps, {self.seconds:.2f} s; nothing was written"
        )


# --- the service --------------------------------------------------------------------


def check_months(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The period's first and last months, refused when backwards, too long or future."""
    first, last = first.replace(day=1), last.replace(day=1)
    if last < first:
        raise WhatIfRefused(
            _("the period ends (%(last)s) before it starts (%(first)s)")
            % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
        )
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_MONTHS:
        raise WhatIfRefused(
            _("%(months)s months is too long: replay at most %(max)s at once")
            % {"months": months, "max": MAX_MONTHS}
        )
    this_month = timezone.localdate().replace(day=1)
    if last > this_month:
        raise WhatIfRefused(
            _("%(last)s is in the future: the ledger has nothing to replay there")
            % {"last": f"{last:%Y-%m}"}
        )
    return first, last


def covenant_whatif(path: str | Path, *, first: dt.date, last: dt.date, by: Actor) -> WhatIf:
    """Replay ``first``..``last`` (months) under the proposal in ``path``; writes nothing.

    ``by``: a township administrator (every village) or a village committee (the
    figures of its villages). Refused months raise ``WhatIfRefused``, a bad file a
    ``TableError`` naming its rows and columns, before anything is replayed.
    """
    township = connection.tenant
    access = actor_access(by, township)
    if by.user is not None and not access.holds_somewhere(WHATIF_ROLES):
        raise NotAllowed(
            _("%(who)s may not %(what)s in %(where)s")
            % {
                "who": by.label,
                "what": _("run a covenant what-if"),
                "where": getattr(township, "name", None) or _("this township"),
            }
        )
    village_codes = None if by.user is None else access.villages(WHATIF_ROLES)
    first, last = check_months(first, last)
    proposal = read_proposal(path)
    started = time.perf_counter()
    policy = ScoringPolicy.of(township)
    result = _replay(proposal, first, last, policy, village_codes)
    return WhatIf(
        file=proposal.file,
        first=first,
        last=last,
        villages=result[0],
        changes=result[1],
        rules_changed=sorted(proposal.codes[pk] for pk in proposal.points),
        rules_withdrawn=sorted(proposal.codes[pk] for pk in proposal.withdrawn),
        caps=[cap.describe(proposal.codes) for cap in proposal.caps],
        caps_from_file=proposal.caps_from_file,
        entries_cut=result[2],
        seconds=time.perf_counter() - started,
    )


class _Rollback(Exception):
    pass


def _replay(proposal: Proposal, first, last, policy: ScoringPolicy, village_codes):
    """Both queries in one read-only transaction (a savepoint when nested), rolled back."""
    found: list = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION READ ONLY")
            found.append(_run(cursor, proposal, first, last, policy, village_codes))
            raise _Rollback
    except _Rollback:
        pass
    return found[0]


def _scan_start(window: str, first: dt.date) -> dt.date | None:
    """The earliest date an entry counting in month ``first`` may have occurred."""
    if window == scoring.CALENDAR_YEAR:
        return dt.date(first.year, 1, 1)
    if window == scoring.ROLLING_12_MONTHS:
        return scoring.rolling_start(month_end(first))
    return None


# The last month an entry counts, by the score window (docs/scoring.md, "Score
# window"): the December of its year; eleven months after its own; never ending.
_LAST_MONTH = {
    scoring.CALENDAR_YEAR: "make_date(extract(year FROM e.occurred_on)::int, 12, 1)",
    scoring.ROLLING_12_MONTHS: "(date_trunc('month', e.occurred_on) + interval '11 months')::date",
    scoring.LIFETIME: "DATE '9999-12-01'",
}

_CAPPED_SQL = """
SELECT e.id, e.household_id, e.rule_id, e.occurred_on, e.points
FROM scoring_scoreevent e
WHERE e.status = 'approved' AND e.kind = 'normal' AND e.rule_id = ANY(%(rules)s)
  AND e.occurred_on BETWEEN %(low)s AND %(high)s
ORDER BY e.household_id, e.reviewed_at NULLS LAST, e.id
"""

_REPLAY_SQL = """
WITH proposal AS (
    SELECT * FROM unnest(%(rule_ids)s::bigint[], %(rule_points)s::integer[]) AS p(rule_id, points)
), cut AS (
    SELECT * FROM unnest(%(cut_ids)s::bigint[], %(cut_effects)s::integer[]) AS c(id, effect)
), entries AS (
    SELECT e.household_id,
           COALESCE(e.effect, e.points) AS before,
           CASE WHEN e.rule_id = ANY(%(withdrawn)s::bigint[]) THEN 0
                WHEN e.kind = 'normal' THEN COALESCE(c.effect, p.points, e.points)
                ELSE COALESCE(-p.points, e.points) END AS after,
           date_trunc('month', GREATEST(e.occurred_on, e.counts_from))::date AS first,
           {last_month} AS last
    FROM scoring_scoreevent e
    LEFT JOIN proposal p ON p.rule_id = e.rule_id
    LEFT JOIN cut c ON c.id = e.id
    WHERE e.status IN ('approved', 'reversed', 'repaired')
      AND e.occurred_on <= %(as_of)s AND e.occurred_on >= %(low)s
      AND (e.counts_from IS NULL OR e.counts_from <= %(as_of)s)
), spans AS (
    SELECT household_id, first, last, SUM(before) AS before, SUM(after) AS after
    FROM entries
    WHERE first <= last AND first <= %(last)s AND last >= %(first)s
    GROUP BY household_id, first, last
), deltas AS (
    SELECT household_id, month, SUM(before) AS before, SUM(after) AS after FROM (
        SELECT household_id, GREATEST(first, %(first)s) AS month, before, after FROM spans
        UNION ALL
        SELECT household_id, (last + interval '1 month')::date, -before, -after FROM spans
        WHERE last < %(last)s
    ) d
    GROUP BY household_id, month
), months AS (
    SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 month')::date AS month
), scores AS (
    SELECT h.id, h.village_id, m.month,
           %(base)s + SUM(COALESCE(d.before, 0)) OVER w AS before,
           %(base)s + SUM(COALESCE(d.after, 0)) OVER w AS after
    FROM households_household h
    CROSS JOIN months m
    LEFT JOIN deltas d ON d.household_id = h.id AND d.month = m.month
    {village_filter}
    WINDOW w AS (PARTITION BY h.id ORDER BY m.month)
), tiers AS (
    SELECT s.*, {tier_before} AS tier_before, {tier_after} AS tier_after FROM scores s
)
SELECT 'n' AS kind, village_id, month, COUNT(*)::bigint AS n,
       COUNT(*) FILTER (WHERE tier_before = 'green') AS a,
       COUNT(*) FILTER (WHERE tier_before = 'blue') AS b,
       COUNT(*) FILTER (WHERE tier_before = 'red') AS c,
       COUNT(*) FILTER (WHERE tier_after = 'green') AS d,
       COUNT(*) FILTER (WHERE tier_after = 'blue') AS e,
       COUNT(*) FILTER (WHERE tier_after = 'red') AS f,
       NULL AS tier_before, NULL AS tier_after
FROM tiers GROUP BY village_id, month
UNION ALL
SELECT 'c', village_id, month, id, before, after, 0, 0, 0, 0, tier_before, tier_after
FROM tiers WHERE tier_before <> tier_after
"""


def _run(cursor, proposal: Proposal, first, last, policy: ScoringPolicy, village_codes):
    as_of = month_end(last)
    low = _scan_start(policy.window, first)
    cut = _cut_entries(cursor, proposal, low, as_of)
    villages = {v.pk: v for v in Village.objects.order_by("code")}
    village_ids = None
    village_filter = ""
    params = {
        "rule_ids": list(proposal.points),
        "rule_points": list(proposal.points.values()),
        "cut_ids": list(cut),
        "cut_effects": list(cut.values()),
        "withdrawn": list(proposal.withdrawn),
        "as_of": as_of,
        "low": low or dt.date.min,
        "first": first,
        "last": last,
        "base": policy.base,
        "g": policy.green_above,
        "r": policy.red_below,
    }
    if village_codes is not None:
        village_ids = [pk for pk, v in villages.items() if v.code in village_codes]
        village_filter = "WHERE h.village_id = ANY(%(villages)s)"
        params["villages"] = village_ids
    sql = _REPLAY_SQL.format(
        last_month=_LAST_MONTH[policy.window],
        village_filter=village_filter,
        tier_before=TIER_SQL.replace("s.score", "s.before"),
        tier_after=TIER_SQL.replace("s.score", "s.after"),
    )
    cursor.execute(sql, params)
    rows: list[VillageMonth] = []
    changed: list[tuple] = []
    for kind, village_id, month, n, a, b, c, d, e, f, tier_before, tier_after in cursor.fetchall():
        village = villages[village_id]
        if kind == "n":
            rows.append(
                VillageMonth(month, village.code, village.name, n, Tiers(a, b, c), Tiers(d, e, f))
            )
        else:
            changed.append((month, village.code, n, a, b, tier_before, tier_after))
    rows.sort(key=lambda r: (r.period, r.village_code))
    return rows, _changes(cursor, changed), len(cut)


def _cut_entries(cursor, proposal: Proposal, low, as_of) -> dict[int, int]:
    """Entries the proposal's caps cut: {id: effect}, over whole calendar years (a
    year cap's room depends on every entry of its year).

    Where each rule meets at most one cap of its sign, the caps are independent and
    an entry's effect is min(|limit|, run) - min(|limit|, run - |points|), run being
    the running sum of |points| in its cap's (household, period) in approval order:
    one window function in SQL. Rules under two or more caps (a rule cap and its
    category's, a month and a year cap), and the rules sharing a cap with them, go
    through ``cap_effects`` in Python. Both give the same effects (a test compares).
    """
    if not proposal.caps:
        return {}
    window, greedy = split_caps(proposal)
    if not SQL_CAPS:
        greedy |= set(window)
        window = {}
    years = {
        "low": dt.date((low or dt.date(1900, 1, 1)).year, 1, 1),
        "high": dt.date(as_of.year, 12, 31),
    }
    cut: dict[int, int] = {}
    if window:
        caps = proposal.caps
        cursor.execute(
            _WINDOW_CAPS_SQL,
            {
                **years,
                "rules": list(window),
                "caps": list(window.values()),
                "limits": [caps[i].limit for i in window.values()],
                "years": [caps[i].period == Cap.Period.YEAR for i in window.values()],
                "rule_ids": list(proposal.points),
                "rule_points": list(proposal.points.values()),
            },
        )
        cut.update(cursor.fetchall())
    if greedy:
        cursor.execute(_CAPPED_SQL, {**years, "rules": list(greedy)})
        entries = (
            (pk, household, rule, occurred_on, proposal.raw_points(rule, points))
            for pk, household, rule, occurred_on, points in cursor.fetchall()
        )
        cut.update(cap_effects(entries, proposal.caps, proposal.categories))
    return cut


#: False: every capped rule goes through ``cap_effects`` (tests compare both ways).
SQL_CAPS = True


def split_caps(proposal: Proposal) -> tuple[dict[int, int], set[int]]:
    """({rule id: index of its one cap}, {rule ids for ``cap_effects``}).

    A rule matches the caps on it and on its category that have its sign; withdrawn
    rules count 0 and need no cap.
    """
    matches: dict[int, list[int]] = {}
    for rule, category in proposal.categories.items():
        if rule in proposal.withdrawn:
            continue
        sign = proposal.signs.get(rule, 1)
        found = [
            i
            for i, cap in enumerate(proposal.caps)
            if (cap.rule_id == rule or (cap.rule_id is None and cap.category == category))
            and (cap.limit > 0) == (sign > 0)
        ]
        if found:
            matches[rule] = found
    shared = {i for found in matches.values() if len(found) > 1 for i in found}
    greedy = {rule for rule, found in matches.items() if shared.intersection(found)}
    window = {rule: found[0] for rule, found in matches.items() if rule not in greedy}
    return window, greedy


_WINDOW_CAPS_SQL = """
WITH matches AS (
    SELECT * FROM unnest(%(rules)s::bigint[], %(caps)s::integer[], %(limits)s::integer[],
                         %(years)s::boolean[]) AS m(rule_id, cap, lim, per_year)
), proposal AS (
    SELECT * FROM unnest(%(rule_ids)s::bigint[], %(rule_points)s::integer[]) AS p(rule_id, points)
), runs AS (
    SELECT e.id, m.lim, abs(COALESCE(p.points, e.points)) AS size,
           SUM(abs(COALESCE(p.points, e.points))) OVER (
               PARTITION BY e.household_id, m.cap,
                            date_trunc(CASE WHEN m.per_year THEN 'year' ELSE 'month' END,
                                       e.occurred_on)
               ORDER BY e.reviewed_at, e.id
           ) AS run
    FROM scoring_scoreevent e
    JOIN matches m ON m.rule_id = e.rule_id
    LEFT JOIN proposal p ON p.rule_id = e.rule_id
    WHERE e.status = 'approved' AND e.kind = 'normal'
      AND e.occurred_on BETWEEN %(low)s AND %(high)s
)
SELECT id, (sign(lim) * GREATEST(0, LEAST(size, abs(lim) - (run - size))))::integer
FROM runs WHERE run > abs(lim)
"""


def _changes(cursor, changed: list[tuple]) -> list[TierChange]:
    if not changed:
        return []
    cursor.execute(
        "SELECT id, code, head_name FROM households_household WHERE id = ANY(%s)",
        [list({row[2] for row in changed})],
    )
    households = {pk: (code, name) for pk, code, name in cursor.fetchall()}
    found = [
        TierChange(
            period=month,
            village_code=village,
            household_code=households[pk][0],
            masked_name=mask_name(households[pk][1]),
            score_before=before,
            score_after=after,
            tier_before=tier_before,
            tier_after=tier_after,
        )
        for month, village, pk, before, after, tier_before, tier_after in changed
    ]
    found.sort(key=lambda c: (c.period, c.village_code, c.household_code))
    return found


CHANGE_HEADER = [
    "month",
    "village",
    "household",
    "name",
    "score_before",
    "tier_before",
    "score_after",
    "tier_after",
]


def write_changes(path: str | Path, result: WhatIf) -> int:
    """Every tier change of ``result`` as a table (CSV for Excel, or XLSX); the count."""
    rows = (
        (
            f"{c.period:%Y-%m}",
            c.village_code,
            c.household_code,
            c.masked_name,
            c.score_before,
            c.tier_before,
            c.score_after,
            c.tier_after,
        )
        for c in result.changes
    )
    return write_table(path, CHANGE_HEADER, rows, bom=True)
