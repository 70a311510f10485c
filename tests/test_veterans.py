"""The veterans plugin: veteran households, station activities and priority services."""

from __future__ import annotations

import datetime as dt

import pytest

from platform_core.alliance.models import EligibilityCheck
from platform_core.alliance.services import check_eligibility
from platform_core.errors import NotAllowed
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.selectors import benefit_types
from platform_core.plugins.services import PluginError, disable_plugin, enable_plugin
from platform_core.scoring.models import Rule, ScoreEvent
from plugins.veterans import plugin as veterans
from plugins.veterans.models import ServiceActivity, Veteran
from plugins.veterans.selectors import activity_counts, veteran_households
from plugins.veterans.services import record_activity, register_veteran
from tests import factories as f
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

D = dt.date


def _veteran(code: str = "V01-0001", name: str = "俞国明") -> Veteran:
    return register_veteran(
        f.household(code),
        name=name,
        discharged_year=2010,
        service_branch="陆军",
        by=f.person(role="village_committee"),
    )


def entries():
    return ScoreEvent.objects.filter(source="veterans").order_by("pk")


def test_contract():
    assert contract_problems(veterans, settings={}) == []
    settings = {"review_volunteering": True, "legal_basis": "《退役军人保障法》"}
    assert contract_problems(veterans, settings=settings) == []


def test_volunteer_service_and_visits_earn_points_other_activities_are_records(
    township_a, in_township
):
    enable_plugin(township_a, "veterans")
    with in_township(township_a):
        f.village()
        veteran = _veteran()
        station = f.person("station", role="grid_worker")
        volunteered = record_activity(
            veteran,
            kind="volunteer_service",
            on=D(2026, 3, 5),
            by=station,
            note="参加防汛巡堤",
        )
        visit = record_activity(
            veteran, kind="visit", on=D(2026, 3, 5), by=station, note="随服务站走访困难老兵"
        )
        other = record_activity(veteran, kind="other", on=D(2026, 3, 6), by=station)
        assert other.entry is None
        assert (visit.entry.rule.code, visit.entry.points) == ("VET-VISIT", 1)
        entry = volunteered.entry
        assert set(entries()) == {entry, visit.entry}
        assert (entry.household.code, entry.rule.code, entry.points, entry.status) == (
            "V01-0001",
            "VET-VOLUNTEER",
            2,
            "approved",
        )
        assert entry.recorded_by_label == "station@test.local"
        assert "俞国明" in entry.evidence and "参加防汛巡堤" in entry.evidence
        assert entry.external_id == f"activity:{volunteered.pk}"
        with pytest.raises(PluginError, match="志愿服务 of 俞国明 on 2026-03-05 is already"):
            record_activity(
                veteran, kind="volunteer_service", on=D(2026, 3, 5), by=station, note="again"
            )
        with pytest.raises(PluginError, match="needs a note"):
            record_activity(veteran, kind="volunteer_service", on=D(2026, 3, 7), by=station)
        with pytest.raises(PluginError, match="activity kind 'party'"):
            record_activity(veteran, kind="party", on=D(2026, 3, 7), by=station)
        with pytest.raises(PluginError, match="in the future"):
            record_activity(veteran, kind="visit", on=D(2999, 1, 1), by=station)
        with pytest.raises(NotAllowed, match="may not record station activities"):
            record_activity(veteran, kind="visit", on=D(2026, 3, 8), by=f.person(role=None))
        assert activity_counts(D(2026, 3, 1), D(2026, 3, 31)) == {
            "visit": 1,
            "volunteer_service": 1,
            "other": 1,
        }
        assert entries().count() == 2  # volunteer service and the visit


def test_registration_is_checked_and_review_is_a_setting(township_a, in_township):
    enable_plugin(township_a, "veterans", {"review_volunteering": True})
    with in_township(township_a):
        f.village()
        veteran = _veteran()
        with pytest.raises(PluginError, match="俞国明 of household V01-0001 is already"):
            _veteran()
        with pytest.raises(PluginError, match="discharge year 2999 is in the future"):
            register_veteran(
                f.household("V01-0002"), name="沈红", discharged_year=2999, by=f.person()
            )
        with pytest.raises(NotAllowed, match="may not register veterans"):
            register_veteran(
                f.household("V01-0002"),
                name="沈红",
                discharged_year=2001,
                by=f.person(role="grid_worker"),
            )
        activity = record_activity(
            veteran, kind="volunteer_service", on=D(2026, 3, 5), by=f.person(), note="义务巡逻"
        )
        assert activity.entry.status == "proposed"
        assert list(veteran_households()) == [f.household("V01-0001")]


def test_priority_services_go_to_veteran_households_whatever_their_tier(township_a, in_township):
    enable_plugin(township_a, "veterans")
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))  # 90: red
        finalise_month(D(2026, 3, 1), by=f.person())
        _veteran("V01-0001")
        clerk = f.person("clinic-clerk", role="alliance_member", alliance_member_code="C1")
        red_veteran = check_eligibility(
            f.household("V01-0001"), "veteran_priority_service", by=clerk
        )
        assert red_veteran.eligible and red_veteran.tier == "red"
        assert "whatever the integrity tier (now red)" in red_veteran.reason
        assert "退役军人保障法" in red_veteran.legal_basis
        assert red_veteran.answered_by == "veterans"
        civilian = check_eligibility(f.household("V01-0002"), "veteran_priority_service", by=clerk)
        assert not civilian.eligible and "no registered veteran" in civilian.reason
        assert (
            EligibilityCheck.objects.filter(checked_by_label="clinic-clerk@test.local").count() == 2
        )
    offered = {t.code: t for key, t in benefit_types(township_a) if key == "veterans"}
    assert "退役军人保障法" in offered["veteran_priority_service"].legal_basis
    enable_plugin(township_a, "veterans", {"legal_basis": "《甲镇退役军人优待办法》"})
    with in_township(township_a):
        check = check_eligibility(f.household("V01-0001"), "veteran_priority_service", by=clerk)
        assert check.legal_basis == "《甲镇退役军人优待办法》"


def test_other_townships_see_nothing_and_without_the_plugin_nothing_is_offered(
    township_a, township_b, in_township
):
    enable_plugin(township_a, "veterans")
    with in_township(township_a):
        f.village()
        veteran = _veteran()
        record_activity(
            veteran, kind="volunteer_service", on=D(2026, 3, 5), by=f.person(), note="清理河道"
        )
    assert "veteran_priority_service" not in [t.code for _, t in benefit_types(township_b)]
    with in_township(township_b):
        # B never enabled the plugin: no data, no rules, no benefit, every service refused.
        f.village()
        assert not Veteran.objects.exists() and not ServiceActivity.objects.exists()
        assert not entries().exists()
        assert not Rule.objects.filter(plugin="veterans").exists()
        check = check_eligibility(
            f.household("V01-0001"), "veteran_priority_service", by=f.person()
        )
        assert not check.eligible and check.answered_by == ""
        assert "no enabled module offers" in check.reason
        with pytest.raises(PluginError, match="not enabled in 乙镇"):
            register_veteran(
                f.household("V01-0001"), name="张三", discharged_year=2000, by=f.person()
            )
        with pytest.raises(PluginError, match="not enabled in 乙镇"):
            veteran_households()
    disable_plugin(township_a, "veterans")
    assert "veteran_priority_service" not in [t.code for _, t in benefit_types(township_a)]
    with in_township(township_a):
        assert Veteran.objects.count() == 1 and entries().count() == 1  # kept
        with pytest.raises(PluginError, match="not enabled in 甲镇"):
            record_activity(veteran, kind="visit", on=D(2026, 3, 6), by=f.person())


def test_finding_10_the_plugin_says_what_each_activity_earns():
    """Its metadata and the services' docstring said visits were records only, while
    ``VET-VISIT`` awards +1: what they say must match the rules and the services."""
    from plugins.veterans import services

    points = {rule.code: rule.points for rule in veterans.township_covenant_rules(settings={})}
    assert points == {"VET-VOLUNTEER": 2, "VET-VISIT": 1}
    assert services.RULE_FOR_KIND == {"volunteer_service": "VET-VOLUNTEER", "visit": "VET-VISIT"}
    description = veterans.township_plugin_metadata().description
    assert "volunteer service earns 2 points" in description
    assert "taking part in the station's visits 1" in description
    assert "other activities are records only" in description
    for text in (description, services.__doc__, veterans.__doc__):
        assert "visits are recorded)" not in text
        assert "visits and other activities are records only" not in text
