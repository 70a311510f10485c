"""Reads of evaluation rounds and of finalised months."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from platform_core.evaluation.models import (
    EnterpriseSnapshot,
    EvaluationRound,
    HouseholdSnapshot,
    Posting,
    StandingCorrection,
    VillageSnapshot,
)
from platform_core.households.models import Household, Village
from platform_core.scoring import policy as scoring
from platform_core.scoring.policy import ScoringPolicy, month_end


@dataclass(frozen=True)
class MonthResult:
    period: str
    households: int
    green: int
    blue: int
    red: int
    finalized: bool
    villages_finalised_now: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def finalised_totals(period: dt.date, village_ids: list[int]) -> MonthResult:
    """Tier counts of the month from the village snapshots."""
    totals = {"households": 0, "green": 0, "blue": 0, "red": 0}
    for snapshot in VillageSnapshot.objects.filter(period=period, village_id__in=village_ids):
        for key in totals:
            totals[key] += getattr(snapshot, key)
    finalised = EvaluationRound.objects.filter(
        period=period, village_id__in=village_ids, status=EvaluationRound.Status.FINALISED
    ).count() == len(village_ids)
    return MonthResult(f"{period:%Y-%m}", finalized=finalised, **totals)


def enterprise_month(period: dt.date, village_ids: list[int] | None = None):
    """The merchants' and firms' finalised month: their snapshots, by code."""
    found = EnterpriseSnapshot.objects.filter(period=period.replace(day=1))
    if village_ids is not None:
        found = found.filter(village_id__in=village_ids)
    return found.select_related("household", "village").order_by("household__code")


def household_history(household: Household) -> QuerySet[HouseholdSnapshot]:
    """A household's finalised months, newest first."""
    return HouseholdSnapshot.objects.filter(household=household).order_by("-period")


def enterprise_history(subject: Household) -> QuerySet[EnterpriseSnapshot]:
    """A merchant's or firm's finalised months, newest first."""
    return EnterpriseSnapshot.objects.filter(household=subject).order_by("-period")


@dataclass(frozen=True)
class Standing:
    """A household's official standing: its latest finalised month, as corrected since."""

    period: dt.date
    score: int
    tier: str
    corrected: bool  # an upheld objection or a granted repair recomputed it


def official_standing(household: Household) -> Standing | None:
    """The latest finalised month's figures, or its latest standing correction (None:
    never finalised). What ``alliance.selectors.current_tier`` answers. A merchant's or
    firm's from its own snapshots (``EnterpriseSnapshot``)."""
    snapshots = HouseholdSnapshot if household.is_household else EnterpriseSnapshot
    latest = (
        snapshots.objects.filter(household=household)
        .order_by("-period")
        .values_list("period", "score", "tier")
        .first()
    )
    if latest is None:
        return None
    period, score, tier = latest
    correction = (
        StandingCorrection.objects.filter(household=household, period=period)
        .order_by("-made_at", "-id")
        .values_list("score", "tier")
        .first()
    )
    if correction is not None:
        return Standing(period, *correction, corrected=True)
    return Standing(period, score, tier, corrected=False)


def round_progress(round_: EvaluationRound) -> dict[str, int]:
    """Assigned households and how many have been rated (for the dashboard)."""
    return round_.assignments.aggregate(
        assigned=Count("household", distinct=True),
        rated=Count("household", distinct=True, filter=Q(rated_at__isnull=False)),
    )


# Tier and index in SQL; the same arithmetic as scoring.policy (tests compare them).
TIER_SQL = "CASE WHEN s.score > %(g)s THEN 'green' WHEN s.score < %(r)s THEN 'red' ELSE 'blue' END"
INDEX_SQL = (
    f"ROUND({scoring.STANDING_WEIGHT} * LEAST(100, GREATEST(0, 50 + "
    f"{scoring.POINTS_PER_STANDING_STEP} * (s.score - %(base)s)))"
    f" + {scoring.RECORD_WEIGHT} * 100.0 * GREATEST(0, {scoring.DEDUCTIONS_TO_ZERO_RECORD}"
    f" - s.deductions) / {scoring.DEDUCTIONS_TO_ZERO_RECORD}, 1)"
)

#: random_page_cost for the statements that read the ledger through its covering index
#: (finalise_month, the covenant what-if): the index is read in order from cache or
#: SSD, where PostgreSQL's default of 4 (spinning disks) makes it read the whole ledger.
LEDGER_PAGE_COST = "1.1"


def scores_query(
    period: dt.date,
    policy: ScoringPolicy,
    village_ids: list[int] | None = None,
    *,
    enterprises: bool = False,
) -> tuple[str, dict]:
    """SQL yielding (household_id, village_id, score, deductions) as of the month's end.

    The same arithmetic as ``scoring.selectors.score_card``: entries count with their
    effect after caps, from ``counts_from`` (the end of the response window) on.
    Households only; with ``enterprises``, merchants and firms only (their snapshots
    are ``EnterpriseSnapshot``): no household figure ever counts one of them.
    """
    as_of = month_end(period)
    start = policy.window_start(as_of)
    record_start = scoring.rolling_start(as_of)
    lower = min(start, record_start) if start else None
    params = {
        "as_of": as_of,
        "start": start or dt.date.min,
        "record_start": record_start,
        "base": policy.base,
    }
    lower_sql = ""
    if lower is not None:
        lower_sql = "AND e.occurred_on >= %(lower)s"
        params["lower"] = lower
    kind_sql = "h.kind <> 'household'" if enterprises else "h.kind = 'household'"
    snapshots = "evaluation_enterprisesnapshot" if enterprises else "evaluation_householdsnapshot"
    village_sql = f"WHERE {kind_sql}"
    if village_ids is not None:
        # A household that moved village after its old village finalised the month
        # keeps that snapshot; it is not evaluated twice.
        village_sql = f"""
            WHERE {kind_sql} AND h.village_id = ANY(%(villages)s) AND NOT EXISTS (
                SELECT 1 FROM {snapshots} done
                WHERE done.household_id = h.id AND done.period = %(period)s
            )"""
        params["villages"] = village_ids
        params["period"] = period
    sums = f"""
            SUM(COALESCE(e.effect, e.points))
                FILTER (WHERE e.occurred_on >= %(start)s) AS points,
            COUNT(*) FILTER (
                WHERE COALESCE(e.effect, e.points) < 0 AND e.status = 'approved'
                  AND e.kind = 'normal' AND e.occurred_on >= %(record_start)s
            ) AS deductions
            FROM scoring_scoreevent e
            WHERE e.status IN ('approved', 'reversed', 'repaired') AND e.occurred_on <= %(as_of)s
              AND (e.counts_from IS NULL OR e.counts_from <= %(as_of)s) {lower_sql}"""
    if enterprises:
        # A few subjects among the households' entries: each one's sums through the
        # ledger's (household, date) index, rather than the whole ledger grouped again.
        ledger = f"LEFT JOIN LATERAL (SELECT {sums} AND e.household_id = h.id) t ON true"
    else:
        ledger = f"""LEFT JOIN (
            SELECT e.household_id, {sums}
            GROUP BY e.household_id
        ) t ON t.household_id = h.id"""
    sql = f"""
        SELECT h.id AS household_id, h.village_id,
               %(base)s + COALESCE(t.points, 0) AS score,
               COALESCE(t.deductions, 0) AS deductions
        FROM households_household h
        {ledger}
        {village_sql}
    """
    return sql, params


def month_result(period: dt.date, policy: ScoringPolicy | None = None) -> MonthResult:
    """The month's tier counts: finalised villages from their snapshots, others from the ledger.

    The same figures ``export_scores`` writes, village by village.
    """
    period = period.replace(day=1)
    final = list(
        EvaluationRound.objects.filter(
            period=period, status=EvaluationRound.Status.FINALISED
        ).values_list("village_id", flat=True)
    )
    others = list(Village.objects.exclude(pk__in=final).values_list("pk", flat=True))
    done = finalised_totals(period, final)
    live = preview_month(period, policy, others) if others else None
    if live is None:
        return done
    return MonthResult(
        done.period,
        households=done.households + live.households,
        green=done.green + live.green,
        blue=done.blue + live.blue,
        red=done.red + live.red,
        finalized=False,
    )


def preview_month(
    period: dt.date, policy: ScoringPolicy | None = None, village_ids: list[int] | None = None
) -> MonthResult:
    """Tier counts for the month as the ledger stands, without writing anything."""
    policy = policy or ScoringPolicy.of(connection.tenant)
    period = period.replace(day=1)
    scores_sql, params = scores_query(period, policy, village_ids)
    params.update(g=policy.green_above, r=policy.red_below)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH scores AS ({scores_sql}), tiers AS (SELECT {TIER_SQL} AS tier FROM scores s)
            SELECT COUNT(*), COUNT(*) FILTER (WHERE tier = 'green'),
                   COUNT(*) FILTER (WHERE tier = 'blue'), COUNT(*) FILTER (WHERE tier = 'red')
            FROM tiers
            """,
            params,
        )
        households, green, blue, red = cursor.fetchone()
    return MonthResult(f"{period:%Y-%m}", households, green, blue, red, finalized=False)


def month_scores(period: dt.date, policy: ScoringPolicy | None = None):
    """(code, score, tier) of every household at the month's end, ordered by code.

    Finalised villages answer from their snapshots; the others from the ledger.
    """
    policy = policy or ScoringPolicy.of(connection.tenant)
    period = period.replace(day=1)
    scores_sql, params = scores_query(period, policy)
    params.update(period=period, g=policy.green_above, r=policy.red_below)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH scores AS ({scores_sql})
            SELECT h.code,
                   COALESCE(snap.score, s.score),
                   COALESCE(snap.tier, {TIER_SQL})
            FROM scores s
            JOIN households_household h ON h.id = s.household_id
            LEFT JOIN evaluation_evaluationround er
                   ON er.village_id = s.village_id AND er.period = %(period)s
                  AND er.status = 'finalised'
            LEFT JOIN evaluation_householdsnapshot snap
                   ON er.id IS NOT NULL AND snap.household_id = s.household_id
                  AND snap.period = %(period)s
            ORDER BY h.code
            """,
            params,
        )
        while batch := cursor.fetchmany(5000):
            yield from batch


# --- public posting (公示) ----------------------------------------------------


@dataclass(frozen=True)
class PostedLine:
    """One household as the public posting shows it: masked name, score, tier."""

    name: str
    score: int
    tier: str


@dataclass(frozen=True)
class PostedMonth:
    """A village's current posting as the public sees it.

    ``lines``: masked names, scores and tiers as posted (households to improve only
    where the posting names them; ``unnamed_red`` counts the others).
    """

    posting: Posting
    lines: list[PostedLine]
    unnamed_red: int
    running: bool
    # Merchants and firms, a section of their own: registered names (public), the
    # same rule for those to improve (``unnamed_red_businesses`` counts those not named).
    businesses: list[PostedLine] = field(default_factory=list)
    unnamed_red_businesses: int = 0


def current_postings() -> QuerySet[Posting]:
    """Every village's current posting (superseded ones left out), newest month first."""
    return (
        Posting.objects.filter(superseded_at__isnull=True)
        .select_related("village")
        .order_by("-period", "village__code")
    )


def postings_by_village(period: dt.date, village_ids=None) -> dict[int, Posting]:
    """The current posting of each village for the month (village id -> posting)."""
    found = Posting.objects.filter(
        period=period.replace(day=1), superseded_at__isnull=True
    ).select_related("village")
    if village_ids is not None:
        found = found.filter(village_id__in=village_ids)
    return {p.village_id: p for p in found}


def posted_month(village_code: str, period: dt.date) -> PostedMonth | None:
    """The village's current posting of the month for the public; None when there is none."""
    posting = (
        current_postings().filter(village__code=village_code, period=period.replace(day=1)).first()
    )
    if posting is None:
        return None
    lines, unnamed = [], 0
    for _household_id, name, score, tier in posting.rows:
        if tier == scoring.RED and not posting.includes_red:
            unnamed += 1
            continue
        lines.append(PostedLine(name, score, tier))
    businesses, unnamed_businesses = [], 0
    for _subject_id, name, score, tier in posting.enterprise_rows or []:
        if tier == scoring.RED and not posting.includes_red:
            unnamed_businesses += 1
            continue
        businesses.append(PostedLine(name, score, tier))
    return PostedMonth(
        posting,
        lines,
        unnamed,
        posting.ends_on >= timezone.localdate(),
        businesses,
        unnamed_businesses,
    )
