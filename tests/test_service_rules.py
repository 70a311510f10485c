"""Rules that once lived only in GraphQL mutations, now kept by the services themselves,
so the workbench, the admin and the command line get them too (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tenants.utils import schema_context

from platform_core.accounts.models import ApiToken, Membership, Role
from platform_core.accounts.services import (
    grant_membership,
    grant_role,
    issue_token,
    revoke_role,
    revoke_token,
)
from platform_core.actors import Actor
from platform_core.alliance.models import AllianceMember
from platform_core.alliance.services import add_member
from platform_core.errors import NotAllowed
from platform_core.evaluation.services import assign_area, assign_linked_households, open_round
from platform_core.households.models import Village
from platform_core.plugins.services import PluginError, enable_plugin
from platform_core.scoring.models import Rule
from platform_core.scoring.services import IncompleteRule, save_rule
from platform_core.townships.policy import Limits, set_limits
from platform_core.townships.services import (
    OnboardingError,
    configure_township_plugin,
    disable_township_plugin,
    enable_township_plugin,
    onboard_township,
    reactivate_township,
    suspend_township,
)
from platform_core.townships.statistics import refresh_many
from plugins.garbage_sorting.models import Inspection
from plugins.garbage_sorting.services import record_inspection
from tenants.models import County, PluginActivation, Township
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


# --- API tokens: township administrators, each for themselves --------------------------


def test_tokens_are_issued_by_township_administrators_for_themselves(jia, township_b):
    with schema_context("public"):
        admin = _member("boss@jia.test", jia, Role.TOWNSHIP_ADMIN)
        council = _member("council@jia.test", jia, Role.COUNCIL_MEMBER)
        elsewhere = _member("boss@yi.test", township_b, Role.TOWNSHIP_ADMIN)
        grant_role(elsewhere, jia, Role.COUNCIL_MEMBER)  # an administrator only in 乙镇
        for who, user, role in (
            (council, council, Role.COUNCIL_MEMBER),  # wrong role
            (elsewhere, elsewhere, Role.COUNCIL_MEMBER),  # another township's administrator
        ):
            with pytest.raises(NotAllowed, match="may not issue API tokens"):
                issue_token(user, jia, role, label="app", by=Actor.of(who))
        with pytest.raises(NotAllowed, match="only for themselves"):
            issue_token(council, jia, Role.COUNCIL_MEMBER, label="app", by=Actor.of(admin))
        as_council = Actor.through_token(admin, "0a1b2c3d", Role.COUNCIL_MEMBER)
        with pytest.raises(NotAllowed):
            issue_token(admin, jia, Role.TOWNSHIP_ADMIN, label="app", by=as_council)
        assert not ApiToken.objects.exists()
        own, _token = issue_token(admin, jia, Role.TOWNSHIP_ADMIN, label="app", by=Actor.of(admin))
        assert own.created_by_label == "boss@jia.test"
        # The operator of ``manage.py api_token`` issues them for anyone who holds the role.
        issue_token(council, jia, Role.COUNCIL_MEMBER, label="feed", by=Actor.cli())


def test_tokens_are_revoked_by_the_township_administrators_only(jia, township_b):
    with schema_context("public"):
        admin = _member("boss@jia.test", jia, Role.TOWNSHIP_ADMIN)
        council = _member("council@jia.test", jia, Role.COUNCIL_MEMBER)
        elsewhere = _member("boss@yi.test", township_b, Role.TOWNSHIP_ADMIN)
        record, _token = issue_token(council, jia, Role.COUNCIL_MEMBER, label="a", by=Actor.cli())
        for who in (council, elsewhere):  # wrong role; another township's administrator
            with pytest.raises(NotAllowed, match="may not revoke API tokens"):
                revoke_token(record, by=Actor.of(who))
        assert ApiToken.objects.get(pk=record.pk).revoked_at is None
        assert revoke_token(record, by=Actor.of(admin)).revoked_at is not None


# --- the county: only townships of your county ----------------------------------------


@pytest.fixture
def counties(jia, township_b):
    """甲镇 in its county, 乙镇 moved to another; an administrator of each county."""
    other = County.objects.create(code="330599", name="Other county")
    township_b.county = other
    township_b.save(update_fields=["county"])
    return {
        "ours": Actor.of(_county_admin("ours@county.test", jia.county)),
        "theirs": Actor.of(_county_admin("theirs@county.test", other)),
    }


def _county_changes(township):
    """Every county service on ``township``, each with ``by`` left to fill in."""
    return (
        lambda by: suspend_township(township, by=by),
        lambda by: reactivate_township(township, by=by),
        lambda by: enable_township_plugin(township, "petition", by=by),
        lambda by: configure_township_plugin(township, "petition", {}, by=by),
        lambda by: disable_township_plugin(township, "petition", by=by),
        lambda by: refresh_many([township], by=by),
        lambda by: set_limits(township, Limits(), by=by),
    )


def test_county_services_refuse_another_countys_administrator_and_other_roles(
    jia, counties, in_township
):
    with in_township(jia):
        township_admin = f.person(role=Role.TOWNSHIP_ADMIN)
    ours_as_township_admin = Actor.through_token(
        counties["ours"].user, "0a1b2c3d", Role.TOWNSHIP_ADMIN
    )
    for change in _county_changes(jia):
        for who in (counties["theirs"], township_admin, ours_as_township_admin):
            with pytest.raises(NotAllowed):
                change(who)
    jia.refresh_from_db()
    assert jia.status == Township.Status.ACTIVE
    assert not PluginActivation.objects.filter(township=jia, plugin="petition").exists()
    with pytest.raises(OnboardingError, match="do not administer county") as refused:
        onboard_township(code="330502999", name="外镇", by=counties["theirs"])
    assert refused.value.field == "county"
    assert not Township.objects.filter(code="330502999").exists()


def test_county_services_let_the_countys_administrator_and_the_operator_act(jia, counties):
    for by in (counties["ours"], Actor.cli()):
        for change in _county_changes(jia):
            change(by)
    jia.refresh_from_db()
    assert jia.status == Township.Status.ACTIVE
    activation = PluginActivation.objects.get(township=jia, plugin="petition")
    assert not activation.enabled


def test_county_administrators_grant_and_revoke_only_in_their_county(jia, counties, in_township):
    with schema_context("public"):
        newcomer = get_user_model().objects.create_user(username="new@jia.test")
    with pytest.raises(NotAllowed, match="may not grant roles"):
        grant_membership(jia, newcomer, Role.TOWNSHIP_ADMIN, by=counties["theirs"])
    with in_township(jia):
        council = f.person(role=Role.COUNCIL_MEMBER)
    with pytest.raises(NotAllowed):
        grant_membership(jia, newcomer, Role.TOWNSHIP_ADMIN, by=council)
    granted = grant_membership(jia, newcomer, Role.TOWNSHIP_ADMIN, by=counties["ours"])
    with pytest.raises(NotAllowed, match="may not revoke roles"):
        revoke_role(granted, by=counties["theirs"])
    revoke_role(granted, by=counties["ours"])
    assert not Membership.objects.filter(user=newcomer).exists()


def _member(email: str, township, role: str):
    user = get_user_model().objects.create_user(username=email, email=email)
    grant_role(user, township, role)
    return user


def _county_admin(email: str, county):
    user = get_user_model().objects.create_user(username=email, email=email)
    grant_role(user, None, Role.COUNTY_ADMIN, county=county)
    return user


# --- the township's own policy and plugins: its administrators only ----------------------


def test_only_the_townships_administrators_change_its_policy_and_plugins(
    jia, township_b, in_township
):
    from platform_core.townships.policy import (
        Policy,
        disable_allowed_plugin,
        enable_allowed_plugin,
        set_policy,
    )

    chosen = Policy(100, 70, "calendar_year", 15, False)
    with in_township(township_b):
        elsewhere = f.person(role=Role.TOWNSHIP_ADMIN)
    with in_township(jia):
        committee = f.person(role=Role.VILLAGE_COMMITTEE)
        admin = f.person(role=Role.TOWNSHIP_ADMIN)
        as_grid = Actor.through_token(admin.user, "0a1b2c3d", Role.GRID_WORKER)
        for who in (committee, elsewhere, as_grid):
            with pytest.raises(NotAllowed, match="change the township's policy"):
                set_policy(jia, chosen, by=who)
            with pytest.raises(NotAllowed, match="change the township's plugins"):
                enable_allowed_plugin(jia, "garbage_sorting", by=who)
        assert Township.objects.get(pk=jia.pk).red_below != 70
        assert not PluginActivation.objects.filter(
            township=jia, plugin="garbage_sorting", enabled=True
        ).exists()
        set_policy(jia, chosen, by=admin)
        enable_allowed_plugin(jia, "garbage_sorting", by=admin)
        disable_allowed_plugin(jia, "garbage_sorting", by=admin)
    assert Township.objects.get(pk=jia.pk).red_below == 70
