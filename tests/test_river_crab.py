"""The river_crab plugin: members, compliance inspections as entries, yield and profit per mu."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from platform_core.errors import NotAllowed
from platform_core.plugins.services import PluginError, disable_plugin, enable_plugin
from platform_core.scoring.models import ScoreEvent
from plugins.river_crab import plugin as river_crab
from plugins.river_crab.models import ComplianceInspection, Cooperative, Harvest, Member
from plugins.river_crab.selectors import cooperative_yields, member_yields
from plugins.river_crab.services import (
    add_member,
    create_cooperative,
    record_harvest,
    record_inspection,
)
from tests import factories as f
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

D = dt.date
ALL_PASS = {"water_quality": True, "drug_records": True, "quality_certification": True}


def _members(size: int = 3) -> list[Member]:
    """Village V01 and cooperative 鸿翔河蟹合作社 with households V01-0001.. as members."""
    village = f.village(size=size)
    admin = f.person(role="township_admin")
    coop = create_cooperative(name="鸿翔河蟹合作社", village=village, by=admin)
    return [
        add_member(
            coop, f.household(f"V01-{n:04d}"), pond_mu="20", joined_on=D(2024, 1, 1), by=admin
        )
        for n in range(1, size + 1)
    ]


def entries():
    return ScoreEvent.objects.filter(source="river_crab").order_by("pk")


def test_contract():
    assert contract_problems(river_crab, settings={}) == []
    assert (
        contract_problems(
            river_crab,
            settings={
                "review_inspections": True,
                "reward_compliance": False,
                "profit_target_per_mu": 12000,
            },
        )
        == []
    )


def test_failed_aspects_deduct_and_a_fully_compliant_day_is_rewarded(township_a, in_township):
    enable_plugin(township_a, "river_crab")
    with in_township(township_a):
        good, bad, _ = _members()
        inspector = f.person("inspector", role="grid_worker")
        record_inspection(good, inspected_on=D(2026, 3, 5), results=ALL_PASS, inspector=inspector)
        checks = record_inspection(
            bad,
            inspected_on=D(2026, 3, 5),
            results={"water_quality": False, "drug_records": False, "quality_certification": True},
            inspector=inspector,
            note="溶氧偏低；无用药台账",
        )
        got = [(e.household.code, e.rule.code, e.points, e.status) for e in entries()]
        assert got == [
            ("V01-0001", "RC-COMPLIANT", 2, "approved"),
            ("V01-0002", "RC-VIOLATION", -5, "approved"),
            ("V01-0002", "RC-VIOLATION", -5, "approved"),
        ]
        water = next(c for c in checks if c.aspect == "water_quality")
        assert "水质 failed; 溶氧偏低" in water.entry.evidence
        assert water.entry.recorded_by_label == "inspector@test.local"
        assert next(c for c in checks if c.passed).entry is None
        assert {c.entry_id for c in good.inspections.all()} == {entries()[0].pk}
        with pytest.raises(PluginError, match="already checked for 水质 on 2026-03-05"):
            record_inspection(
                bad,
                inspected_on=D(2026, 3, 5),
                results={"water_quality": True},
                inspector=inspector,
            )
        with pytest.raises(PluginError, match="aspect 'feed'"):
            record_inspection(
                good, inspected_on=D(2026, 3, 6), results={"feed": True}, inspector=inspector
            )
        with pytest.raises(PluginError, match="in the future"):
            record_inspection(
                good, inspected_on=D(2999, 1, 1), results=ALL_PASS, inspector=inspector
            )
        with pytest.raises(PluginError, match="before household V01-0001 joined"):
            record_inspection(
                good, inspected_on=D(2023, 6, 1), results=ALL_PASS, inspector=inspector
            )
        with pytest.raises(NotAllowed, match="may not record crab-farming inspections"):
            record_inspection(
                good, inspected_on=D(2026, 3, 6), results=ALL_PASS, inspector=f.person(role=None)
            )
        assert entries().count() == 3


def test_aspects_recorded_one_by_one_reward_the_day_once(township_a, in_township):
    enable_plugin(township_a, "river_crab")
    with in_township(township_a):
        member, other, _ = _members()
        inspector = f.person(role="grid_worker")
        day = D(2026, 4, 2)
        for aspect in ALL_PASS:
            record_inspection(member, inspected_on=day, results={aspect: True}, inspector=inspector)
        assert [e.rule.code for e in entries()] == ["RC-COMPLIANT"]
        assert entries()[0].external_id == f"compliant:{member.pk}:2026-04-02"
        # A failure earlier in the day means no reward once the others pass.
        record_inspection(
            other, inspected_on=day, results={"drug_records": False}, inspector=inspector
        )
        record_inspection(
            other,
            inspected_on=day,
            results={"water_quality": True, "quality_certification": True},
            inspector=inspector,
        )
        assert [e.rule.code for e in entries()] == ["RC-COMPLIANT", "RC-VIOLATION"]


def test_settings_choose_review_and_whether_compliance_is_rewarded(township_a, in_township):
    enable_plugin(
        township_a, "river_crab", {"review_inspections": True, "reward_compliance": False}
    )
    with in_township(township_a):
        good, bad, _ = _members()
        inspector = f.person(role="grid_worker")
        record_inspection(good, inspected_on=D(2026, 3, 5), results=ALL_PASS, inspector=inspector)
        [check] = record_inspection(
            bad,
            inspected_on=D(2026, 3, 5),
            results={"quality_certification": False},
            inspector=inspector,
        )
        assert [(e.rule.code, e.status) for e in entries()] == [("RC-VIOLATION", "proposed")]
        assert check.entry.status == "proposed"


def test_members_and_harvests_are_checked(township_a, in_township):
    enable_plugin(township_a, "river_crab")
    with in_township(township_a):
        member, *_ = _members()
        admin = f.person(role="township_admin")
        coop = member.cooperative
        with pytest.raises(PluginError, match="already a member of 鸿翔河蟹合作社"):
            add_member(coop, member.household, pond_mu=5, joined_on=D(2025, 1, 1), by=admin)
        with pytest.raises(PluginError, match="already registered"):
            create_cooperative(name=" 鸿翔河蟹合作社 ", by=admin)
        other = create_cooperative(name="太湖蟹业合作社", by=admin)
        with pytest.raises(PluginError, match="must be more than 0"):
            add_member(other, member.household, pond_mu="0", joined_on=D(2025, 1, 1), by=admin)
        with pytest.raises(PluginError, match="'ten' is not a number"):
            add_member(other, member.household, pond_mu="ten", joined_on=D(2025, 1, 1), by=admin)
        with pytest.raises(NotAllowed, match="may not enrol cooperative members"):
            add_member(
                other,
                member.household,
                pond_mu=5,
                joined_on=D(2025, 1, 1),
                by=f.person(role="grid_worker"),
            )
        clerk = f.person(role="grid_worker")
        record_harvest(member, year=2025, yield_jin=6000, revenue=500000, cost=280000, by=clerk)
        with pytest.raises(PluginError, match="2025 harvest of household V01-0001 .* already"):
            record_harvest(member, year=2025, yield_jin=1, revenue=1, cost=1, by=clerk)
        with pytest.raises(PluginError, match="cost .* cannot be negative"):
            record_harvest(member, year=2024, yield_jin=1, revenue=1, cost=-1, by=clerk)
        with pytest.raises(PluginError, match="year 2999 is in the future"):
            record_harvest(member, year=2999, yield_jin=1, revenue=1, cost=1, by=clerk)
        with pytest.raises(PluginError, match="before household V01-0001 joined"):
            record_harvest(member, year=2020, yield_jin=1, revenue=1, cost=1, by=clerk)


def test_yield_and_profit_per_mu_per_member_and_cooperative(township_a, in_township):
    enable_plugin(township_a, "river_crab")
    with in_township(township_a):
        first, second, _idle = _members()
        admin = f.person(role="township_admin")
        clerk = f.person(role="grid_worker")
        other = create_cooperative(name="太湖蟹业合作社", by=admin)
        third = add_member(
            other, f.household("V01-0003"), pond_mu="12.5", joined_on=D(2024, 1, 1), by=admin
        )
        # 20 mu: 6000 jin, 500,000 - 280,000 = 220,000 yuan -> 300 jin and 11,000 yuan per mu.
        record_harvest(first, year=2025, yield_jin=6000, revenue=500000, cost=280000, by=clerk)
        # 10 mu in 2025 (the pond grew later): 2000 jin, 120,000 - 70,000 = 50,000 yuan.
        record_harvest(
            second,
            year=2025,
            yield_jin=2000,
            revenue="120000",
            cost="70000",
            by=clerk,
            pond_mu="10",
        )
        record_harvest(
            third, year=2025, yield_jin="3000.5", revenue="150000", cost="40000", by=clerk
        )
        record_harvest(first, year=2024, yield_jin=5000, revenue=300000, cost=200000, by=clerk)
        rows = {
            r.member.household.code: (r.pond_mu, r.yield_per_mu, r.profit, r.profit_per_mu)
            for r in member_yields(2025)
        }
        assert rows == {
            "V01-0001": (Decimal("20"), Decimal("300.00"), Decimal("220000"), Decimal("11000.00")),
            "V01-0002": (Decimal("10"), Decimal("200.00"), Decimal("50000"), Decimal("5000.00")),
            "V01-0003": (
                Decimal("12.5"),
                Decimal("240.04"),
                Decimal("110000"),
                Decimal("8800.00"),
            ),
        }
        assert [r.reaches_target for r in member_yields(2025)] == [False, True, False]
        assert [r.member.household.code for r in member_yields(2025, other)] == ["V01-0003"]
        coops = {c.cooperative.name: c for c in cooperative_yields(2025)}
        hongxiang = coops["鸿翔河蟹合作社"]
        assert (hongxiang.members, hongxiang.pond_mu, hongxiang.profit) == (
            2,
            Decimal("30"),
            Decimal("270000"),
        )
        assert hongxiang.yield_per_mu == Decimal("266.67")  # 8000 jin / 30 mu
        assert hongxiang.profit_per_mu == Decimal("9000.00")  # weighted by area
        assert not hongxiang.reaches_target
        assert coops["太湖蟹业合作社"].profit_per_mu == Decimal("8800.00")
        assert [c.profit_per_mu for c in cooperative_yields(2024)] == [Decimal("5000.00")]
    enable_plugin(township_a, "river_crab", {"profit_target_per_mu": 8000})
    with in_township(township_a):
        assert [c.reaches_target for c in cooperative_yields(2025)] == [True, True]


def test_other_townships_see_nothing_and_without_the_plugin_work_is_refused(
    township_a, township_b, in_township
):
    enable_plugin(township_a, "river_crab")
    with in_township(township_a):
        member, *_ = _members()
        record_inspection(
            member, inspected_on=D(2026, 3, 5), results=ALL_PASS, inspector=f.person()
        )
        record_harvest(member, year=2025, yield_jin=1, revenue=2, cost=1, by=f.person())
    with in_township(township_b):
        # B never enabled the plugin: no data, no rules, every service and read refused.
        assert not Cooperative.objects.exists() and not Member.objects.exists()
        assert not ComplianceInspection.objects.exists() and not Harvest.objects.exists()
        assert not entries().exists()
        from platform_core.scoring.models import Rule

        assert not Rule.objects.filter(plugin="river_crab").exists()
        with pytest.raises(PluginError, match="not enabled in 乙镇"):
            create_cooperative(name="乙镇蟹业", by=f.person(role="township_admin"))
        with pytest.raises(PluginError, match="not enabled in 乙镇"):
            member_yields(2025)
        with pytest.raises(PluginError, match="not enabled in 乙镇"):
            cooperative_yields(2025)
    disable_plugin(township_a, "river_crab")
    with in_township(township_a):
        assert ComplianceInspection.objects.count() == 3  # kept
        with pytest.raises(PluginError, match="not enabled in 甲镇"):
            record_inspection(
                member, inspected_on=D(2026, 3, 6), results=ALL_PASS, inspector=f.person()
            )
