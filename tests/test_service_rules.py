"""Rules that once lived only in GraphQL mutations, now kept by the services themselves,
so the workbench, the admin and the command line get them too (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.alliance.models import AllianceMember
from platform_core.alliance.services import add_member
from platform_core.errors import NotAllowed
from platform_core.evaluation.services import assign_area, assign_linked_households, open_round
from platform_core.households.models import Village
from platform_core.plugins.services import PluginError, enable_plugin
from platform_core.scoring.models import Rule
from platform_core.scoring.services import IncompleteRule, save_rule
from plugins.garbage_sorting.models import Inspection
from plugins.garbage_sorting.services import record_inspection
from tests import factories as f

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
NEW_RULE = {
    "title_zh": "扶贫帮困",
    "title_en": "Helping the poor",
    "category": "mutual_aid",
    "points": 2,
}


@pytest.fixture
def jia(township_a, in_township):
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
    return township_a


# --- the covenant: township administrators edit it; a new rule is complete -----------


def test_only_township_administrators_save_rules(jia, in_township):
    with in_township(jia):
        for who in (f.person(role=Role.COUNCIL_MEMBER), f.person(role=Role.VILLAGE_COMMITTEE)):
            with pytest.raises(NotAllowed, match="may not edit covenant rules"):
                save_rule(code="X-01", by=who, **NEW_RULE)
        assert not Rule.objects.filter(code="X-01").exists()
        rule, created = save_rule(code="X-01", by=f.person(role=Role.TOWNSHIP_ADMIN), **NEW_RULE)
        assert created and rule.points == 2
        _rule, created = save_rule(code="X-01", by=Actor.cli(), points=3)  # an operator
        assert not created and Rule.objects.get(code="X-01").points == 3


def test_a_token_of_another_role_does_not_save_rules(jia, in_township):
    with in_township(jia):
        admin = f.person(role=Role.TOWNSHIP_ADMIN)
        as_council = Actor.through_token(admin.user, "0a1b2c3d", Role.COUNCIL_MEMBER)
        with pytest.raises(NotAllowed):
            save_rule(code="X-02", by=as_council, **NEW_RULE)


def test_an_administrator_of_another_township_does_not_save_rules(jia, township_b, in_township):
    with in_township(township_b):
        elsewhere = f.person(role=Role.TOWNSHIP_ADMIN)
    with in_township(jia), pytest.raises(NotAllowed):
        save_rule(code="X-03", by=elsewhere, **NEW_RULE)


def test_a_new_rule_needs_its_titles_category_and_points(jia, in_township):
    with in_township(jia):
        admin = f.person(role=Role.TOWNSHIP_ADMIN)
        with pytest.raises(IncompleteRule, match="needs title_en, points") as refused:
            save_rule(code="X-04", by=admin, title_zh="新规", category="mutual_aid")
        assert refused.value.field == "title_en"
        assert not Rule.objects.filter(code="X-04").exists()


# --- evaluation rounds: organised by the village's administrative staff -------------


def test_rounds_are_opened_and_assigned_by_the_villages_staff_only(jia, in_township):
    with in_township(jia):
        village = Village.objects.get(code="V01")
        party = f.person(role=Role.PARTY_MEMBER, village_code="V01")
        leader = f.person(role=Role.GROUP_LEADER, village_code="V01")
        outsiders = (
            f.person(role=Role.GRID_WORKER),  # wrong role
            f.person(role=Role.VILLAGE_COMMITTEE, village_code="V02"),  # another village
        )
        for who in outsiders:
            with pytest.raises(NotAllowed, match="may not organise evaluations"):
                open_round(village, MARCH, by=who)
        organiser = f.person(role=Role.VILLAGE_COMMITTEE, village_code="V01")
        round_ = open_round(village, MARCH, by=organiser)
        households = list(village.households.all())
        for who in outsiders:
            with pytest.raises(NotAllowed):
                assign_linked_households(round_, party.user, households, by=who)
            with pytest.raises(NotAllowed):
                assign_area(round_, leader.user, village.grids.get(), by=who)
        assert assign_linked_households(round_, party.user, households, by=organiser) == 3
        assert assign_area(round_, leader.user, village.grids.get(), by=organiser) == 3


# --- the alliance: township administrators add institutions ---------------------------


def test_only_township_administrators_add_alliance_members(jia, in_township):
    with in_township(jia):
        for who in (f.person(role=Role.COUNCIL_MEMBER), f.person(role=Role.GRID_WORKER)):
            with pytest.raises(NotAllowed, match="may not add alliance members"):
                add_member(code="B1", name="农商银行", kind="bank", by=who)
        assert not AllianceMember.objects.exists()
        admin = f.person(role=Role.TOWNSHIP_ADMIN)
        assert add_member(code="B1", name="农商银行", kind="bank", by=admin).code == "B1"


# --- garbage sorting: staff of the village, never a future date, entry or not ---------


def test_garbage_inspections_need_village_staff_and_a_past_date(jia, in_township):
    enable_plugin(jia, "garbage_sorting", {"record_correct": False})  # no entry follows
    with in_township(jia):
        household = f.household("V01-0001")
        today = timezone.localdate()
        refused = (
            f.person(role=Role.HOUSEHOLD, household_code="V01-0001"),
            f.person(role=Role.GRID_WORKER, village_code="V02"),
        )
        for who in refused:
            with pytest.raises(NotAllowed, match="may not record inspections"):
                record_inspection(household, inspected_on=today, result="correct", inspector=who)
        inspector = f.person(role=Role.GRID_WORKER, village_code="V01")
        tomorrow = today + dt.timedelta(days=1)
        with pytest.raises(PluginError, match="is in the future") as future:
            record_inspection(
                household, inspected_on=tomorrow, result="correct", inspector=inspector
            )
        assert future.value.field == "inspected_on"
        assert not Inspection.objects.exists()
        record_inspection(household, inspected_on=today, result="correct", inspector=inspector)
        assert Inspection.objects.count() == 1
