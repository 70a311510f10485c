"""Covenant, ledger, score/tier arithmetic, objections and the wallet (on real PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.scoring import policy as p
from platform_core.scoring.models import EntryStatus, Rule, ScoreEvent
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.selectors import score_card, wallet_balance
from platform_core.scoring.services import (
    LedgerError,
    correct_entry,
    decide_objection,
    file_objection,
    record_entry,
    review_entry,
    save_rule,
    spend_points,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


# --- pure arithmetic ----------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "tier"), [(101, "green"), (100, "blue"), (99, "red"), (130, "green"), (0, "red")]
)
def test_default_tiers(score, tier):
    assert ScoringPolicy().tier(score) == tier


def test_configured_thresholds_widen_blue():
    policy = ScoringPolicy(green_above=105, red_below=95)
    assert [policy.tier(s) for s in (94, 95, 100, 105, 106)] == [
        "red",
        "blue",
        "blue",
        "blue",
        "green",
    ]


def test_window_edges():
    assert p.window_start(p.CALENDAR_YEAR, D(2026, 3, 5)) == D(2026, 1, 1)
    assert p.window_start(p.ROLLING_12_MONTHS, D(2026, 10, 31)) == D(2025, 11, 1)
    assert p.window_start(p.ROLLING_12_MONTHS, D(2025, 2, 28)) == D(2024, 2, 29)
    assert p.window_start(p.LIFETIME, D(2026, 1, 1)) is None
    # An entry stops counting on the day its window moves past it.
    assert p.expires_on(p.CALENDAR_YEAR, D(2025, 12, 31)) == D(2026, 1, 1)
    assert p.expires_on(p.ROLLING_12_MONTHS, D(2025, 10, 31)) == D(2026, 10, 31)
    assert p.expires_on(p.ROLLING_12_MONTHS, D(2024, 2, 29)) == D(2025, 3, 1)
    assert p.expires_on(p.LIFETIME, D(2020, 1, 1)) is None


@pytest.mark.parametrize(
    ("score", "deductions", "index"),
    [
        (100, 0, Decimal("65.0")),  # standing 50, record 100
        (120, 0, Decimal("100.0")),  # standing capped at 100
        (80, 4, Decimal("0.0")),
        (103, 1, Decimal("62.8")),  # 0.7*57.5 + 0.3*75 = 40.25 + 22.5 = 62.75 -> 62.8
        (90, 2, Decimal("32.5")),  # 0.7*25 + 0.3*50
    ],
)
def test_integrity_index_formula(score, deductions, index):
    assert p.integrity_index(score, 100, deductions) == index


def test_month_helpers():
    assert p.month_end(D(2024, 2, 1)) == D(2024, 2, 29)
    assert p.month_end(D(2025, 12, 1)) == D(2025, 12, 31)
    assert p.parse_period("2026-03") == D(2026, 3, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        p.parse_period("March")


# --- covenant -----------------------------------------------------------------


def test_new_township_has_the_default_covenant(township_a, in_township):
    with in_township(township_a):
        codes = set(Rule.objects.values_list("code", flat=True))
        prohibitions = Rule.objects.filter(category="prohibition")
        assert prohibitions.count() == 7
        assert all(r.points < 0 for r in prohibitions)
        titles = set(prohibitions.values_list("title_zh", flat=True))
        for seed_term in ("无理信访", "恶意投诉", "散播谣言", "煽动闹事"):
            assert any(seed_term in t for t in titles), seed_term
        for category in ("garbage_sorting", "customs_reform", "public_safety", "volunteering"):
            assert Rule.objects.filter(category=category, points__gt=0).exists()
        assert {"GS-01", "P7-01"} <= codes


def test_editing_a_rule_never_changes_recorded_entries(township_a, in_township):
    with in_township(township_a):
        f.village()
        entry = f.approved("V01-0001", "VO-01", D(2026, 3, 1))
        save_rule(
            code="VO-01",
            points=8,
            title_zh="志愿服务",
            title_en="Volunteering",
            category="volunteering",
            needs_review=True,
            by=Actor.cli(),
        )
        entry.refresh_from_db()
        assert entry.points == 2
        assert Rule.objects.get(code="VO-01").points == 8


# --- ledger: the database refuses edits --------------------------------------


def _savepoint_refuses(statement: str, params=()):
    refused = "never be changed|append-only|cannot be recorded|never reversed"
    with (
        pytest.raises(IntegrityError, match=refused),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, params)


def test_database_refuses_update_and_delete_of_approved_entries(township_a, in_township):
    with in_township(township_a):
        f.village()
        entry = f.approved("V01-0001", "P7-02", D(2026, 3, 1))
        _savepoint_refuses("UPDATE scoring_scoreevent SET points = -1 WHERE id = %s", [entry.pk])
        _savepoint_refuses("UPDATE scoring_scoreevent SET note = 'x' WHERE id = %s", [entry.pk])
        _savepoint_refuses("DELETE FROM scoring_scoreevent WHERE id = %s", [entry.pk])
        # Turning it 'reversed' without a compensating entry is refused too.
        _savepoint_refuses(
            "UPDATE scoring_scoreevent SET status = 'reversed' WHERE id = %s", [entry.pk]
        )
        with connection.cursor() as cursor:  # fire the pending deferred FK checks first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        _savepoint_refuses("TRUNCATE scoring_scoreevent CASCADE")
        # The ORM goes through the same trigger.
        with pytest.raises(IntegrityError), transaction.atomic():
            ScoreEvent.objects.filter(pk=entry.pk).update(points=-50)
        entry.refresh_from_db()
        assert (entry.points, entry.status) == (-5, "approved")


def test_rejected_and_reversed_entries_are_final_and_proposed_may_be_withdrawn(
    township_a, in_township
):
    with in_township(township_a):
        f.village()
        recorder, reviewer = f.person(), f.person()
        proposed = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("GS-01"),
            occurred_on=D(2026, 3, 1),
            recorder=recorder,
            source="staff",
            evidence="inspection sheet 12",
        )
        rejected = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("GS-01"),
            occurred_on=D(2026, 3, 2),
            recorder=recorder,
            source="staff",
            evidence="inspection sheet 13",
        )
        review_entry(rejected, reviewer=reviewer, approve=False, reason="no inspection that day")
        _savepoint_refuses(
            "UPDATE scoring_scoreevent SET status = 'approved' WHERE id = %s", [rejected.pk]
        )
        _savepoint_refuses(
            "INSERT INTO scoring_scoreevent (household_id, rule_id, points, occurred_on, source,"
            " evidence, note, kind, status, recorded_by_label, recorded_at, reviewed_by_label,"
            " review_note) SELECT household_id, rule_id, points, occurred_on, 'x', '', '',"
            " 'normal', 'reversed', 'x', now(), '', '' FROM scoring_scoreevent WHERE id = %s",
            [proposed.pk],
        )
        ScoreEvent.objects.filter(pk=proposed.pk).delete()  # withdrawing a proposal is fine
        assert not ScoreEvent.objects.filter(pk=proposed.pk).exists()


def test_every_entry_names_rule_source_evidence_and_people(township_a, in_township):
    with in_township(township_a):
        f.village()
        recorder, reviewer = f.person("grid"), f.person("council")
        entry = f.approved("V01-0002", "PS-01", D(2026, 4, 2), by=recorder, reviewer=reviewer)
        assert entry.rule.code == "PS-01" and entry.source == "staff"
        assert entry.evidence and entry.recorded_by_label == "grid@test.local"
        assert entry.reviewed_by_label == "council@test.local" and entry.reviewed_at
        with pytest.raises(LedgerError, match="evidence"):
            record_entry(
                household=f.household("V01-0002"),
                rule=f.rule("PS-01"),
                occurred_on=D(2026, 4, 2),
                recorder=recorder,
                source="staff",
                evidence=" ",
            )


def test_nobody_approves_their_own_entry_and_rejections_need_reasons(township_a, in_township):
    with in_township(township_a):
        f.village()
        me = f.person()
        entry = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("VO-01"),
            occurred_on=D(2026, 4, 2),
            recorder=me,
            source="staff",
            evidence="activity roster",
        )
        with pytest.raises(NotAllowed):
            review_entry(entry, reviewer=me, approve=True)
        with pytest.raises(LedgerError, match="reason"):
            review_entry(entry, reviewer=f.person(), approve=False)


def test_entry_checks_sign_future_dates_and_external_id_idempotency(township_a, in_township):
    from django.utils import timezone

    with in_township(township_a):
        f.village()
        who = f.person()
        common = dict(
            household=f.household("V01-0001"), recorder=who, source="hotline", evidence="case 7"
        )
        with pytest.raises(LedgerError, match="sign"):
            record_entry(rule=f.rule("P7-03"), occurred_on=D(2026, 4, 2), points=5, **common)
        with pytest.raises(LedgerError, match="future"):
            record_entry(
                rule=f.rule("P7-03"),
                occurred_on=timezone.localdate() + dt.timedelta(days=1),
                **common,
            )
        first = record_entry(
            rule=f.rule("P7-03"), occurred_on=D(2026, 4, 2), external_id="case-7", **common
        )
        again = record_entry(
            rule=f.rule("P7-03"), occurred_on=D(2026, 4, 2), external_id="case-7", **common
        )
        assert first.pk == again.pk
        # Same external id from another source is another entry.
        other = record_entry(
            rule=f.rule("P7-03"),
            occurred_on=D(2026, 4, 2),
            external_id="case-7",
            **{**common, "source": "petition"},
        )
        assert other.pk != first.pk
        with pytest.raises(IntegrityError), transaction.atomic():
            ScoreEvent.objects.create(
                household=first.household,
                rule=first.rule,
                points=-5,
                occurred_on=D(2026, 4, 2),
                source="hotline",
                external_id="case-7",
                recorded_by_label="x",
            )


# --- score and tier -----------------------------------------------------------


def test_score_is_base_plus_approved_points_in_the_window(township_a, in_township):
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "VO-03", D(2025, 12, 31))  # +10 last year
        f.approved("V01-0001", "VO-01", D(2026, 1, 1))  # +2 this year
        f.approved("V01-0001", "P7-02", D(2026, 2, 10))  # -5
        record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("VO-03"),
            occurred_on=D(2026, 2, 11),
            recorder=f.person(),
            source="staff",
            evidence="pending, not counted",
        )
        card = score_card(f.household("V01-0001"), D(2026, 3, 1), ScoringPolicy())
        assert (card.score, card.tier) == (97, "red")
        assert card.window_start == D(2026, 1, 1)
        assert {(line.rule_code, line.points) for line in card.lines} == {
            ("VO-01", 2),
            ("P7-02", -5),
        }
        assert card.index == p.integrity_index(97, 100, 1)
        # 31 December still counts that year's entries; 1 January starts afresh.
        assert score_card(f.household("V01-0001"), D(2025, 12, 31), ScoringPolicy()).score == 110
        rolling = ScoringPolicy(window=p.ROLLING_12_MONTHS)
        assert score_card(f.household("V01-0001"), D(2026, 3, 1), rolling).score == 107
        assert score_card(f.household("V01-0001"), D(2026, 12, 31), rolling).score == 97
        assert (
            score_card(
                f.household("V01-0001"), D(2026, 3, 1), ScoringPolicy(window=p.LIFETIME)
            ).score
            == 107
        )
        # Thresholds come from the township.
        assert (
            score_card(
                f.household("V01-0001"), D(2026, 3, 1), ScoringPolicy(red_below=95, green_above=105)
            ).tier
            == "blue"
        )


def test_expired_deductions_stop_counting(township_a, in_township):
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "P7-04", D(2025, 6, 1))  # -10
        rolling = ScoringPolicy(window=p.ROLLING_12_MONTHS)
        assert score_card(f.household("V01-0001"), D(2026, 5, 31), rolling).tier == "red"
        assert score_card(f.household("V01-0001"), D(2026, 6, 1), rolling).tier == "blue"


# --- objections and corrections --------------------------------------------------


def test_upheld_objection_reverses_the_deduction_with_a_compensating_entry(township_a, in_township):
    with in_township(township_a):
        f.village()
        grid_worker = f.person()
        deduction = f.approved("V01-0001", "P7-01", D(2026, 4, 1), by=grid_worker)
        household = f.household("V01-0001")
        assert score_card(household, D(2026, 4, 30), ScoringPolicy()).score == 90
        objection = file_objection(
            deduction,
            by=f.person("head"),
            reason="the petition was reasonable",
            today=D(2026, 4, 10),
            policy=ScoringPolicy(),
        )
        with pytest.raises(NotAllowed):
            decide_objection(objection, decider=grid_worker, uphold=True, reason="x")
        council = f.person("council")
        decided = decide_objection(
            objection,
            decider=council,
            uphold=True,
            reason="the county found the petition reasonable",
        )
        deduction.refresh_from_db()
        compensation = decided.compensating_entry
        assert deduction.status == EntryStatus.REVERSED
        assert (compensation.points, compensation.occurred_on) == (10, D(2026, 4, 1))
        assert compensation.corrects_id == deduction.pk and compensation.kind == "compensation"
        assert compensation.reviewed_by_label == "council@test.local"
        assert score_card(household, D(2026, 4, 30), ScoringPolicy()).score == 100
        # Both entries stay in the ledger; the reversed one can never change again.
        _savepoint_refuses(
            "UPDATE scoring_scoreevent SET status = 'approved' WHERE id = %s", [deduction.pk]
        )
        _savepoint_refuses("DELETE FROM scoring_scoreevent WHERE id = %s", [compensation.pk])
        # The reversed deduction no longer weighs on the index.
        assert score_card(household, D(2026, 4, 30), ScoringPolicy()).deductions == 0


def test_objections_only_within_the_window_and_only_against_deductions(township_a, in_township):
    with in_township(township_a):
        f.village()
        deduction = f.approved("V01-0001", "P7-03", D(2026, 4, 1))
        bonus = f.approved("V01-0001", "VO-01", D(2026, 4, 1))
        head = f.person()
        approved_on = timezone.localdate(deduction.reviewed_at)
        policy = ScoringPolicy(objection_days=15)
        with pytest.raises(LedgerError, match="closed"):
            file_objection(
                deduction,
                by=head,
                reason="x",
                policy=policy,
                today=approved_on + dt.timedelta(days=16),
            )
        with pytest.raises(LedgerError, match="only deductions"):
            file_objection(bonus, by=head, reason="x", policy=policy, today=approved_on)
        objection = file_objection(
            deduction,
            by=head,
            reason="not me",
            policy=policy,
            today=approved_on + dt.timedelta(days=15),
        )
        with pytest.raises(LedgerError, match="already has an objection"):
            file_objection(deduction, by=head, reason="again", policy=policy, today=approved_on)
        dismissed = decide_objection(
            objection, decider=f.person(), uphold=False, reason="two witnesses confirmed it"
        )
        deduction.refresh_from_db()
        assert dismissed.status == "dismissed" and deduction.status == "approved"


def test_staff_correction_is_a_compensating_entry_and_idempotent(township_a, in_township):
    with in_township(township_a):
        f.village()
        entry = f.approved("V01-0001", "VO-03", D(2026, 4, 1))
        fixer = f.person()
        first = correct_entry(entry, by=fixer, reason="recorded for the wrong household")
        second = correct_entry(entry, by=fixer, reason="clicked twice")
        assert first.pk == second.pk and first.points == -10
        assert ScoreEvent.objects.filter(corrects=entry).count() == 1


# --- wallet -----------------------------------------------------------------------


def test_wallet_is_credited_by_positive_points_and_spending_keeps_the_score(
    township_a, in_township
):
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "VO-03", D(2026, 4, 1))  # +10
        f.approved("V01-0001", "VO-01", D(2026, 4, 2))  # +2
        f.approved("V01-0001", "P7-02", D(2026, 4, 3))  # -5: deductions don't touch the wallet
        household = f.household("V01-0001")
        assert wallet_balance(household) == 12
        before = score_card(household, D(2026, 4, 30), ScoringPolicy()).score
        spend_points(
            household, amount=7, reference="shop-order-1", description="soap", by=f.person()
        )
        spend_points(
            household, amount=7, reference="shop-order-1", description="soap", by=f.person()
        )
        assert wallet_balance(household) == 5
        assert score_card(household, D(2026, 4, 30), ScoringPolicy()).score == before == 107
        with pytest.raises(LedgerError, match="has 5 points"):
            spend_points(
                household, amount=6, reference="shop-order-2", description="oil", by=f.person()
            )


# --- isolation ----------------------------------------------------------------------


def test_ledgers_and_rules_never_cross_townships(township_a, township_b, in_township):
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "P7-02", D(2026, 4, 3))
        save_rule(
            code="LOCAL-A",
            title_zh="甲镇专属",
            title_en="Only A",
            category="other",
            points=3,
            needs_review=True,
            by=Actor.cli(),
        )
    with in_township(township_b):
        assert not ScoreEvent.objects.exists()
        assert not Rule.objects.filter(code="LOCAL-A").exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM scoring_scoreevent")
            assert cursor.fetchone()[0] == 0


RAW_INSERT = (
    "INSERT INTO scoring_scoreevent (household_id, rule_id, points, occurred_on, source,"
    " evidence, note, kind, status, recorded_by_label, recorded_at, reviewed_by_label,"
    " review_note) VALUES (%s, %s, 2, '2026-03-01', 'x', '', '', 'normal', 'approved', 'x',"
    " now(), '', '')"
)


def test_database_keeps_ledger_references_whole(township_a, in_township):
    """References are checked per statement: no orphan entries, no deleting what is referred to."""
    with in_township(township_a):
        f.village()
        entry = f.approved("V01-0001", "VO-01", D(2026, 3, 1))
        for statement, params in (
            (RAW_INSERT, [999999, entry.rule_id]),
            (RAW_INSERT, [entry.household_id, 999999]),
            ("DELETE FROM households_household WHERE id = %s", [entry.household_id]),
            ("DELETE FROM scoring_rule WHERE id = %s", [entry.rule_id]),
            ("UPDATE households_household SET id = 999999 WHERE id = %s", [entry.household_id]),
        ):
            with (
                pytest.raises(IntegrityError, match="does not exist|referred to by the score"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, params)
        # A household or rule nobody's ledger (nor an adopted covenant) mentions can still go.
        spare = Rule.objects.create(
            code="SPARE", title_zh="备用", title_en="Spare", category="other", points=1
        )
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM households_household WHERE code = 'V01-0003'")
            cursor.execute("DELETE FROM scoring_rule WHERE id = %s", [spare.pk])


def test_a_proposed_entry_is_never_turned_reversed(township_a, in_township):
    with in_township(township_a):
        f.village()
        proposed = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("VO-03"),
            occurred_on=D(2026, 3, 1),
            recorder=f.person(),
            source="staff",
            evidence="nomination letter",
        )
        _savepoint_refuses(
            "UPDATE scoring_scoreevent SET status = 'reversed', points = 50 WHERE id = %s",
            [proposed.pk],
        )


def test_correcting_a_bonus_is_not_a_deduction(township_a, in_township):
    with in_township(township_a):
        f.village()
        bonus = f.approved("V01-0001", "VO-01", D(2026, 3, 1))
        correct_entry(bonus, by=f.person(), reason="wrong household")
        card = score_card(f.household("V01-0001"), D(2026, 3, 31), ScoringPolicy())
        assert (card.score, card.deductions, card.index) == (100, 0, Decimal("65.0"))


def test_only_reviewers_of_this_township_review_and_decide(township_a, township_b, in_township):
    with in_township(township_a):
        f.village()
        grid_worker = f.person("gridworker", role="grid_worker")
        entry = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("P7-03"),
            occurred_on=D(2026, 3, 1),
            recorder=grid_worker,
            source="staff",
            evidence="complaint file 3",
        )
        with pytest.raises(NotAllowed, match="may not review"):
            review_entry(entry, reviewer=f.person("worker2", role="grid_worker"), approve=True)
    with in_township(township_b):
        council_of_b = f.person("council-b")
    with in_township(township_a):
        with pytest.raises(NotAllowed, match="may not review ledger entries in 甲镇"):
            review_entry(entry, reviewer=council_of_b, approve=True)
        # A committee member scoped to another village cannot review this one.
        other_village = f.person("committee-v02", role=None)
        from platform_core.accounts.services import grant_role

        grant_role(other_village.user, township_a, "village_committee", village_code="V02")
        with pytest.raises(NotAllowed):
            review_entry(entry, reviewer=other_village, approve=True)
        review_entry(entry, reviewer=f.person("council-a"), approve=True)
        entry.refresh_from_db()
        household_member = f.person("head", role="household", household_code=entry.household.code)
        neighbour = f.person("neighbour", role="household", household_code="V01-0002")
        with pytest.raises(NotAllowed, match="only for their own household"):
            file_objection(
                entry,
                by=neighbour,
                reason="x",
                policy=ScoringPolicy(),
                today=timezone.localdate(entry.reviewed_at),
            )
        with pytest.raises(NotAllowed, match="on a household's behalf"):
            file_objection(
                entry,
                by=household_member,
                reason="x",
                on_behalf=True,
                policy=ScoringPolicy(),
                today=timezone.localdate(entry.reviewed_at),
            )
        objection = file_objection(
            entry,
            by=household_member,
            reason="I was away",
            policy=ScoringPolicy(),
            today=timezone.localdate(entry.reviewed_at),
        )
        with pytest.raises(NotAllowed, match="may not decide"):
            decide_objection(objection, decider=grid_worker, uphold=True, reason="x")
