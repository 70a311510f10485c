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
    EnterpriseSnapshot,
    EvaluationRound,
    HouseholdSnapshot,
    Posting,
    PostingOverride,
    TierChange,
)
from platform_core.evaluation.selectors import (
    INDEX_SQL,
    LEDGER_PAGE_COST,
    TIER_SQL,
    MonthResult,
    finalised_totals,
    scores_query,
)
from platform_core.evaluation.signals import month_finalised, tier_changed
from platform_core.households.models import Grid, Household, Village
from platform_core.households.selectors import mask_name
from platform_core.plugins.services import collect_plugin_events
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.scoring.policy import ScoringPolicy, month_end
from platform_core.scoring.selectors import pending_entries
from platform_core.scoring.services import record_entry, require_role
from platform_core.scoring.workdays import add_working_days


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
    override_posting: str | None = None,
) -> MonthResult:
    """Finalise the month for the given villages (default: all). Idempotent.

    Entries the township's plugins produce for the month are recorded first (the
    ``township_score_events`` hook). Villages already finalised for the month keep
    their snapshots untouched, so finalising twice gives identical snapshots.
    Refused while entries of the month await review, before the month is over, or
    when a later month is already final; and, when the township's policy posts
    results (``posting_days`` > 0), for a village whose month was never posted, whose
    posting period has not ended, or whose figures changed since they were posted
    (``post_month``). ``override_posting``, a reason, lets a township administrator
    finalise anyway; the override is recorded per village (``PostingOverride``).
    """
    policy = policy or ScoringPolicy.of(connection.tenant)
    period = period.replace(day=1)
    last_day = month_end(period)
    require_role(by, ADMIN_ROLES, village_code=None, what=_("finalise evaluation months"))
    if override_posting is not None:
        override_posting = _override_reason(override_posting, by)
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
            unposted = _posting_refusals(period, village_ids, policy)
            _write_snapshots(period, policy, village_ids)
            refusals = {**_changed_since_posting(period, village_ids, policy), **unposted}
            _refuse_or_override(period, refusals, override_posting, by)
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
        # The ledger is read through its covering index alone (scoreevent_household_
        # covering: an index-only scan, a third of the rows' size, in household order);
        # PostgreSQL's default random_page_cost prices that for spinning disks and
        # reads the whole ledger instead. The writes below are estimated (a temporary
        # table without statistics, one index probe per household) far above the JIT
        # threshold: compiling them took longer than running them (0.4 s at 10,800
        # households). Both for this transaction's statements only; the caller's
        # settings come back afterwards.
        cursor.execute(
            "SELECT old_jit, old_cost, set_config('jit', 'off', true),"
            " set_config('random_page_cost', %s, true)"
            " FROM (SELECT current_setting('jit') AS old_jit,"
            " current_setting('random_page_cost') AS old_cost OFFSET 0) o",
            [LEDGER_PAGE_COST],
        )
        jit, page_cost = cursor.fetchone()[:2]
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
                       CASE WHEN c.period >= p.period OR p.period IS NULL THEN c.score
                            ELSE p.score END AS previous_score,
                       CASE WHEN c.period >= p.period OR p.period IS NULL THEN c.tier
                            ELSE p.tier END AS previous_tier
                FROM evaluation_month_scores s
                -- The previous finalised month, as corrected since (an upheld
                -- objection, a granted repair: evaluation.standing); a correction
                -- of that month, the latest one, wins over its snapshot. One index
                -- probe per household into the snapshots, however many months it
                -- has behind it; the corrections (few) are read once and hashed.
                LEFT JOIN LATERAL (
                    SELECT p.period, p.score, p.tier FROM evaluation_householdsnapshot p
                    WHERE p.household_id = s.household_id AND p.period < %(period)s
                    ORDER BY p.period DESC LIMIT 1
                ) p ON true
                LEFT JOIN (
                    SELECT DISTINCT ON (c.household_id) c.household_id, c.period, c.score,
                           c.tier
                    FROM evaluation_standingcorrection c WHERE c.period < %(period)s
                    ORDER BY c.household_id, c.period DESC, c.id DESC
                ) c ON c.household_id = s.household_id
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
        _write_enterprise_snapshots(cursor, period, policy, village_ids)
        cursor.execute(
            "SELECT set_config('jit', %s, true), set_config('random_page_cost', %s, true)",
            [jit, page_cost],
        )


def _write_enterprise_snapshots(
    cursor, period: dt.date, policy: ScoringPolicy, village_ids: list[int]
) -> None:
    """The month's score and tier of the villages' merchants and firms: the same
    arithmetic, thresholds and window as households', into ``EnterpriseSnapshot``
    (never the household snapshots, so no household figure moves; docs/subjects.md)."""
    scores_sql, params = scores_query(period, policy, village_ids, enterprises=True)
    params.update(period=period, g=policy.green_above, r=policy.red_below)
    cursor.execute(
        f"""
        INSERT INTO evaluation_enterprisesnapshot
            (period, household_id, village_id, score, tier, change, deductions)
        SELECT %(period)s, s.household_id, s.village_id, s.score, {TIER_SQL},
               s.score - p.score, s.deductions
        FROM ({scores_sql}) s
        LEFT JOIN LATERAL (
            SELECT p.score FROM evaluation_enterprisesnapshot p
            WHERE p.household_id = s.household_id AND p.period < %(period)s
            ORDER BY p.period DESC LIMIT 1
        ) p ON true
        """,
        params,
    )


def _announce(period: dt.date, village_ids: list[int]) -> None:
    if tier_changed.has_listeners():
        changes = TierChange.objects.filter(
            period=period, household__village_id__in=village_ids
        ).select_related("household")
        for change in changes.iterator(chunk_size=2000):
            tier_changed.send(sender=TierChange, change=change)
    month_finalised.send(sender=EvaluationRound, period=period, village_ids=village_ids)


# --- public posting (公示) before finalising --------------------------------


def post_month(
    village: Village,
    period: dt.date,
    *,
    by: Actor,
    posted_on: dt.date | None = None,
    policy: ScoringPolicy | None = None,
) -> Posting:
    """Post the village's month results in public (公示) before the month is finalised.

    Records a ``Posting``: a frozen copy of every household's score and tier with its
    masked name (and, apart, every merchant's and firm's with its registered name, which
    their month's finalisation is compared with as households' are), and the posting
    period, which ends ``policy.posting_days`` working days (Chinese holiday calendar)
    after ``posted_on``. Refused before the month is over, while entries of the
    village's month await review, and once the month is finalised. Posting again
    (after entries changed) starts a new period; the earlier posting is kept, marked
    superseded. ``posted_on`` (default: today) records a posting that took place on an
    earlier day (migrations, the demo): the posting is marked as recorded afterwards.
    ``by``: administrative staff of the village.
    """
    return _post_month(village, period, by=by, posted_on=posted_on, policy=policy, collect=True)


def _post_month(
    village: Village,
    period: dt.date,
    *,
    by: Actor,
    posted_on: dt.date | None,
    policy: ScoringPolicy | None,
    collect: bool,
) -> Posting:
    policy = policy or ScoringPolicy.of(connection.tenant)
    period = period.replace(day=1)
    last_day = month_end(period)
    require_role(by, ADMIN_ROLES, village_code=village.code, what=_("post month results"))
    today = timezone.localdate()
    month = f"{period:%Y-%m}"
    if last_day >= today:
        raise EvaluationError(
            _("%(month)s is not over yet; post its results from %(date)s")
            % {"month": month, "date": last_day + dt.timedelta(days=1)}
        )
    day = posted_on or today
    if not last_day < day <= today:
        raise EvaluationError(
            _(
                "a posting of %(month)s is dated after the month and no later than today "
                "(%(first)s to %(today)s); %(date)s is not"
            )
            % {
                "month": month,
                "first": last_day + dt.timedelta(days=1),
                "today": today,
                "date": day,
            },
            field="posted_on",
        )
    if collect:  # committed on their own, as when finalising: the figures include them
        collect_plugin_events(period, last_day, connection.tenant)
    with transaction.atomic():
        EvaluationRound.objects.get_or_create(village=village, period=period)
        round_ = EvaluationRound.objects.select_for_update().get(village=village, period=period)
        if round_.status == EvaluationRound.Status.FINALISED:
            raise EvaluationError(
                _("%(round)s is finalised; a finalised month is not posted again")
                % {"round": round_}
            )
        waiting = pending_entries(period, last_day, [village.pk]).count()
        if waiting:
            raise EvaluationError(
                _(
                    "%(count)s entries of %(village)s for %(month)s still await review; "
                    "approve or reject them before posting the results"
                )
                % {"count": waiting, "village": village.name, "month": month}
            )
        current = (
            Posting.objects.select_for_update()
            .filter(village=village, period=period, superseded_at__isnull=True)
            .first()
        )
        if current is not None and day < current.posted_on:
            raise EvaluationError(
                _(
                    "%(village)s already posted %(month)s on %(posted)s; "
                    "a new posting cannot be dated earlier (%(date)s)"
                )
                % {
                    "village": village.name,
                    "month": month,
                    "posted": current.posted_on,
                    "date": day,
                },
                field="posted_on",
            )
        rows = _posted_rows(period, policy, village)
        if current is not None:
            current.superseded_at = timezone.now()
            current.save(update_fields=["superseded_at"])
        tiers = [row[3] for row in rows]
        return Posting.objects.create(
            village=village,
            period=period,
            posted_on=day,
            ends_on=add_working_days(day, policy.posting_days),
            working_days=policy.posting_days,
            posted_by_label=by.label,
            backdated=day != today,
            includes_red=connection.tenant.publish_red_on_board,
            households=len(rows),
            green=tiers.count("green"),
            blue=tiers.count("blue"),
            red=tiers.count("red"),
            rows=rows,
            enterprise_rows=_posted_enterprise_rows(period, policy, village),
        )


def post_months(
    period: dt.date,
    *,
    by: Actor,
    villages: Iterable[Village] | None = None,
    posted_on: dt.date | None = None,
    only_unposted: bool = False,
) -> tuple[list[Posting], dict[str, str]]:
    """``post_month`` for several villages (default: all not finalised), each on its own.

    Returns the postings made and the refusals by village name. ``only_unposted``
    leaves villages with a current posting alone (the scheduler's run).
    """
    period = period.replace(day=1)
    chosen = list(villages) if villages is not None else list(Village.objects.order_by("code"))
    finalised = set(
        EvaluationRound.objects.filter(
            period=period, status=EvaluationRound.Status.FINALISED
        ).values_list("village_id", flat=True)
    )
    posted = set()
    if only_unposted:
        posted = set(
            Posting.objects.filter(period=period, superseded_at__isnull=True).values_list(
                "village_id", flat=True
            )
        )
    chosen = [v for v in chosen if v.pk not in finalised and v.pk not in posted]
    postings, refused = [], {}
    last_day = month_end(period)
    if chosen and last_day < timezone.localdate():
        collect_plugin_events(period, last_day, connection.tenant)  # once for all villages
    for village in chosen:
        try:
            postings.append(
                _post_month(village, period, by=by, posted_on=posted_on, policy=None, collect=False)
            )
        except PlatformError as error:
            refused[village.name] = str(error)
    return postings, refused


def _posted_rows(period: dt.date, policy: ScoringPolicy, village: Village) -> list[list]:
    """[household id, masked name, score, tier] of the village's households, by code."""
    scores_sql, params = scores_query(period, policy, [village.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH scores AS ({scores_sql})
            SELECT s.household_id, h.head_name, s.score
            FROM scores s JOIN households_household h ON h.id = s.household_id
            ORDER BY h.code
            """,
            params,
        )
        return [
            [household_id, mask_name(name), score, policy.tier(score)]
            for household_id, name, score in cursor.fetchall()
        ]


def _posted_enterprise_rows(period: dt.date, policy: ScoringPolicy, village: Village) -> list[list]:
    """[subject id, registered name, score, tier] of the village's merchants and firms,
    by code: their names are public (never masked); the same arithmetic and thresholds
    as their month's snapshots (``_write_enterprise_snapshots``)."""
    scores_sql, params = scores_query(period, policy, [village.pk], enterprises=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH scores AS ({scores_sql})
            SELECT s.household_id, h.head_name, s.score
            FROM scores s JOIN households_household h ON h.id = s.household_id
            ORDER BY h.code
            """,
            params,
        )
        return [
            [subject_id, name, score, policy.tier(score)]
            for subject_id, name, score in cursor.fetchall()
        ]


def _override_reason(reason: str, by: Actor) -> str:
    require_role(
        by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("override the public posting")
    )
    reason = (reason or "").strip()
    if not reason:
        raise EvaluationError(
            _("an override of the public posting needs a reason; say why the month cannot wait"),
            field="override_posting",
        )
    return reason


def _posting_refusals(
    period: dt.date, village_ids: list[int], policy: ScoringPolicy
) -> dict[int, tuple[Posting | None, str]]:
    """Villages whose month may not be finalised yet for want of a full posting period."""
    if policy.posting_days == 0:
        return {}
    today = timezone.localdate()
    month = f"{period:%Y-%m}"
    current = {
        p.village_id: p
        for p in Posting.objects.filter(
            period=period, village_id__in=village_ids, superseded_at__isnull=True
        )
    }
    refusals = {}
    for village in Village.objects.filter(pk__in=village_ids).order_by("code"):
        posting = current.get(village.pk)
        if posting is None:
            refusals[village.pk] = (
                None,
                _(
                    "%(village)s has not posted the results of %(month)s; post them and "
                    "finalise after %(days)s working days of public posting"
                )
                % {"village": village.name, "month": month, "days": policy.posting_days},
            )
        elif posting.ends_on >= today:
            refusals[village.pk] = (
                posting,
                _(
                    "the results of %(village)s for %(month)s are posted until %(date)s; "
                    "finalise from %(next)s"
                )
                % {
                    "village": village.name,
                    "month": month,
                    "date": posting.ends_on,
                    "next": posting.ends_on + dt.timedelta(days=1),
                },
            )
    return refusals


def _changed_since_posting(
    period: dt.date, village_ids: list[int], policy: ScoringPolicy
) -> dict[int, tuple[Posting | None, str]]:
    """Villages whose snapshots just written differ from what their posting showed."""
    if policy.posting_days == 0:
        return {}
    postings = Posting.objects.filter(
        period=period, village_id__in=village_ids, superseded_at__isnull=True
    ).select_related("village")
    refusals = {}
    for posting in postings:
        posted = {row[0]: (row[2], row[3]) for row in posting.rows}
        final = {
            household_id: (score, tier)
            for household_id, score, tier in HouseholdSnapshot.objects.filter(
                period=period, village_id=posting.village_id
            ).values_list("household_id", "score", "tier")
        }
        changed = sum(
            1 for key in posted.keys() | final.keys() if posted.get(key) != final.get(key)
        )
        words = {
            "count": changed,
            "village": posting.village.name,
            "month": f"{period:%Y-%m}",
            "date": posting.posted_on,
        }
        if changed:
            refusals[posting.village_id] = (
                posting,
                _(
                    "the figures of %(count)s households of %(village)s changed since "
                    "%(month)s was posted on %(date)s; post the month again"
                )
                % words,
            )
        elif (businesses := _enterprises_changed(posting, period)) > 0:
            refusals[posting.village_id] = (
                posting,
                _(
                    "the figures of %(count)s merchants and firms of %(village)s changed "
                    "since %(month)s was posted on %(date)s; post the month again"
                )
                % {**words, "count": businesses},
            )
    return refusals


def _enterprises_changed(posting: Posting, period: dt.date) -> int:
    """How many merchants' and firms' snapshots just written differ from the posting
    (0 for a posting made before merchants and firms were posted)."""
    if posting.enterprise_rows is None:
        return 0
    posted = {row[0]: (row[2], row[3]) for row in posting.enterprise_rows}
    final = {
        subject_id: (score, tier)
        for subject_id, score, tier in EnterpriseSnapshot.objects.filter(
            period=period, village_id=posting.village_id
        ).values_list("household_id", "score", "tier")
    }
    return sum(1 for key in posted.keys() | final.keys() if posted.get(key) != final.get(key))


def _refuse_or_override(
    period: dt.date,
    refusals: dict[int, tuple[Posting | None, str]],
    reason: str | None,
    by: Actor,
) -> None:
    if not refusals:
        return
    if reason is None:
        raise EvaluationError("; ".join(message for _posting, message in refusals.values()))
    PostingOverride.objects.bulk_create(
        PostingOverride(
            village_id=village_id,
            period=period,
            posting=posting,
            refusal=message,
            reason=reason,
            overridden_by_label=by.label,
        )
        for village_id, (posting, message) in refusals.items()
    )
