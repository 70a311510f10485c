"""Reads of the covenant, a household's score, its explanation and its wallet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from platform_core.households.models import Household
from platform_core.scoring.models import (
    COUNTED_STATUSES,
    EntryStatus,
    Objection,
    Rule,
    ScoreEvent,
    Wallet,
)
from platform_core.scoring.policy import ScoringPolicy, expires_on, integrity_index, rolling_start
from platform_core.scoring.workdays import add_working_days


@dataclass(frozen=True)
class RuleLine:
    rule_code: str
    title_zh: str
    title_en: str
    points: int
    entries: int
    # The rule's legal basis (docs/scoring.md, Legal basis): shown with every deduction.
    basis: str = ""


@dataclass(frozen=True)
class ScoreCard:
    """A household's standing on a day, with the reasons for it."""

    household_code: str
    as_of: dt.date
    window_start: dt.date | None
    base: int
    score: int
    tier: str
    deductions: int
    index: Decimal
    lines: list[RuleLine] = field(default_factory=list)


def rules() -> QuerySet[Rule]:
    return Rule.objects.order_by("category", "code")


#: The points an entry contributes: its effect after caps, else its points.
EFFECT = Coalesce("effect", "points")


def counting_on(as_of: dt.date) -> Q:
    """Entries that count on ``as_of``: approved (or paired), dated by then, and past
    their response window (``counts_from``) by then."""
    return Q(status__in=COUNTED_STATUSES, occurred_on__lte=as_of) & (
        Q(counts_from__isnull=True) | Q(counts_from__lte=as_of)
    )


def counted_entries(
    household: Household,
    as_of: dt.date,
    policy: ScoringPolicy,
    repaired_by: dt.date | None = None,
) -> QuerySet:
    """The entries that make up the score on ``as_of``.

    ``repaired_by``: credit repairs granted by that day count on ``as_of`` too (a
    repair counts from its decision day on; a standing recomputed after the
    decision for an earlier month's end applies it, docs/scoring.md "Credit repair").
    """
    counting = counting_on(as_of)
    if repaired_by is not None:
        counting |= Q(
            kind=ScoreEvent.Kind.REPAIR,
            status=EntryStatus.APPROVED,
            occurred_on__lte=as_of,
            counts_from__lte=repaired_by,
        )
    entries = ScoreEvent.objects.filter(counting, household=household)
    start = policy.window_start(as_of)
    return entries.filter(occurred_on__gte=start) if start else entries


def score_card(
    household: Household,
    as_of: dt.date | None = None,
    policy: ScoringPolicy | None = None,
    *,
    repaired_by: dt.date | None = None,
) -> ScoreCard:
    """Score, tier, index and points per rule: why the household has its tier
    (``repaired_by``: see ``counted_entries``)."""
    policy = policy or ScoringPolicy.of(connection.tenant)
    as_of = as_of or timezone.localdate()
    per_rule = (
        counted_entries(household, as_of, policy, repaired_by)
        .values("rule__code", "rule__title_zh", "rule__title_en", "rule__basis")
        .annotate(points=Sum(EFFECT), entries=Count("id"))
        .order_by("rule__code")
    )
    lines = [
        RuleLine(
            r["rule__code"],
            r["rule__title_zh"],
            r["rule__title_en"],
            r["points"],
            r["entries"],
            r["rule__basis"],
        )
        for r in per_rule
        if r["points"]
    ]
    score = policy.base + sum(line.points for line in lines)
    deductions = recent_deductions(household, as_of)
    return ScoreCard(
        household_code=household.code,
        as_of=as_of,
        window_start=policy.window_start(as_of),
        base=policy.base,
        score=score,
        tier=policy.tier(score),
        deductions=deductions,
        index=integrity_index(score, policy.base, deductions),
        lines=lines,
    )


def recent_deductions(household: Household, as_of: dt.date) -> int:
    """Approved deductions in the 12 months ending on ``as_of``.

    Reversed and repaired deductions don't count, nor do deductions a cap cut to
    nothing, nor compensating entries (a correction of a
    wrongly approved bonus is not misconduct).
    """
    return (
        ScoreEvent.objects.filter(
            counting_on(as_of),
            household=household,
            status=EntryStatus.APPROVED,
            kind=ScoreEvent.Kind.NORMAL,
            occurred_on__gte=rolling_start(as_of),
        )
        .annotate(counted=EFFECT)
        .filter(counted__lt=0)
        .count()
    )


def ledger(household: Household) -> QuerySet[ScoreEvent]:
    """Every entry of a household, newest first, with its rule."""
    return household.score_events.select_related("rule").order_by("-occurred_on", "-id")


def entry_expiry(entry: ScoreEvent, policy: ScoringPolicy) -> dt.date | None:
    """The day an entry stops counting (credit repair: deductions expire with the window)."""
    return expires_on(policy.window, entry.occurred_on)


def pending_entries(period_start: dt.date, period_end: dt.date, village_ids=None) -> QuerySet:
    entries = ScoreEvent.objects.filter(
        status=EntryStatus.PROPOSED, occurred_on__range=(period_start, period_end)
    )
    if village_ids is not None:
        entries = entries.filter(household__village_id__in=village_ids)
    return entries


# --- objections on a deadline (docs/scoring.md, "Objections on a deadline") ----------


def answer_due(filed_on: dt.date, policy: ScoringPolicy) -> dt.date:
    """The last day for the council's answer to an objection filed on ``filed_on``:
    ``objection_answer_days`` working days later by the Chinese holiday calendar."""
    return add_working_days(filed_on, policy.objection_answer_days)


def objection_answer_due(objection: Objection, policy: ScoringPolicy | None = None) -> dt.date:
    """An objection's answer deadline: as recorded when filed (objections filed before
    deadlines were recorded: counted from their filing day under today's policy)."""
    if objection.answer_due is not None:
        return objection.answer_due
    policy = policy or ScoringPolicy.of(connection.tenant)
    return answer_due(timezone.localdate(objection.filed_at), policy)


def is_overdue(objection: Objection, today: dt.date | None = None) -> bool:
    """Pending after its answer deadline (the deadline day itself is still in time)."""
    today = today or timezone.localdate()
    return objection.status == Objection.Status.PENDING and objection_answer_due(objection) < today


def overdue_objections(today: dt.date | None = None) -> QuerySet[Objection]:
    """Pending objections whose answer deadline has passed, oldest deadline first."""
    today = today or timezone.localdate()
    return Objection.objects.filter(status=Objection.Status.PENDING, answer_due__lt=today).order_by(
        "answer_due", "pk"
    )


def to_escalate(today: dt.date | None = None) -> QuerySet[Objection]:
    """Overdue objections not yet escalated to the township administrator."""
    return overdue_objections(today).filter(escalated_at__isnull=True)


def escalated_objections() -> QuerySet[Objection]:
    """Pending objections escalated to the township administrator (still unanswered)."""
    return Objection.objects.filter(
        status=Objection.Status.PENDING, escalated_at__isnull=False
    ).order_by("answer_due", "pk")


def earned_points(household_id: int) -> int:
    """Lifetime positive points that credit the wallet (reversed ones excluded)."""
    total = ScoreEvent.objects.filter(
        household_id=household_id,
        status=EntryStatus.APPROVED,
        kind=ScoreEvent.Kind.NORMAL,
        points__gt=0,
    ).aggregate(total=Sum(EFFECT))["total"]
    return total or 0


def wallet_balance(household: Household) -> int:
    """Points the household may still spend: approved points earned, less those spent."""
    spent = Wallet.objects.filter(household=household).values_list("spent", flat=True).first()
    return earned_points(household.pk) - (spent or 0)


def entries_by_status() -> dict[str, int]:
    counts = ScoreEvent.objects.aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in EntryStatus.values}
    )
    return counts
