"""The alliance: logged eligibility checks, grants, and the four restrictions for red households."""

from __future__ import annotations

import datetime as dt

import pytest

from platform_core.actors import Actor
from platform_core.alliance.models import EligibilityCheck, Grant
from platform_core.alliance.selectors import current_tier
from platform_core.alliance.services import AllianceError, add_member, check_eligibility, grant
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.selectors import benefit_types
from platform_core.plugins.services import PluginError, enable_plugin
from plugins.restrictions import plugin as restrictions
from tests import factories as f
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def _red_and_green(township, in_township):
    with in_township(township):
        f.village()
        f.approved("V01-0001", "P7-04", dt.date(2026, 3, 2))  # 90: red
        f.approved("V01-0002", "VO-03", dt.date(2026, 3, 2))  # 110: green
        finalise_month(MARCH, by=f.person())


def test_red_households_are_restricted_with_the_legal_basis_shown(township_a, in_township):
    enable_plugin(township_a, "restrictions")
    _red_and_green(township_a, in_township)
    with in_township(township_a):
        clerk = f.person("bank-clerk", role="alliance_member", alliance_member_code="B1")
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        red, green = f.household("V01-0001"), f.household("V01-0002")
        assert (current_tier(red), current_tier(green)) == ("red", "green")
        for code in ("bank_loan", "army_enlistment", "party_admission", "building_permit"):
            check = check_eligibility(red, code, by=clerk, member=bank)
            assert not check.eligible and "restricted" in check.reason
            assert "村规民约" in check.legal_basis and check.answered_by == "restrictions"
        assert check_eligibility(green, "bank_loan", by=clerk).eligible
        logged = EligibilityCheck.objects.filter(checked_by_label="bank-clerk@test.local")
        assert logged.count() == 5 and logged.filter(member=bank).count() == 4
        with pytest.raises(AllianceError, match="may not have bank_loan"):
            grant(bank, red, "bank_loan", by=clerk)
        assert logged.count() == 6  # the refused grant's check stays in the log
        given = grant(bank, green, "bank_loan", by=clerk, note="50,000 yuan line")
        assert given.eligibility_check.eligible and Grant.objects.count() == 1


def test_a_township_switches_restrictions_on_and_words_the_basis(township_a, in_township):
    enable_plugin(
        township_a,
        "restrictions",
        {
            "switched_on": ["building_permit"],
            "legal_basis": {"building_permit": "《甲镇建房细则》第三条"},
        },
    )
    _red_and_green(township_a, in_township)
    with in_township(township_a):
        red = f.household("V01-0001")
        permit = check_eligibility(red, "building_permit", by=f.person())
        assert not permit.eligible and permit.legal_basis == "《甲镇建房细则》第三条"
        loan = check_eligibility(red, "bank_loan", by=f.person())
        assert not loan.eligible and "no enabled module offers" in loan.reason
    assert [t.code for _, t in benefit_types(township_a)] == ["building_permit"]
    with pytest.raises(PluginError, match="settings.switched_on"):
        enable_plugin(township_a, "restrictions", {"switched_on": ["curfew"]})


def test_without_the_plugin_nothing_is_offered_and_nothing_leaks(
    township_a, township_b, in_township
):
    enable_plugin(township_a, "restrictions")
    _red_and_green(township_a, in_township)
    with in_township(township_a):
        check_eligibility(f.household("V01-0001"), "bank_loan", by=f.person())
    with in_township(township_b):
        f.village()
        answer = check_eligibility(f.household("V01-0001"), "bank_loan", by=f.person())
        assert not answer.eligible and "no enabled module" in answer.reason
        assert EligibilityCheck.objects.count() == 1  # only B's own check
    assert benefit_types(township_b) == []


def test_restrictions_pass_the_contract_kit():
    assert contract_problems(restrictions, settings={"switched_on": ["bank_loan"]}) == []


def test_a_township_enabling_none_of_the_benefit_plugins_gets_none_of_their_hooks(
    township_a, township_b, in_township
):
    from platform_core.plugins.manager import hooks_for

    keys = ["loans", "integrity_card", "points_shop", "river_crab", "veterans", "restrictions"]
    for key in keys:
        enable_plugin(township_a, key)
    hooks_a, hooks_b = hooks_for(township_a), hooks_for(township_b)
    assert set(keys) <= set(hooks_a.enabled) and hooks_b.enabled == {}
    for hook in ("township_benefit_types", "township_eligibility", "township_tier_changes"):
        assert hooks_b.implementers(hook) == []
    assert {t.code for _, t in benefit_types(township_a)} >= {
        "integrity_loan",
        "integrity_card",
        "veteran_priority_service",
        "bank_loan",
    }
    assert benefit_types(township_b) == []
    with in_township(township_b):
        f.village()
        for code in ("integrity_loan", "integrity_card", "veteran_priority_service", "bank_loan"):
            answer = check_eligibility(f.household("V01-0001"), code, by=f.person())
            assert not answer.eligible and answer.answered_by == ""
