"""Credit repair (信用修复): applying, the council's decision, and what a repair changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from platform_core.errors import NotAllowed
from platform_core.scoring.models import EntryStatus, RepairApplication, ScoreEvent
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.repair import apply_for_repair, decide_repair
from platform_core.scoring.selectors import recent_deductions, score_card
from platform_core.scoring.services import LedgerError, correct_entry
from platform_core.scoring.signals import standing_changed
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def village_a(township_a, in_township):
    """Township A's schema with village V01, deductions counting at once (no response
    window: what this file tests is the repair, not the notice)."""
    township_a.response_days = 0
    township_a.save(update_fields=["response_days"])
    with in_township(township_a):
        f.village()
        yield township_a


def head_of(code: str, name: str = "head"):
    return f.person(name, role="household", household_code=code)


def test_granted_repair_keeps_the_deduction_and_cancels_it_from_the_decision_day(
    village_a, django_capture_on_commit_callbacks
):
    recorder = f.person("grid", role="grid_worker", village_code="V01")
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 2), by=recorder)
    household = f.household("V01-0001")
    policy = ScoringPolicy()
    assert score_card(household, D(2026, 5, 31), policy).score < 100
    head = head_of("V01-0001")
    application = apply_for_repair(
        deduction,
        by=head,
        action=RepairApplication.Action.VOLUNTEERING,
        hours=12,
        evidence="12 hours at the river clean-up, confirmed by the village committee",
    )
    assert application.status == "pending" and application.applied_by_label == head.label
    heard = []

    def listen(sender, household, reason, by, **kwargs):
        heard.append((household.code, reason, by.label))

    standing_changed.connect(listen)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            decided = decide_repair(
                application,
                by=f.person("council"),
                grant=True,
                reason="the river clean-up is rectification enough",
                today=D(2026, 5, 10),
            )
    finally:
        standing_changed.disconnect(listen)
    deduction.refresh_from_db()
    repair = decided.repair_entry
    assert decided.status == "granted" and decided.decision_reason.startswith("the river")
    assert deduction.status == EntryStatus.REPAIRED
    assert (repair.kind, repair.corrects_id, repair.status) == ("repair", deduction.pk, "approved")
    assert (repair.points, repair.effect) == (-deduction.points, -deduction.points)
    assert (repair.occurred_on, repair.counts_from) == (D(2026, 3, 2), D(2026, 5, 10))
    assert repair.covenant_version_id == deduction.covenant_version_id
    assert heard == [("V01-0001", heard[0][1], "council@test.local")]
    assert "granted" in heard[0][1]
    # The past is unchanged; from the decision day on the deduction counts no more.
    assert score_card(household, D(2026, 5, 9), policy).score == 100 + deduction.points
    assert score_card(household, D(2026, 5, 10), policy).score == 100
    assert recent_deductions(household, D(2026, 5, 10)) == 0
    # A standing recomputed after the decision for April's end applies the repair.
    assert score_card(household, D(2026, 4, 30), policy).score == 100 + deduction.points
    assert score_card(household, D(2026, 4, 30), policy, repaired_by=D(2026, 5, 10)).score == 100
    assert score_card(household, D(2026, 4, 30), policy, repaired_by=D(2026, 5, 9)).score < 100
    # The deduction is kept, and never changes again: no second repair, no reversal.
    assert ScoreEvent.objects.filter(pk=deduction.pk).exists()
    with pytest.raises(LedgerError, match="repaired"):
        apply_for_repair(deduction, by=head, action="rectification", evidence="again")
    with pytest.raises(LedgerError, match="repaired"):
        correct_entry(deduction, by=f.person("other"), reason="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreEvent.objects.filter(pk=deduction.pk).update(status=EntryStatus.APPROVED)


def test_a_repair_cancels_the_effect_after_caps_not_the_points(village_a):
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 2))
    with connection.cursor() as cursor:  # as if a cap had cut it to nothing when approved
        cursor.execute("ALTER TABLE scoring_scoreevent DISABLE TRIGGER scoring_ledger_guard_rows")
        ScoreEvent.objects.filter(pk=deduction.pk).update(effect=0, cap_note="cap")
        cursor.execute("ALTER TABLE scoring_scoreevent ENABLE TRIGGER scoring_ledger_guard_rows")
    deduction.refresh_from_db()
    application = apply_for_repair(
        deduction, by=head_of("V01-0001"), action="rectification", evidence="fence rebuilt"
    )
    decided = decide_repair(application, by=f.person(), grant=True, reason="rebuilt")
    assert (decided.repair_entry.points, decided.repair_entry.effect) == (-deduction.points, 0)


def test_refused_repair_leaves_the_deduction_counting(village_a):
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 2))
    application = apply_for_repair(
        deduction, by=head_of("V01-0001"), action="rectification", evidence="said sorry"
    )
    with pytest.raises(LedgerError, match="needs a reason"):
        decide_repair(application, by=f.person(), grant=False, reason="  ")
    decided = decide_repair(application, by=f.person(), grant=False, reason="not rectified yet")
    deduction.refresh_from_db()
    assert decided.status == "refused" and decided.repair_entry is None
    assert deduction.status == EntryStatus.APPROVED
    with pytest.raises(LedgerError, match="already decided"):
        decide_repair(application, by=f.person(), grant=True, reason="changed our mind")
    # After a refusal the household may apply again.
    again = apply_for_repair(
        deduction, by=head_of("V01-0001", "head2"), action="other", evidence="apologised"
    )
    assert again.status == "pending"


def test_only_approved_deductions_one_pending_application_and_complete_input(village_a):
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 2))
    bonus = f.approved("V01-0001", "VO-01", D(2026, 3, 2))
    head = head_of("V01-0001")
    with pytest.raises(LedgerError, match="only deductions") as refused:
        apply_for_repair(bonus, by=head, action="rectification", evidence="x")
    assert refused.value.field == "entry"
    with pytest.raises(LedgerError, match="unknown corrective action") as refused:
        apply_for_repair(deduction, by=head, action="bribe", evidence="x")
    assert refused.value.field == "action"
    with pytest.raises(LedgerError, match="how many hours") as refused:
        apply_for_repair(deduction, by=head, action="volunteering", evidence="x")
    assert refused.value.field == "hours"
    with pytest.raises(LedgerError, match="between 1 and"):
        apply_for_repair(deduction, by=head, action="volunteering", hours=0, evidence="x")
    with pytest.raises(LedgerError, match="evidence is required") as refused:
        apply_for_repair(deduction, by=head, action="rectification", evidence="   ")
    assert refused.value.field == "evidence"
    apply_for_repair(deduction, by=head, action="rectification", evidence="fixed")
    with pytest.raises(LedgerError, match="already has a repair application"):
        apply_for_repair(deduction, by=head, action="rectification", evidence="fixed")
    assert RepairApplication.objects.count() == 1


def test_a_proposed_or_reversed_deduction_cannot_be_repaired(village_a):
    from platform_core.scoring.services import record_entry

    proposed = record_entry(
        household=f.household("V01-0001"),
        rule=f.rule("P7-03"),
        occurred_on=D(2026, 3, 2),
        recorder=f.person("grid", role="grid_worker", village_code="V01"),
        source="staff",
        evidence="seen",
    )
    head = head_of("V01-0001")
    with pytest.raises(LedgerError, match="proposed"):
        apply_for_repair(proposed, by=head, action="rectification", evidence="x")
    # Reversed between the application and the decision: granting is refused.
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 9))
    application = apply_for_repair(deduction, by=head, action="rectification", evidence="x")
    correct_entry(deduction, by=f.person("corrector"), reason="wrong household")
    with pytest.raises(LedgerError, match="reversed"):
        decide_repair(application, by=f.person(), grant=True, reason="ok")
    application.refresh_from_db()
    assert application.status == "pending"


def test_household_applies_only_for_its_own_entries_and_staff_only_in_their_village(village_a):
    f.village("V02", "溪村")
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 2))
    neighbour = head_of("V01-0002", "neighbour")
    with pytest.raises(NotAllowed, match="only for their own household"):
        apply_for_repair(deduction, by=neighbour, action="rectification", evidence="x")
    other_village = f.person("v2grid", role="grid_worker", village_code="V02")
    with pytest.raises(NotAllowed):
        apply_for_repair(deduction, by=other_village, action="rectification", evidence="x")
    nobody = f.person("nobody", role=None)
    with pytest.raises(NotAllowed):
        apply_for_repair(deduction, by=nobody, action="rectification", evidence="x")
    staff = f.person("v1grid", role="grid_worker", village_code="V01")
    application = apply_for_repair(
        deduction, by=staff, action="rectification", evidence="brought by the household"
    )
    assert application.applied_by_label == "v1grid@test.local"


def test_who_may_decide(village_a):
    recorder = f.person("recorder")  # a council member who recorded the deduction
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 2), by=recorder)
    staff = f.person("applicant")  # a council member applying on the household's behalf
    application = apply_for_repair(deduction, by=staff, action="rectification", evidence="x")
    grid = f.person("grid", role="grid_worker", village_code="V01")
    head = head_of("V01-0001")
    for wrong in (grid, head):
        with pytest.raises(NotAllowed):
            decide_repair(application, by=wrong, grant=True, reason="ok")
    with pytest.raises(NotAllowed, match="recorded the deduction"):
        decide_repair(application, by=recorder, grant=True, reason="ok")
    with pytest.raises(NotAllowed, match="applied for the repair"):
        decide_repair(application, by=staff, grant=True, reason="ok")
    f.village("V02", "溪村")
    other_committee = f.person("v2", role="village_committee", village_code="V02")
    with pytest.raises(NotAllowed):
        decide_repair(application, by=other_committee, grant=True, reason="ok")
    application.refresh_from_db()
    deduction.refresh_from_db()
    assert (application.status, deduction.status) == ("pending", "approved")


def test_another_townships_council_cannot_decide(village_a, township_b, in_township):
    deduction = f.approved("V01-0001", "P7-03", D(2026, 3, 2))
    application = apply_for_repair(
        deduction, by=head_of("V01-0001"), action="rectification", evidence="x"
    )
    with in_township(township_b):
        outsider = f.person("outsider", role="township_admin")
    with pytest.raises(NotAllowed):
        decide_repair(application, by=outsider, grant=True, reason="ok")
    with in_township(township_b):
        assert not RepairApplication.objects.exists()
