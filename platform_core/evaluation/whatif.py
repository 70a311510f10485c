"""Covenant what-if: the ledger of some months replayed under proposed rule changes.

A proposal is a covenant file, read by ``scoring.imports.read_covenant_file``: the
``import_rules`` format with ``active`` (false: the rule is withdrawn), ``cap_month``
and ``cap_year`` (a cap on the rule per household per calendar month or year;
positive caps gains, negative caps losses) and ``*`` rows capping a category. On
top, the what-if refuses codes the township has no rule for and changed signs.
Nothing is written: the replay runs in a read-only transaction that is rolled back
(docs/scoring.md, "Covenant what-if").

"Before" is the ledger as it stands (``evaluation.selectors.scores_query``: each
counted entry's effect after caps, from ``counts_from`` on). "After" re-scores
every counted entry as if the proposal had been in force throughout:

- a normal entry of a rule whose points the proposal changes counts the proposed
  points, of a withdrawn rule 0, of any other rule its recorded points;
- a compensating or repair entry counts minus what the entry it corrects counts
  (the pair still sums to zero);
- the proposal's caps (if the file has no cap columns: the caps of the township's
  covenant version in force today) cut approved normal entries with the arithmetic
  of ``scoring.caps`` (``replay``): per household, in the order entries were
  approved (reviewed_at, id), an entry counts at most the room its caps have left.

The replay is one statement and one pass over the ledger for all the months
(``_REPLAY_SQL``): per household, a sum per month of the entries that count in it
before, and of what the proposal changes in them; then per village the tier counts,
and the households whose tier changes in some month. The caps that meet a rule alone
are a window function in the same statement, overlapping caps go through
``caps.replay`` first (a test ties the window function to ``caps.replay``). Nothing
of the caps is computed when no cap matches a rule, and only entries from the start
of the cap period holding the first counted day up to the last month's end are read.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.access import actor_access
from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError
from platform_core.evaluation.selectors import LEDGER_PAGE_COST
from platform_core.households.models import Village
from platform_core.households.selectors import mask_name
from platform_core.scoring import policy as scoring
from platform_core.scoring.caps import YEAR, CapSpec, Entry, replay
from platform_core.scoring.imports import read_covenant_file, township_caps_today
from platform_core.scoring.models import Rule
from platform_core.scoring.policy import ScoringPolicy, month_end
from platform_core.tabular import write_table

#: Who may run a what-if: township administrators (every village) and village
#: committees (their villages' figures).
WHATIF_ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)
#: The longest period one replay covers.
MAX_MONTHS = 36


class WhatIfRefused(PlatformError):
    """A what-if that cannot run (its months); the file's problems are a TableError."""

    code = "bad_input"


# --- the proposal -------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """Proposed changes: new points by rule id, withdrawn rules, and the caps."""

    file: str
    points: dict[int, int] = field(default_factory=dict)
    withdrawn: frozenset[int] = frozenset()
    categories: dict[int, str] = field(default_factory=dict)  # every rule's category after
    caps: tuple[CapSpec, ...] = ()
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

    The file is a covenant file (``scoring.imports.read_covenant_file``: its format,
    caps and checks); on top, every rule code must be a rule of this township (a
    what-if replays recorded entries: a rule the township does not have has none)
    and a proposal keeps each rule's sign (a bonus stays a bonus).
    """
    rules = {r.code: r for r in Rule.objects.all()}

    def check(number, row, table, problems) -> bool:
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
            return False
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
            return False
        return True

    covenant = read_covenant_file(path, check=check)
    categories = {r.pk: r.category for r in rules.values()}
    points: dict[int, int] = {}
    withdrawn: set[int] = set()
    for row in covenant.rules:
        rule = rules[row["code"]]
        categories[rule.pk] = row["category"]
        if row["points"] != rule.points:
            points[rule.pk] = row["points"]
        if not row.get("active", rule.active):
            withdrawn.add(rule.pk)
    from_file = covenant.cap_columns or bool(covenant.caps)
    return Proposal(
        covenant.file,
        points=points,
        withdrawn=frozenset(withdrawn),
        categories=categories,
        caps=tuple(covenant.caps if from_file else township_caps_today()),
        caps_from_file=from_file,
        codes={r.pk: r.code for r in rules.values()},
        signs={r.pk: 1 if r.points > 0 else -1 for r in rules.values()},
    )


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


class TierChange(NamedTuple):
    """A household whose tier the proposal changes in a month (a tuple: a replay
    returns tens of thousands)."""

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
        caps=[cap.describe() for cap in proposal.caps],
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
            # Room to sort and group a township's ledger in memory; no JIT warm-up;
            # the ledger read through its covering index (as finalise_month reads it).
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SELECT set_config('random_page_cost', %s, true)", [LEDGER_PAGE_COST])
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


def _month_index(period: dt.date) -> int:
    return period.year * 12 + period.month - 1


#: False: every capped rule goes through ``caps.replay`` (tests compare both ways).
SQL_CAPS = True


def split_caps(proposal: Proposal) -> tuple[dict[int, int], set[int]]:
    """({rule id: index of its one cap}, {rule ids for ``caps.replay``}).

    A rule matches the caps on it and on its category that have its sign; withdrawn
    rules count 0 and need no cap. Where each rule meets at most one cap, the caps
    are independent and an entry's effect is min(|limit|, run) - min(|limit|, run -
    |points|), run being the running sum of |points| in its cap's (household,
    period) in approval order: a window function in SQL (``_WINDOW_CUT``). Rules under
    two or more caps (a rule cap and its category's, a month and a year cap), and
    the rules sharing a cap with them, go through ``caps.replay`` in Python.
    """
    matches: dict[int, list[int]] = {}
    for rule, category in proposal.categories.items():
        if rule in proposal.withdrawn:
            continue
        sign = proposal.signs.get(rule, 1)
        code = proposal.codes.get(rule, "")
        found = [
            i
            for i, cap in enumerate(proposal.caps)
            if cap.sign == sign
            and (cap.rule_code == code if cap.rule_code else cap.category == category)
        ]
        if found:
            matches[rule] = found
    shared = {i for found in matches.values() if len(found) > 1 for i in found}
    greedy = {rule for rule, found in matches.items() if shared.intersection(found)}
    window = {rule: found[0] for rule, found in matches.items() if rule not in greedy}
    if not SQL_CAPS:
        return {}, greedy | set(window)
    return window, greedy


# The proposed points by rule (a withdrawn rule: 0; a rule the proposal leaves alone
# whose entries a cap cut today: NULL). Subqueries rather than common
# table expressions throughout, so that PostgreSQL scans the ledger in parallel.
_PROPOSAL = (
    "(SELECT * FROM unnest(%(rule_ids)s::bigint[], %(rule_points)s::integer[])"
    " AS p(rule_id, points))"
)

# Entries the window caps cut: (id, household_id, occurred_on, counts_from, delta),
# delta being what the cap takes off (effect - points). From the start of the cap's
# period (month or year) that holds the first day any month counts from, to the last
# month's end: a cap's room depends on the entries of its period before. (Grouping
# first to sort only the periods over their limit was tried: the extra pass and its
# join cost several times what the one sort does.)
_WINDOW_CUT = f"""(
    SELECT id, household_id, occurred_on, counts_from,
           (sign(lim) * (GREATEST(0, LEAST(size, abs(lim) - (run - size))) - size))::integer
           AS delta
    FROM (
        SELECT c.*, SUM(size) OVER (
                   PARTITION BY household_id, cap, period ORDER BY reviewed_at, id
                   ROWS UNBOUNDED PRECEDING
               ) AS run
        FROM (
            SELECT e.id, e.household_id, e.occurred_on, e.counts_from, e.reviewed_at,
                   m.cap, m.lim, abs(COALESCE(p.points, e.points)) AS size,
                   -- the day before the cap's month or year (a key; date_part is cheap)
                   e.occurred_on - date_part(CASE WHEN m.per_year THEN 'doy' ELSE 'day' END,
                                             e.occurred_on)::integer AS period
            FROM scoring_scoreevent e
            JOIN unnest(%(cap_rules)s::bigint[], %(cap_ids)s::integer[],
                        %(cap_limits)s::integer[], %(cap_years)s::boolean[])
                 AS m(rule_id, cap, lim, per_year) ON m.rule_id = e.rule_id
            LEFT JOIN {_PROPOSAL} p ON p.rule_id = e.rule_id
            WHERE e.status = 'approved' AND e.kind = 'normal'
              AND e.occurred_on <= %(cap_high)s
              -- the earliest of both starts, as a bound the index can use
              AND e.occurred_on >= %(cap_low_year)s::date
              AND e.occurred_on >= CASE WHEN m.per_year THEN %(cap_low_year)s::date
                                        ELSE %(cap_low_month)s::date END
        ) c
    ) r
    WHERE run > abs(lim)
)"""

# Approved normal entries of the rules ``caps.replay`` handles, in approval order.
_GREEDY_ENTRIES = """
SELECT e.id, e.household_id, e.rule_id, e.occurred_on, e.points, e.counts_from
FROM scoring_scoreevent e
WHERE e.status = 'approved' AND e.kind = 'normal' AND e.rule_id = ANY(%(rules)s)
  AND e.occurred_on BETWEEN %(cap_low_year)s AND %(cap_high)s
ORDER BY e.household_id, e.reviewed_at NULLS LAST, e.id
"""

# The entries that count in some month up to ``as_of``, as in ``scores_query``.
_COUNTED = """e.occurred_on <= %(as_of)s AND e.occurred_on >= %(low)s
      AND (e.counts_from IS NULL OR e.counts_from <= %(as_of)s)"""

# One scan of the ledger grouped by household: per month of the period, the sum of
# the entries that count in it (first <= month <= last), before and after; the
# entries the caps cut add what the caps take off. Then each household's months
# (unnest) and their tiers.
_REPLAY_SQL = """
WITH totals AS (
    SELECT household_id, SUM(cut) AS cut, {sum_columns} FROM (
        SELECT e.household_id, 0 AS cut, {month_sums}
        FROM scoring_scoreevent e
        LEFT JOIN {proposal} p ON p.rule_id = e.rule_id
        WHERE e.status IN ('approved', 'reversed', 'repaired') AND {counted}
        GROUP BY e.household_id
        {cut_part}
    ) parts
    GROUP BY household_id
), scores AS (
    SELECT h.id, h.village_id, h.code, h.head_name, {score_columns}
    FROM households_household h
    LEFT JOIN totals t ON t.household_id = h.id
    {village_filter}
)
SELECT 'n' AS kind, village_id, COUNT(*)::bigint AS n,
       ARRAY[{tier_counts}]::integer[] AS figures,
       NULL::integer[] AS after, NULL AS code, NULL AS name
FROM scores s GROUP BY village_id
UNION ALL
SELECT 'c', s.village_id, s.id, ARRAY[{before_array}], ARRAY[{after_array}], s.code, s.head_name
FROM scores s WHERE {tier_changes}
UNION ALL
SELECT 'k', NULL, COALESCE(SUM(t.cut), 0)::bigint, NULL, NULL, NULL, NULL
FROM totals t JOIN households_household h ON h.id = t.household_id AND h.kind = 'household'
"""

# What the caps take off the entries they cut (approved, normal, not withdrawn): the
# window caps' cuts and those ``caps.replay`` made; left out when nothing is capped.
_CUT_PART = """
        UNION ALL
        SELECT e.household_id, COUNT(*), {cut_sums}
        FROM (
            {window_rows}
            SELECT * FROM unnest(%(cut_households)s::bigint[], %(cut_occurred)s::date[],
                                 %(cut_counts_from)s::date[], %(cut_deltas)s::integer[])
                 AS c(household_id, occurred_on, counts_from, delta)
        ) e
        WHERE {counted}
        GROUP BY e.household_id"""


# What an entry counts before (its effect after caps, else its points), and what the
# proposal changes in it. After, an entry counts the proposed points (minus them for a
# compensating or repair entry; 0 for a withdrawn rule, whose proposed points are 0),
# else its recorded points, before the proposal's own caps. Only the entries joined to
# the proposal can change (``_PROPOSAL`` also holds, with no points, the rules whose
# entries a cap cut today: after, they count their points), so only they test a
# month's condition for the change: one null test for the rest of the ledger.
_BEFORE = "COALESCE(e.effect, e.points)"
_DIFF = (
    "CASE WHEN p.points IS NULL THEN e.points WHEN e.kind = 'normal' THEN p.points "
    "ELSE -p.points END - COALESCE(e.effect, e.points)"
)
_CHANGED = "p.rule_id IS NOT NULL"


def _counts_in(period: dt.date, window: str) -> str:
    """The condition of ``scores_query`` for an entry counting in month ``period``:
    dated by its end, past ``counts_from`` by then, within the score window."""
    as_of = month_end(period)
    start = scoring.window_start(window, as_of)
    lower = f" AND e.occurred_on >= DATE '{start}'" if start else ""
    return (
        f"e.occurred_on <= DATE '{as_of}'{lower}"
        f" AND (e.counts_from IS NULL OR e.counts_from <= DATE '{as_of}')"
    )


def _replay_sql(
    months: list[dt.date], window: str, village_filter: str, window_caps: bool, cuts: bool
) -> str:
    def sums(before: str, diff: str, changed: str) -> str:
        # Per month: what counts before, and what the proposal changes (an entry without
        # a change skips the month's condition: most of the ledger).
        return ", ".join(
            f"SUM({before}) FILTER (WHERE {_counts_in(month, window)}) AS b{i}, "
            f"SUM({diff}) FILTER (WHERE {changed} AND {_counts_in(month, window)})"
            f" AS d{i}"
            for i, month in enumerate(months)
        )

    names = [f"{name}{i}" for i in range(len(months)) for name in ("b", "d")]
    cut_part = ""
    if window_caps or cuts:
        window_rows = ""
        if window_caps:
            window_rows = (
                f"SELECT household_id, occurred_on, counts_from, delta FROM {_WINDOW_CUT} w"
                " UNION ALL"
            )
        cut_part = _CUT_PART.format(
            cut_sums=sums("0", "e.delta", "TRUE"), window_rows=window_rows, counted=_COUNTED
        )
    count = len(months)
    green, red = "%(g)s", "%(r)s"

    def is_red(column: str) -> str:  # as policy.tier: green first
        return f"({column} < {red} AND {column} <= {green})"

    return _REPLAY_SQL.format(
        proposal=_PROPOSAL,
        cut_part=cut_part,
        month_sums=sums(_BEFORE, _DIFF, _CHANGED),
        sum_columns=", ".join(f"SUM({name}) AS {name}" for name in names),
        counted=_COUNTED,
        village_filter=village_filter,
        # each household's score per month before (b0..) and after (a0..)
        score_columns=", ".join(
            f"(%(base)s + COALESCE(t.b{i}, 0))::integer AS b{i}, "
            f"(%(base)s + COALESCE(t.b{i}, 0) + COALESCE(t.d{i}, 0))::integer AS a{i}"
            for i in range(count)
        ),
        # per village and month: green and red before, green and red after (blue: the rest)
        tier_counts=", ".join(
            f"COUNT(*) FILTER (WHERE s.{x}{i} > {green}), "
            f"COUNT(*) FILTER (WHERE {is_red(f's.{x}{i}')})"
            for i in range(count)
            for x in ("b", "a")
        ),
        before_array=", ".join(f"s.b{i}" for i in range(count)),
        after_array=", ".join(f"s.a{i}" for i in range(count)),
        # a household whose tier the proposal changes in some month
        tier_changes=" OR ".join(
            f"(s.b{i} > {green}) <> (s.a{i} > {green}) "
            f"OR {is_red(f's.b{i}')} <> {is_red(f's.a{i}')}"
            for i in range(count)
        ),
    )


def _cap_params(proposal: Proposal, window: dict[int, int], low, as_of) -> dict:
    caps = proposal.caps
    with connection.cursor() as cursor:  # an index of the few cut entries answers it
        cursor.execute(
            "SELECT rule_id FROM scoring_scoreevent"
            " WHERE (effect < points OR effect > points) GROUP BY rule_id"
        )
        cut_today = dict.fromkeys((rule for (rule,) in cursor.fetchall()), None)
    proposed = {**cut_today, **proposal.points, **dict.fromkeys(proposal.withdrawn, 0)}
    return {
        "rule_ids": list(proposed),
        "rule_points": list(proposed.values()),
        "cap_rules": list(window),
        "cap_ids": list(window.values()),
        "cap_limits": [caps[i].limit for i in window.values()],
        "cap_years": [caps[i].period == YEAR for i in window.values()],
        # the first day counted (None: the lifetime window) opens a month and a year
        "cap_low_month": (low or dt.date(1900, 1, 1)).replace(day=1),
        "cap_low_year": dt.date((low or dt.date(1900, 1, 1)).year, 1, 1),
        "cap_high": as_of,
    }


def _run(cursor, proposal: Proposal, first, last, policy: ScoringPolicy, village_codes):
    as_of = month_end(last)
    low = _scan_start(policy.window, first)
    window, greedy = split_caps(proposal)
    params = _cap_params(proposal, window, low, as_of)
    cut = _greedy_cut(cursor, proposal, greedy, params)
    villages = {v.pk: v for v in Village.objects.order_by("code")}
    months = [
        dt.date(i // 12, i % 12 + 1, 1) for i in range(_month_index(first), _month_index(last) + 1)
    ]
    params.update(
        {
            "cut_households": [c[0] for c in cut.values()],
            "cut_occurred": [c[1] for c in cut.values()],
            "cut_counts_from": [c[2] for c in cut.values()],
            "cut_deltas": [c[3] for c in cut.values()],
            "as_of": as_of,
            "low": low or dt.date.min,
            "base": policy.base,
            "g": policy.green_above,
            "r": policy.red_below,
        }
    )
    # Households only: merchants and firms are scored under a covenant of their own.
    village_filter = "WHERE h.kind = 'household'"
    if village_codes is not None:
        village_filter += " AND h.village_id = ANY(%(villages)s)"
        params["villages"] = [pk for pk, v in villages.items() if v.code in village_codes]
    sql = _replay_sql(months, policy.window, village_filter, bool(window), bool(cut))
    cursor.execute(sql, params)
    rows: list[VillageMonth] = []
    changed: list[TierChange] = []
    entries_cut = 0
    for kind, village_id, n, figures, after, code, name in cursor.fetchall():
        if kind == "k":
            entries_cut = n
        elif kind == "n":
            village = villages[village_id]
            for i, month in enumerate(months):
                green, red, green_after, red_after = figures[4 * i : 4 * i + 4]
                rows.append(
                    VillageMonth(
                        month,
                        village.code,
                        village.name,
                        n,
                        Tiers(green, n - green - red, red),
                        Tiers(green_after, n - green_after - red_after, red_after),
                    )
                )
        else:  # a household changing tier in some month: "n" is its id, "figures" before
            village_code, masked = villages[village_id].code, mask_name(name)
            for month, score_before, score_after in zip(months, figures, after, strict=True):
                if score_before == score_after:
                    continue
                tier_before, tier_after = policy.tier(score_before), policy.tier(score_after)
                if tier_before != tier_after:
                    changed.append(
                        TierChange(
                            month,
                            village_code,
                            code,
                            masked,
                            score_before,
                            score_after,
                            tier_before,
                            tier_after,
                        )
                    )
    rows.sort(key=lambda r: (r.period, r.village_code))
    changed.sort()
    return rows, changed, entries_cut


def _greedy_cut(cursor, proposal: Proposal, greedy: set[int], params: dict) -> dict[int, tuple]:
    """The entries of rules under overlapping caps that ``caps.replay`` cuts:
    {id: (household id, occurred_on, counts_from, effect - points)}. Reads only those
    rules' entries in the caps' periods."""
    if not greedy:
        return {}
    cursor.execute(_GREEDY_ENTRIES, {**params, "rules": list(greedy)})
    rows = cursor.fetchall()
    entries = [
        Entry(
            household,
            proposal.codes[rule],
            proposal.categories[rule],
            occurred_on,
            proposal.raw_points(rule, points),
        )
        for _pk, household, rule, occurred_on, points, _counts_from in rows
    ]
    caps = proposal.caps
    outcomes = replay(entries, lambda _entry: caps)
    return {
        row[0]: (row[1], row[3], row[5], outcome.effect - outcome.points)
        for row, outcome in zip(rows, outcomes, strict=True)
        if outcome.cut
    }


def cut_entries(proposal: Proposal, low: dt.date | None, as_of: dt.date) -> dict[int, tuple]:
    """What the proposal's caps cut (for checks): {id: (household id, occurred_on,
    counts_from, effect - points)}, the window caps in SQL and the rest in Python."""
    window, greedy = split_caps(proposal)
    params = _cap_params(proposal, window, low, as_of)
    with connection.cursor() as cursor:
        cut = _greedy_cut(cursor, proposal, greedy, params)
        if window:
            cursor.execute(
                f"SELECT id, household_id, occurred_on, counts_from, delta FROM {_WINDOW_CUT} w",
                params,
            )
            cut.update((row[0], row[1:]) for row in cursor.fetchall())
    return cut


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
