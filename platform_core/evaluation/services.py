"""The monthly joint evaluation: rounds, assignments, ratings, finalisation.

Finalisation computes every household's score in one SQL statement over the
ledger (the ledger never travels to Python) and writes the month's snapshots in
the same transaction, so a crash leaves either the whole month or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import ADMIN_ROLES, holds_membership
from platform_core.actors import Actor
from platform_core.errors import NotAllowed, PlatformError
from platform_core.evaluation.models import (
    Assignment,
    EvaluationRound,
    TierChange,
)
from platform_core.evaluation.selectors import (
    INDEX_SQL,
    TIER_SQL,
    MonthResult,
    finalised_totals,
    scores_query,
)
from platform_core.evaluation.signals import month_finalised, tier_changed
from platform_core.households.models import Grid, Household, Village
from platform_core.plugins.services import collect_plugin_events
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.scoring.policy import ScoringPolicy, month_end
from platform_core.scoring.selectors import pending_entries
from platform_core.scoring.services import record_entry, require_role


class EvaluationError(PlatformError):
    pass


# --- rounds and assignments -------------------------------------------------


def open_round(village: Village, period: dt.date, *, by: Actor) -> EvaluationRound:
    """The village's round for the month, opened with last month's assignments if new.

    ``by``: administrative staff of the village (an operator, with no user, is not checked).
    """
    _require_organiser(by, village)
    period = period.replace(day=1)
    with transaction.atomic():
        round_, created = EvaluationRound.objects.get_or_create(village=village, period=period)
        if created:
            previous = (
                EvaluationRound.objects.filter(village=village, period__lt=period)
                .order_by("-period")
                .first()
            )
            if previous is not None:
                Assignment.objects.bulk_create(
                    Assignment(
                        round=round_,
                        household_id=a.household_id,
                        evaluator_id=a.evaluator_id,
                        role=a.role,
                        grid_id=a.grid_id,
                    )
                    for a in previous.assignments.all()
                )
        return round_


def assign_linked_households(
    round_: EvaluationRound,
    party_member,
    households: Iterable[Household],
    *,
    by: Actor,
) -> int:
    """A party member rates the households linked to them (党员联户评户); ``by`` as for
    ``open_round``."""
    _require_organiser(by, round_.village)
    _require_open(round_)
    require_evaluator(party_member, Role.PARTY_MEMBER, round_.village)
    rows = []
    for household in households:
        if household.village_id != round_.village_id:
            raise EvaluationError(
                _("household %(household)s is not in %(village)s")
                % {"household": household.code, "village": round_.village}
            )
        rows.append(
            Assignment(
                round=round_,
                household=household,
                evaluator=party_member,
                role=Assignment.Role.PARTY_MEMBER,
            )
        )
    return _replace_assignments(round_, rows, Assignment.Role.PARTY_MEMBER)


def assign_area(round_: EvaluationRound, group_leader, grid: Grid, *, by: Actor) -> int:
    """A group leader rates every household of an area (承包组长联片评户); ``by`` as for
    ``open_round``."""
    _require_organiser(by, round_.village)
    _require_open(round_)
    require_evaluator(group_leader, Role.GROUP_LEADER, round_.village)
    if grid.village_id != round_.village_id:
        raise EvaluationError(
            _("grid %(grid)s is not in %(village)s") % {"grid": grid, "village": round_.village}
        )
    rows = [
        Assignment(
            round=round_,
            household=household,
            evaluator=group_leader,
            role=Assignment.Role.GROUP_LEADER,
            grid=grid,
        )
        for household in grid.households.all()
    ]
    return _replace_assignments(round_, rows, Assignment.Role.GROUP_LEADER)


def _require_organiser(by: Actor, village: Village) -> None:
    """Rounds and their assignments are organised by the village's administrative staff."""
    require_role(by, ADMIN_ROLES, village_code=village.code, what=_("organise evaluations"))


def require_evaluator(user, role: str, village: Village, email: str = "") -> None:
    """Only a person holding the evaluator ``role`` for ``village`` here is assigned.

    The refusal reads the same for an unknown e-mail and for a person without the
    role, so the form cannot be used to find out who has an account.
    """
    if user is None or not holds_membership(user, connection.tenant, [role], village.code):
        who = email or getattr(user, "email", "") or getattr(user, "username", "")
        message = (
            _("%(who)s is not a party-member evaluator of %(village)s")
            if role == Role.PARTY_MEMBER
            else _("%(who)s is not a group-leader evaluator of %(village)s")
        )
        raise EvaluationError(message % {"who": who, "village": village}, field="evaluator")


def _replace_assignments(round_: EvaluationRound, rows: list[Assignment], role: str) -> int:
    with transaction.atomic():
        Assignment.objects.filter(
            round=round_, role=role, household_id__in=[a.household_id for a in rows]
        ).delete()
        Assignment.objects.bulk_create(rows)
    return len(rows)


def rate_household(
    round_: EvaluationRound,
    *,
    evaluator: Actor,
    household: Household,
    rule: Rule | None,
    evidence: str = "",
    points: int | None = None,
    note: str = "",
    occurred_on: dt.date | None = None,
) -> ScoreEvent | None:
    """An assigned evaluator's rating: a proposed entry, or ``rule=None`` for "nothing to note"."""
    _require_open(round_)
    assignments = Assignment.objects.filter(
        round=round_, household=household, evaluator_id=evaluator.user_id
    )
    if not assignments.exists():
        raise NotAllowed(
            _("%(who)s is not assigned to rate household %(household)s")
            % {"who": evaluator.label, "household": household.code}
        )
    entry = None
    if rule is not None:
        last_day = month_end(round_.period)
        occurred_on = occurred_on or min(last_day, timezone.localdate())
        if not round_.period <= occurred_on <= last_day:
            raise EvaluationError(
                _("date %(date)s is outside %(month)s")
                % {"date": occurred_on, "month": f"{round_.period:%Y-%m}"}
            )
        entry = record_entry(
            household=household,
            rule=rule,
            occurred_on=occurred_on,
            recorder=evaluator,
            source="evaluation",
            evidence=evidence,
            points=points,
            note=note,
            evaluation_round=round_,
            review=True,
        )
    assignments.update(rated_at=timezone.now())
    return entry


def _require_open(round_: EvaluationRound) -> None:
    if round_.status == EvaluationRound.Status.FINALISED:
        raise EvaluationError(
            _("%(round)s is finalised; it takes no more changes") % {"round": round_}
        )


# --- finalisation -----------------------------------------------------------


def finalise_month(
    period: dt.date,
    *,
    by: Actor,
    villages: Iterable[Village] | None = None,
    policy: ScoringPolicy | None = None,
) -> MonthResult:
    """Finalise the month for the given villages (default: all). Idempotent.

    Entries the township's plugins produce for the month are recorded first (the
    ``township_score_events`` hook). Villages already finalised for the month keep
    their snapshots untouched, so finalising twice gives identical snapshots.
    Refused while entries of the month await review, before the month is over, or
    when a later month is already final.
    """
    policy = policy or ScoringPolicy.of(connection.tenant)
    period = period.replace(day=1)
    last_day = month_end(period)
    require_role(by, ADMIN_ROLES, village_code=None, what=_("finalise evaluation months"))
    if last_day >= timezone.localdate():
        first_day = last_day + dt.timedelta(days=1)
        raise EvaluationError(
            _("%(month)s is not over yet; finalise it from %(date)s")
            % {"month": f"{period:%Y-%m}", "date": first_day}
        )
    # Committed on their own: entries that need review must survive a refusal below.
    collect_plugin_events(period, last_day, connection.tenant)
    with transaction.atomic():
        selected = list(villages) if villages is not None else list(Village.objects.all())
        # Villages nobody opened a round for get one now (no assignments to carry over).
        EvaluationRound.objects.bulk_create(
            [EvaluationRound(village=v, period=period) for v in selected], ignore_conflicts=True
        )
        locked = EvaluationRound.objects.select_for_update().filter(
            period=period, village__in=selected
        )
        to_finalise = [r for r in locked if r.status != EvaluationRound.Status.FINALISED]
        village_ids = [r.village_id for r in to_finalise]
        if village_ids:
            # No entry may be proposed, reviewed or added while the month is checked
            # and written: SHARE mode waits for writers and holds new ones back.
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE scoring_scoreevent IN SHARE MODE")
            _check_can_finalise(period, last_day, village_ids)
            _write_snapshots(period, policy, village_ids)
            EvaluationRound.objects.filter(pk__in=[r.pk for r in to_finalise]).update(
                status=EvaluationRound.Status.FINALISED,
                finalised_at=timezone.now(),
                finalised_by_label=by.label,
            )
            transaction.on_commit(lambda: _announce(period, village_ids))
        result = finalised_totals(period, [v.pk for v in selected])
    return MonthResult(**{**result.as_dict(), "villages_finalised_now": len(village_ids)})


def _check_can_finalise(period: dt.date, last_day: dt.date, village_ids: list[int]) -> None:
    waiting = pending_entries(period, last_day, village_ids).count()
    if waiting:
        raise EvaluationError(
            _(
                "%(count)s entries of %(month)s still await review; "
                "approve or reject them before finalising"
            )
            % {"count": waiting, "month": f"{period:%Y-%m}"}
        )
    later = (
        EvaluationRound.objects.filter(
            village_id__in=village_ids, period__gt=period, status=EvaluationRound.Status.FINALISED
        )
        .select_related("village")
        .first()
    )
    if later is not None:
        raise EvaluationError(
            _("%(village)s already finalised %(month)s; months are finalised in order")
            % {"village": later.village, "month": f"{later.period:%Y-%m}"}
        )


def _write_snapshots(period: dt.date, policy: ScoringPolicy, village_ids: list[int]) -> None:
    scores_sql, params = scores_query(period, policy, village_ids)
    params.update(period=period, base=policy.base, g=policy.green_above, r=policy.red_below)
    with connection.cursor() as cursor:
        # The aggregate runs as CREATE TABLE AS, which PostgreSQL may parallelise
        # (an INSERT ... SELECT never is); the ledger is read once, in the database.
        cursor.execute("DROP TABLE IF EXISTS evaluation_month_scores")
        cursor.execute(
            f"CREATE TEMPORARY TABLE evaluation_month_scores ON COMMIT DROP AS {scores_sql}",
            params,
        )
        # One statement writes the snapshots and the tier changes, both compared
        # with each household's previous finalised month.
        cursor.execute(
            f"""
            WITH month AS (
                SELECT s.household_id, s.village_id, s.score, s.deductions,
                       {TIER_SQL} AS tier, {INDEX_SQL} AS index,
                       prev.score AS previous_score, prev.tier AS previous_tier
                FROM evaluation_month_scores s
                LEFT JOIN LATERAL (
                    SELECT p.score, p.tier FROM evaluation_householdsnapshot p
                    WHERE p.household_id = s.household_id AND p.period < %(period)s
                    ORDER BY p.period DESC LIMIT 1
                ) prev ON true
            ), snapshots AS (
                INSERT INTO evaluation_householdsnapshot
                    (period, household_id, village_id, score, tier, change, deductions, index)
                SELECT %(period)s, household_id, village_id, score, tier,
                       score - previous_score, deductions, index
                FROM month
            )
            INSERT INTO evaluation_tierchange (period, household_id, old_tier, new_tier)
            SELECT %(period)s, household_id, COALESCE(previous_tier, ''), tier
            FROM month WHERE previous_tier IS DISTINCT FROM tier
            """,
            params,
        )
        cursor.execute("DROP TABLE evaluation_month_scores")
        cursor.execute(
            """
            INSERT INTO evaluation_villagesnapshot
                (period, village_id, households, green, blue, red, average_score, index)
            SELECT %(period)s, v.id, COUNT(s.id),
                   COUNT(s.id) FILTER (WHERE s.tier = 'green'),
                   COUNT(s.id) FILTER (WHERE s.tier = 'blue'),
                   COUNT(s.id) FILTER (WHERE s.tier = 'red'),
                   COALESCE(ROUND(AVG(s.score), 2), 0), COALESCE(ROUND(AVG(s.index), 1), 0)
            FROM households_village v
            LEFT JOIN evaluation_householdsnapshot s
                   ON s.village_id = v.id AND s.period = %(period)s
            WHERE v.id = ANY(%(villages)s)
            GROUP BY v.id
            """,
            {"period": period, "villages": village_ids},
        )


def _announce(period: dt.date, village_ids: list[int]) -> None:
    if tier_changed.has_listeners():
        changes = TierChange.objects.filter(
            period=period, household__village_id__in=village_ids
        ).select_related("household")
        for change in changes.iterator(chunk_size=2000):
            tier_changed.send(sender=TierChange, change=change)
    month_finalised.send(sender=EvaluationRound, period=period, village_ids=village_ids)
