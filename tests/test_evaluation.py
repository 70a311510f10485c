"""Monthly joint evaluation, finalisation, tier changes, honour boards, model households."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.evaluation import services as evaluation
from platform_core.evaluation.models import (
    EvaluationRound,
    HouseholdSnapshot,
    TierChange,
    VillageSnapshot,
)
from platform_core.evaluation.selectors import (
    LEDGER_PAGE_COST,
    preview_month,
    round_progress,
    scores_query,
)
from platform_core.evaluation.signals import tier_changed
from platform_core.publication.models import BoardEntry
from platform_core.publication.selectors import model_households_of_year
from platform_core.publication.services import PublicationError, publish_board
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.selectors import score_card
from platform_core.scoring.services import review_entry
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)


def _snapshots(period):
    return list(
        HouseholdSnapshot.objects.filter(period=period)
        .order_by("household__code")
        .values_list("household__code", "score", "tier", "change", "deductions", "index")
    )


def _ledger_for_march():
    f.approved("V01-0001", "VO-03", D(2026, 3, 3))  # 110 green
    f.approved("V01-0002", "P7-02", D(2026, 3, 4))  # 95 red
    # V01-0003 has nothing: 100 blue


def test_finalise_writes_snapshots_matching_the_python_arithmetic(township_a, in_township):
    with in_township(township_a):
        f.village()
        _ledger_for_march()
        result = evaluation.finalise_month(MARCH, by=f.person())
        assert (result.households, result.green, result.blue, result.red) == (3, 1, 1, 1)
        assert result.finalized
        policy = ScoringPolicy.of(township_a)
        for code, score, tier, _change, deductions, index in _snapshots(MARCH):
            card = score_card(f.household(code), D(2026, 3, 31), policy)
            assert (score, tier, deductions, index) == (
                card.score,
                card.tier,
                card.deductions,
                card.index,
            )
        village = VillageSnapshot.objects.get(period=MARCH)
        assert (village.households, village.green, village.blue, village.red) == (3, 1, 1, 1)
        indices = [row[5] for row in _snapshots(MARCH)]
        assert village.index == round(sum(indices) / len(indices), 1)
        assert village.average_score == Decimal("101.67")


def test_finalising_twice_gives_identical_snapshots(township_a, in_township):
    with in_township(township_a):
        f.village()
        _ledger_for_march()
        first = evaluation.finalise_month(MARCH, by=f.person())
        before = _snapshots(MARCH)
        second = evaluation.finalise_month(MARCH, by=f.person())
        assert _snapshots(MARCH) == before
        assert second.villages_finalised_now == 0 and first.villages_finalised_now == 1
        assert (first.green, first.red) == (second.green, second.red)
        assert HouseholdSnapshot.objects.filter(period=MARCH).count() == 3


def test_snapshots_are_written_without_jit_and_the_callers_setting_comes_back(
    township_a, in_township
):
    seen = []
    settings = "SELECT current_setting('jit'), current_setting('random_page_cost')"

    def watch(execute, sql, params, many, context):
        if "evaluation_month_scores ON COMMIT DROP AS" in sql or (
            "INSERT INTO evaluation_householdsnapshot" in sql
        ):
            with connection.cursor() as cursor:  # inside the wrapper: not watched again
                cursor.execute(settings)
                seen.append(cursor.fetchone())
        return execute(sql, params, many, context)

    with in_township(township_a):
        f.village()
        _ledger_for_march()
        with connection.cursor() as cursor:
            cursor.execute("SET jit = on")
            cursor.execute("SET random_page_cost = 3")
        with connection.execute_wrapper(watch):
            result = evaluation.finalise_month(MARCH, by=f.person())
        # the aggregate and the writes: no JIT, the covering index priced as cached
        assert seen == [("off", "1.1"), ("off", "1.1")]
        assert (result.green, result.blue, result.red) == (1, 1, 1)
        with connection.cursor() as cursor:
            cursor.execute(settings)
            assert cursor.fetchone() == ("on", "3")
            cursor.execute("RESET random_page_cost")


def test_the_month_is_scored_from_the_covering_index_alone(township_a, in_township):
    """The evaluation's aggregate is an index-only scan once the ledger is vacuumed."""
    with in_township(township_a):
        f.village()
        _ledger_for_march()
        sql, params = scores_query(MARCH, ScoringPolicy.of(connection.tenant))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE scoring_scoreevent")
            cursor.execute("SET LOCAL random_page_cost = %s", [LEDGER_PAGE_COST])
            # A tiny table: the whole-table plans are switched off to ask whether the
            # index holds every column the aggregate reads (else: a plain index scan).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index Only Scan using scoreevent_household_covering" in plan, plan


def test_a_month_with_entries_awaiting_review_cannot_be_finalised(township_a, in_township):
    with in_township(township_a):
        village = f.village()
        party_member = f.person("party", "party_member", "V01")
        round_ = evaluation.open_round(village, MARCH, by=Actor.cli())
        evaluation.assign_linked_households(
            round_,
            party_member.user,
            [f.household("V01-0001"), f.household("V01-0002")],
            by=Actor.cli(),
        )
        entry = evaluation.rate_household(
            round_,
            evaluator=party_member,
            household=f.household("V01-0001"),
            rule=f.rule("PS-02"),
            evidence="settled the well dispute on 3 March",
            occurred_on=D(2026, 3, 3),
        )
        evaluation.rate_household(
            round_, evaluator=party_member, household=f.household("V01-0002"), rule=None
        )
        assert entry.status == "proposed" and entry.evaluation_round_id == round_.pk
        assert round_progress(round_) == {"assigned": 2, "rated": 2}
        with pytest.raises(evaluation.EvaluationError, match="1 entries of 2026-03 still await"):
            evaluation.finalise_month(MARCH, by=f.person())
        assert not HouseholdSnapshot.objects.exists()
        review_entry(entry, reviewer=f.person("council"), approve=True)
        evaluation.finalise_month(MARCH, by=f.person())
        round_.refresh_from_db()
        assert round_.status == "finalised"
        assert HouseholdSnapshot.objects.get(household__code="V01-0001").score == 103
        with pytest.raises(evaluation.EvaluationError, match="finalised"):
            evaluation.rate_household(
                round_, evaluator=party_member, household=f.household("V01-0001"), rule=None
            )


def test_only_assigned_evaluators_rate_and_assignments_carry_over(township_a, in_township):
    with in_township(township_a):
        village = f.village()
        leader, stranger = f.person("leader", "group_leader", "V01"), f.person("stranger")
        march = evaluation.open_round(village, MARCH, by=Actor.cli())
        assert evaluation.assign_area(march, leader.user, village.grids.get(), by=Actor.cli()) == 3
        with pytest.raises(NotAllowed):
            evaluation.rate_household(
                march, evaluator=stranger, household=f.household("V01-0001"), rule=None
            )
        april = evaluation.open_round(village, APRIL, by=Actor.cli())
        assert april.assignments.filter(evaluator=leader.user, role="group_leader").count() == 3


def test_change_since_last_month_and_tier_change_events(
    township_a, in_township, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, change, **kwargs):
        heard.append((change.household.code, change.old_tier, change.new_tier))

    tier_changed.connect(listener)
    try:
        with in_township(township_a):
            f.village()
            _ledger_for_march()
            with django_capture_on_commit_callbacks(execute=True):
                evaluation.finalise_month(MARCH, by=f.person())
            assert sorted(heard) == [
                ("V01-0001", "", "green"),
                ("V01-0002", "", "red"),
                ("V01-0003", "", "blue"),
            ]
            heard.clear()
            f.approved("V01-0002", "VO-03", D(2026, 4, 2))  # 95 -> 105: red to green
            with django_capture_on_commit_callbacks(execute=True):
                evaluation.finalise_month(APRIL, by=f.person())
            assert heard == [("V01-0002", "red", "green")]
            april = {row[0]: row for row in _snapshots(APRIL)}
            assert april["V01-0002"][3] == 10 and april["V01-0001"][3] == 0
            assert TierChange.objects.filter(period=APRIL).count() == 1
    finally:
        tier_changed.disconnect(listener)


def test_months_are_finalised_in_order_and_only_once_over(township_a, in_township):
    from django.utils import timezone

    with in_township(township_a):
        f.village()
        evaluation.finalise_month(APRIL, by=f.person())
        with pytest.raises(evaluation.EvaluationError, match="in order"):
            evaluation.finalise_month(MARCH, by=f.person())
        with pytest.raises(evaluation.EvaluationError, match="not over"):
            evaluation.finalise_month(timezone.localdate().replace(day=1), by=f.person())


def test_evaluate_and_export_scores_commands(township_a, in_township, tmp_path):
    with in_township(township_a):
        f.village()
        _ledger_for_march()
    out = StringIO()
    call_command("evaluate", "--township", township_a.code, "--period", "2026-03", stdout=out)
    preview = json.loads(out.getvalue())
    assert preview["households"] == 3 and not preview["finalized"]
    assert (preview["green"], preview["blue"], preview["red"]) == (1, 1, 1)
    with in_township(township_a):
        assert not HouseholdSnapshot.objects.exists()  # a preview writes nothing
    out = StringIO()
    call_command(
        "evaluate", "--township", township_a.code, "--period", "2026-03", "--finalize", stdout=out
    )
    assert json.loads(out.getvalue())["finalized"] is True
    out = StringIO()
    call_command("evaluate", "--township", township_a.code, "--period", "2026-03", stdout=out)
    assert json.loads(out.getvalue()) == {**preview, "finalized": True}
    target = tmp_path / "scores.csv"
    call_command(
        "export_scores",
        "--township",
        township_a.code,
        "--period",
        "2026-03",
        str(target),
        stdout=StringIO(),
    )
    assert target.read_text(encoding="utf-8").splitlines() == [
        "code,score,tier",
        "V01-0001,110,green",
        "V01-0002,95,red",
        "V01-0003,100,blue",
    ]


def test_evaluate_names_a_bad_period_or_township(township_a):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("evaluate", "--township", township_a.code, "--period", "3/2026")
    with pytest.raises(CommandError, match="no township with code '999999999'"):
        call_command("evaluate", "--township", "999999999", "--period", "2026-03")


# --- honour boards --------------------------------------------------------------


def _finalised_quarter(township, in_township):
    with in_township(township):
        village = f.village(size=3)
        _ledger_for_march()
        evaluation.finalise_month(MARCH, by=f.person())
        return village


def test_board_lists_model_households_with_masked_names(township_a, in_township):
    village = _finalised_quarter(township_a, in_township)
    with in_township(township_a):
        publisher = f.person("publisher")
        board = publish_board(village, year=2026, quarter=1, publisher=publisher)
        entries = list(board.entries.values_list("masked_name", "kind", "score"))
        assert entries == [("俞*明", "model", 110)]
        assert board.published_by_label == "publisher@test.local" and board.published_at
        assert not board.includes_red


def test_board_shows_households_to_improve_only_when_policy_allows(township_a, in_township):
    township_a.publish_red_on_board = True
    village = _finalised_quarter(township_a, in_township)
    with in_township(township_a):
        board = publish_board(
            village, year=2026, quarter=1, publisher=f.person(), township=township_a
        )
        assert sorted(board.entries.values_list("kind", "masked_name")) == [
            ("improve", "沈某"),
            ("model", "俞*明"),
        ]


def test_published_board_is_immutable(township_a, in_township):
    village = _finalised_quarter(township_a, in_township)
    with in_township(township_a):
        board = publish_board(village, year=2026, quarter=1, publisher=f.person())
        with pytest.raises(PublicationError, match="already published by"):
            publish_board(village, year=2026, quarter=1, publisher=f.person())
        for statement in (
            "UPDATE publication_honourboard SET includes_red = true",
            "DELETE FROM publication_boardentry",
            "UPDATE publication_boardentry SET masked_name = '俞国明'",
        ):
            with (
                pytest.raises(IntegrityError, match="immutable"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        assert BoardEntry.objects.get(board=board).masked_name == "俞*明"


def test_board_needs_the_quarters_last_month_finalised(township_a, in_township):
    with in_township(township_a):
        village = f.village()
        with pytest.raises(PublicationError, match="has not finalised 2026-06"):
            publish_board(village, year=2026, quarter=2, publisher=f.person())


def test_year_end_model_households(township_a, in_township):
    with in_township(township_a):
        f.village(size=4)
        f.approved("V01-0001", "VO-03", D(2025, 11, 3))  # green all along
        f.approved("V01-0002", "P7-02", D(2025, 11, 4))  # red in November ...
        f.approved("V01-0002", "VO-03", D(2025, 12, 1))  # ... green in December: not a model
        f.approved("V01-0003", "VO-01", D(2025, 12, 2))  # green only in December: a model
        evaluation.finalise_month(D(2025, 11, 1), by=f.person())
        evaluation.finalise_month(D(2025, 12, 1), by=f.person())
        models = model_households_of_year(2025)
        assert [(m.code, m.name, m.green_months) for m in models] == [
            ("V01-0001", "俞*明", 2),
            ("V01-0003", "张*英", 1),
        ]
        assert model_households_of_year(2025, full_names=True)[0].name == "俞国明"


def test_snapshots_and_rounds_never_cross_townships(township_a, township_b, in_township):
    with in_township(township_a):
        f.village()
        _ledger_for_march()
        evaluation.finalise_month(MARCH, by=f.person())
    with in_township(township_b):
        assert not HouseholdSnapshot.objects.exists()
        assert not EvaluationRound.objects.exists()
        assert preview_month(MARCH).households == 0


def test_publish_boards_and_model_households_commands(township_a, in_township, tmp_path):
    _finalised_quarter(township_a, in_township)
    out = StringIO()
    call_command(
        "publish_boards", "--township", township_a.code, "--quarter", "2026-Q1", stdout=out
    )
    assert "1 boards published, 0 already published" in out.getvalue()
    out = StringIO()
    call_command("publish_boards", "--township", township_a.code, "--quarter", "2026Q1", stdout=out)
    assert "0 boards published, 1 already published" in out.getvalue()
    page = tmp_path / "models.html"
    call_command(
        "model_households",
        "--township",
        township_a.code,
        "--year",
        "2026",
        str(page),
        stdout=StringIO(),
    )
    html = page.read_text(encoding="utf-8")
    assert "甲镇 2026 年度诚信示范户名单" in html and "俞*明" in html and "俞国明" not in html
    assert "@media print" in html


def test_a_household_that_moved_village_is_evaluated_once(township_a, in_township):
    with in_township(township_a):
        first = f.village()
        second = f.village(code="V02", name="白鹤村", size=1)
        evaluation.finalise_month(MARCH, by=f.person(), villages=[first])
        moved = f.household("V01-0001")
        moved.village = second
        moved.save()
        result = evaluation.finalise_month(MARCH, by=f.person(), villages=[second])
        assert result.households == 1  # V02-0001 only; the mover keeps its V01 snapshot
        assert HouseholdSnapshot.objects.filter(period=MARCH).count() == 4


def test_evaluate_matches_export_on_a_partly_finalised_month(township_a, in_township, tmp_path):
    with in_township(township_a):
        first = f.village()
        f.village(code="V02", name="白鹤村", size=2)
        _ledger_for_march()
        evaluation.finalise_month(MARCH, by=f.person(), villages=[first])
        f.approved("V01-0003", "VO-03", D(2026, 3, 20))  # late: V01 is final already
    out = StringIO()
    call_command("evaluate", "--township", township_a.code, "--period", "2026-03", stdout=out)
    line = json.loads(out.getvalue())
    target = tmp_path / "s.csv"
    call_command(
        "export_scores",
        "--township",
        township_a.code,
        "--period",
        "2026-03",
        str(target),
        stdout=StringIO(),
    )
    tiers = [row.split(",")[2] for row in target.read_text().splitlines()[1:]]
    assert (
        (line["households"], line["green"], line["blue"], line["red"])
        == (
            len(tiers),
            tiers.count("green"),
            tiers.count("blue"),
            tiers.count("red"),
        )
        == (5, 1, 3, 1)
    )
    assert line["finalized"] is False


def test_publish_boards_is_all_or_nothing(township_a, in_township):
    from django.core.management.base import CommandError

    with in_township(township_a):
        first = f.village()
        f.village(code="V02", name="白鹤村", size=1)
        evaluation.finalise_month(MARCH, by=f.person(), villages=[first])
    with pytest.raises(CommandError, match="白鹤村 has not finalised 2026-03"):
        call_command("publish_boards", "--township", township_a.code, "--quarter", "2026-Q1")
    with in_township(township_a):
        assert not BoardEntry.objects.exists()
        from platform_core.publication.models import HonourBoard

        assert not HonourBoard.objects.exists()
