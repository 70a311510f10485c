"""An upheld objection takes effect at once (issue 16, item 6 third bullet; the Bar's
"immediate effect of an upheld objection on a loan freeze"): the household's standing is
recomputed on the corrected ledger, a loan freeze and a card suspension are lifted and the
restrictions answer from the corrected tier the same day, without another finalised month."""

from __future__ import annotations

import datetime as dt

import pytest

from platform_core.actors import Actor
from platform_core.alliance.selectors import current_tier
from platform_core.alliance.services import add_member, check_eligibility
from platform_core.errors import NotAllowed, PlatformError
from platform_core.evaluation.models import StandingCorrection
from platform_core.evaluation.services import finalise_month
from platform_core.evaluation.standing import recompute_standing
from platform_core.plugins.services import enable_plugin
from platform_core.scoring.repair import apply_for_repair, decide_repair
from platform_core.scoring.services import decide_objection, file_objection
from plugins.integrity_card.models import Card
from plugins.integrity_card.services import issue_card
from plugins.loans.models import CreditLine
from plugins.loans.services import add_product, apply, decide
from tests import factories as f

D = dt.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)


@pytest.fixture
def plain(township_a):
    """Township A without the response window and the posting (tests/conftest.py sets
    both to 0 already; said again here because this file relies on it)."""
    type(township_a).objects.filter(pk=township_a.pk).update(response_days=0, posting_days=0)
    township_a.response_days = township_a.posting_days = 0
    return township_a


def _finalise(period, capture):
    with capture(execute=True):
        finalise_month(period, by=f.person(role="township_admin"))


def test_an_upheld_objection_lifts_the_loan_freeze_the_card_suspension_and_the_restriction(
    plain, in_township, django_capture_on_commit_callbacks
):
    for key in ("loans", "integrity_card", "restrictions"):
        enable_plugin(plain, key)
    with in_township(plain):
        f.village(size=1)
        household = f.household("V01-0001")
        f.approved("V01-0001", "VO-03", D(2026, 3, 2), points=10)  # 110: green
        _finalise(MARCH, django_capture_on_commit_callbacks)
        staff = f.person(role="grid_worker", village_code="V01")
        card = issue_card(household, by=staff)
        bank = add_member(code="B1", name="湖州农商银行", kind="bank", by=Actor.cli())
        clerk = f.person(role="alliance_member", alliance_member_code="B1")
        product = add_product(
            bank, name="鸿信贷", limit_green=200000, limit_blue=50000, annual_rate="4.35", by=clerk
        )
        application = apply(household, product, 40000, by=staff)
        decide(application, approve=True, by=clerk)
        line = CreditLine.objects.get(application=application)

        # April: two deductions make it red (90): the line freezes, the card is suspended.
        first = f.approved("V01-0001", "P7-04", D(2026, 4, 3))
        second = f.approved("V01-0001", "P7-04", D(2026, 4, 9))
        _finalise(APRIL, django_capture_on_commit_callbacks)
        line.refresh_from_db(), card.refresh_from_db()
        assert current_tier(household) == "red"
        assert line.frozen and line.frozen_reason == "red_tier"
        assert card.status == Card.Status.SUSPENDED
        refused = check_eligibility(household, "bank_loan", by=staff)
        assert not refused.eligible

        # The council upholds the first objection: 100, blue, the same day.
        head = f.person(role="household", household_code="V01-0001")
        objection = file_objection(first, by=head, reason="it was my neighbour")
        council = f.person("council", "council_member")
        with django_capture_on_commit_callbacks(execute=True):
            decide_objection(objection, decider=council, uphold=True, reason="wrong household")
        line.refresh_from_db(), card.refresh_from_db()
        assert current_tier(household) == "blue"
        assert not line.frozen and line.frozen_reason == ""
        assert card.status == Card.Status.SUSPENDED  # cards are for green households
        assert check_eligibility(household, "bank_loan", by=staff).eligible
        correction = StandingCorrection.objects.get()
        assert (correction.period, correction.old_tier, correction.tier, correction.score) == (
            APRIL,
            "red",
            "blue",
            100,
        )
        assert f"objection {objection.pk} upheld" in correction.reason
        assert correction.made_by_label == council.label

        # The second one too: 110, green, and the card works again.
        objection = file_objection(second, by=head, reason="no witness")
        with django_capture_on_commit_callbacks(execute=True):
            decide_objection(objection, decider=council, uphold=True, reason="no evidence")
        card.refresh_from_db()
        assert current_tier(household) == "green"
        assert card.status == Card.Status.ACTIVE
        assert StandingCorrection.objects.count() == 2
        # The month's snapshot itself is kept as finalised.
        assert household.snapshots.get(period=APRIL).tier == "red"


def test_the_next_month_compares_with_the_corrected_standing(
    plain, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(plain, "loans")
    with in_township(plain):
        f.village(size=1)
        household = f.household("V01-0001")
        first = f.approved("V01-0001", "P7-04", D(2026, 3, 3))  # 90: red
        _finalise(MARCH, django_capture_on_commit_callbacks)
        head = f.person(role="household", household_code="V01-0001")
        objection = file_objection(first, by=head, reason="not me")
        with django_capture_on_commit_callbacks(execute=True):
            decide_objection(objection, decider=f.person(), uphold=True, reason="not him")
        assert current_tier(household) == "blue"
        # April: red again; the change is recorded against the corrected blue.
        f.approved("V01-0001", "P7-04", D(2026, 4, 3))
        _finalise(APRIL, django_capture_on_commit_callbacks)
        change = household.tier_changes.get(period=APRIL)
        assert (change.old_tier, change.new_tier) == ("blue", "red")
        assert household.snapshots.get(period=APRIL).change == -10
        assert current_tier(household) == "red"


def test_recompute_standing_refuses_a_grid_worker_and_an_empty_reason(plain, in_township):
    with in_township(plain):
        f.village(size=1)
        household = f.household("V01-0001")
        with pytest.raises(NotAllowed):
            recompute_standing(household, reason="x", by=f.person(role="grid_worker"))
        with pytest.raises(PlatformError, match="reason"):
            recompute_standing(household, reason=" ", by=Actor.cli())
        # Never finalised: nothing to correct (the live tier answers already).
        assert recompute_standing(household, reason="check", by=Actor.cli()) is None


def test_a_correction_in_one_township_leaves_the_other_alone(
    plain, township_b, in_township, django_capture_on_commit_callbacks
):
    with in_township(township_b):
        f.village(size=1)
        b_household = f.household("V01-0001")
        f.approved("V01-0001", "P7-04", D(2026, 3, 3))
    with in_township(plain):
        f.village(size=1)
        first = f.approved("V01-0001", "P7-04", D(2026, 3, 3))
        _finalise(MARCH, django_capture_on_commit_callbacks)
        head = f.person(role="household", household_code="V01-0001")
        objection = file_objection(first, by=head, reason="not me")
        with django_capture_on_commit_callbacks(execute=True):
            decide_objection(objection, decider=f.person(), uphold=True, reason="not him")
        assert StandingCorrection.objects.count() == 1
    with in_township(township_b):
        assert not StandingCorrection.objects.exists()
        assert current_tier(b_household) == "red"  # live: B never finalised


def test_a_granted_repair_lifts_the_loan_freeze_the_same_day(
    plain, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(plain, "loans")
    with in_township(plain):
        f.village(size=1)
        household = f.household("V01-0001")
        bank = add_member(code="B1", name="湖州农商银行", kind="bank", by=Actor.cli())
        clerk = f.person(role="alliance_member", alliance_member_code="B1")
        product = add_product(
            bank, name="鸿信贷", limit_green=200000, limit_blue=50000, annual_rate="4.35", by=clerk
        )
        application = apply(household, product, 40000, by=Actor.cli())
        decide(application, approve=True, by=clerk)
        line = CreditLine.objects.get(application=application)
        deduction = f.approved("V01-0001", "P7-04", D(2026, 3, 3))  # 90: red
        _finalise(MARCH, django_capture_on_commit_callbacks)
        line.refresh_from_db()
        assert line.frozen
        head = f.person(role="household", household_code="V01-0001")
        repair = apply_for_repair(
            deduction, by=head, action="volunteering", hours=20, evidence="20 hours, canal"
        )
        with django_capture_on_commit_callbacks(execute=True):
            decide_repair(repair, by=f.person(), grant=True, reason="hours confirmed")
        line.refresh_from_db()
        assert current_tier(household) == "blue"
        assert not line.frozen
        correction = StandingCorrection.objects.get()
        assert (correction.old_tier, correction.tier, correction.score) == ("red", "blue", 100)


def test_the_township_admin_lists_the_corrections_within_the_village_scope(
    plain, in_township, django_capture_on_commit_callbacks, client
):
    from tests.api import member

    with in_township(plain):
        f.village("V01", size=1)
        f.village("V02", "青山村", size=1)
        first = f.approved("V01-0001", "P7-04", D(2026, 3, 3))
        f.approved("V02-0001", "P7-04", D(2026, 3, 3))
        _finalise(MARCH, django_capture_on_commit_callbacks)
        head = f.person(role="household", household_code="V01-0001")
        objection = file_objection(first, by=head, reason="not me")
        with django_capture_on_commit_callbacks(execute=True):
            decide_objection(objection, decider=f.person(), uphold=True, reason="not him")
    member(plain, "vc2@jia.test", "village_committee", "V02")
    reply = client.post(
        f"/t/{plain.code}/admin/login/",
        {"username": "vc2@jia.test", "password": "pw", "next": f"/t/{plain.code}/admin/"},
    )
    assert reply.status_code == 302
    page = client.get(f"/t/{plain.code}/admin/evaluation/standingcorrection/")
    assert page.status_code == 200 and "V01-0001" not in page.text  # another village's
    client.logout()
    member(plain, "vc1@jia.test", "village_committee", "V01")
    client.post(f"/t/{plain.code}/admin/login/", {"username": "vc1@jia.test", "password": "pw"})
    page = client.get(f"/t/{plain.code}/admin/evaluation/standingcorrection/")
    assert page.status_code == 200 and "V01-0001" in page.text
    assert (
        client.get(f"/t/{plain.code}/admin/evaluation/standingcorrection/add/").status_code == 403
    )


def test_the_next_month_compares_with_the_latest_correction_of_the_latest_month(
    plain, in_township, django_capture_on_commit_callbacks
):
    """A correction of an older month does not count against a later snapshot; of two
    corrections of the same month, the later one counts."""
    feb = D(2026, 2, 1)
    with in_township(plain):
        f.village(size=1)
        household = f.household("V01-0001")
        _finalise(feb, django_capture_on_commit_callbacks)
        _finalise(MARCH, django_capture_on_commit_callbacks)  # 100: blue both months
        fields = {"deductions": 0, "index": 50, "reason": "test", "made_by_label": "test"}
        StandingCorrection.objects.create(
            household=household, period=feb, score=90, tier="red", old_tier="blue", **fields
        )
        StandingCorrection.objects.create(
            household=household, period=MARCH, score=95, tier="red", old_tier="blue", **fields
        )
        StandingCorrection.objects.create(
            household=household, period=MARCH, score=112, tier="green", old_tier="red", **fields
        )
        f.approved("V01-0001", "P7-04", D(2026, 4, 3))  # 90: red
        _finalise(APRIL, django_capture_on_commit_callbacks)
        change = household.tier_changes.get(period=APRIL)
        assert (change.old_tier, change.new_tier) == ("green", "red")
        assert household.snapshots.get(period=APRIL).change == 90 - 112
