"""The integrity_card plugin: cards for green households, suspension by tier, logged checks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from platform_core.accounts.services import grant_role
from platform_core.actors import Actor
from platform_core.alliance.models import AllianceMember
from platform_core.alliance.services import add_member, check_eligibility
from platform_core.errors import NotAllowed
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.selectors import benefit_types
from platform_core.plugins.services import PluginError, disable_plugin, enable_plugin
from plugins.integrity_card.models import Card, CardBenefit, CardCheck
from plugins.integrity_card.selectors import card_totals, cards_of, checks_by, checks_of
from plugins.integrity_card.services import (
    check_card,
    expire_due_cards,
    issue_card,
    register_benefit,
    withdraw_benefit,
)
from tests import factories as f
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

KEY = "integrity_card"
MARCH, APRIL, MAY = dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)
NUMBER = re.compile(r"^HX-\d{3}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


def _green_march(township, in_township, *codes):
    """Village V01 (3 households); ``codes`` are green after March, the others blue."""
    with in_township(township):
        f.village()
        for code in codes:
            f.approved(code, "VO-03", dt.date(2026, 3, 2))  # 110: green
        finalise_month(MARCH, by=f.person())


def _finalise(month, django_capture_on_commit_callbacks):
    """Finalise with the after-commit hooks run (as in production)."""
    with django_capture_on_commit_callbacks(execute=True):
        finalise_month(month, by=f.person())


def _card(code: str) -> Card:
    return Card.objects.get(household__code=code, status__in=["active", "suspended"])


@pytest.fixture
def card_a(township_a, in_township):
    """Township A with the plugin, V01-0001 and -0002 green in March, inside A's schema."""
    enable_plugin(township_a, KEY)
    _green_march(township_a, in_township, "V01-0001", "V01-0002")
    with in_township(township_a):
        yield township_a


# --- issuing --------------------------------------------------------------------------


def test_green_households_get_a_random_card_and_others_are_refused(card_a):
    staff = f.person("issuer", role="grid_worker")
    card = issue_card(f.household("V01-0001"), by=staff)
    today = timezone.localdate()
    assert NUMBER.match(card.number) and card.number.startswith("HX-901-")
    assert "0001" not in card.number.split("-", 2)[2]
    assert card.status == "active" and card.issued_on == today
    assert (card.valid_until - today).days in (364, 365)  # 12 months, less a day
    assert card.issued_by_label == "issuer@test.local"
    other = issue_card(f.household("V01-0002"), by=staff)
    assert other.number != card.number
    with pytest.raises(PluginError, match=f"already holds card {card.number}"):
        issue_card(f.household("V01-0001"), by=staff)
    with pytest.raises(PluginError, match="V01-0003 is blue: cards are issued to model"):
        issue_card(f.household("V01-0003"), by=staff)
    with pytest.raises(PluginError, match="in the future"):
        issue_card(f.household("V01-0002"), by=staff, issued_on=today + dt.timedelta(1))
    with pytest.raises(NotAllowed, match="may not issue integrity cards"):
        issue_card(f.household("V01-0002"), by=f.person("nobody", role=None))
    assert list(cards_of(f.household("V01-0001"))) == [card]
    assert card_totals() == {"active": 2, "suspended": 0, "expired": 0}


def test_validity_follows_the_township_setting(township_a, in_township):
    enable_plugin(township_a, KEY, {"validity_months": 6})
    _green_march(township_a, in_township, "V01-0001")
    with in_township(township_a):
        card = issue_card(f.household("V01-0001"), by=f.person(), issued_on=dt.date(2026, 8, 31))
        assert card.valid_until == dt.date(2027, 2, 27)  # Feb 28th is six months on, minus a day


def test_eligibility_and_benefit_type_are_green_only(card_a):
    assert [(k, t.code) for k, t in benefit_types(card_a)] == [(KEY, "integrity_card")]
    clerk = f.person("clerk", role="alliance_member", alliance_member_code="S1")
    green = check_eligibility(f.household("V01-0001"), "integrity_card", by=clerk)
    blue = check_eligibility(f.household("V01-0003"), "integrity_card", by=clerk)
    assert green.eligible and green.answered_by == KEY and "鸿信卡" in green.legal_basis
    assert not blue.eligible and "green households only (tier blue)" in blue.reason


# --- suspension -----------------------------------------------------------------------


def test_card_is_suspended_when_the_household_turns_blue_or_red_and_back_when_green(
    card_a, django_capture_on_commit_callbacks
):
    shop = add_member(code="S1", name="联华超市", kind="shop", by=Actor.cli())
    clerk = f.person("shop-clerk", role="alliance_member", alliance_member_code="S1")
    blue_card = issue_card(f.household("V01-0001"), by=f.person())
    red_card = issue_card(f.household("V01-0002"), by=f.person())
    assert check_card(blue_card.number, member=shop, clerk=clerk).valid
    f.approved("V01-0001", "P7-04", dt.date(2026, 4, 3))  # 100: blue
    f.approved("V01-0002", "P7-04", dt.date(2026, 4, 3))
    f.approved("V01-0002", "P7-04", dt.date(2026, 4, 4))  # 90: red
    _finalise(APRIL, django_capture_on_commit_callbacks)
    for card, tier in ((blue_card, "blue"), (red_card, "red")):
        card.refresh_from_db()
        assert card.status == "suspended" and card.suspended_at is not None
        assert card.status_reason.startswith(f"household {tier} in 2026-04")
        answer = check_card(card.number, member=shop, clerk=clerk)
        assert not answer.valid and answer.benefits == ()
        assert answer.reason.startswith(f"card suspended since {timezone.localdate()}")
    with pytest.raises(PluginError, match="V01-0001 is blue"):
        issue_card(f.household("V01-0001"), by=f.person())
    f.approved("V01-0001", "VO-03", dt.date(2026, 5, 6))  # 110: green again
    _finalise(MAY, django_capture_on_commit_callbacks)
    blue_card.refresh_from_db()
    red_card.refresh_from_db()
    assert blue_card.status == "active" and "green again in 2026-05" in blue_card.status_reason
    assert red_card.status == "suspended"
    assert check_card(blue_card.number, member=shop, clerk=clerk).valid
    assert card_totals() == {"active": 1, "suspended": 1, "expired": 0}


def test_without_reactivation_a_new_card_replaces_the_suspended_one(
    township_a, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, KEY, {"reactivate_on_green": False})
    _green_march(township_a, in_township, "V01-0001")
    with in_township(township_a):
        old = issue_card(f.household("V01-0001"), by=f.person())
        f.approved("V01-0001", "P7-04", dt.date(2026, 4, 3))
        _finalise(APRIL, django_capture_on_commit_callbacks)
        f.approved("V01-0001", "VO-03", dt.date(2026, 5, 6))
        _finalise(MAY, django_capture_on_commit_callbacks)
        old.refresh_from_db()
        assert old.status == "suspended"
        new = issue_card(f.household("V01-0001"), by=f.person())
        old.refresh_from_db()
        assert new.status == "active" and new.number != old.number
        assert old.status == "expired" and old.status_reason == f"replaced by card {new.number}"


def test_a_missed_suspension_is_caught_at_the_check(card_a):
    """Hooks run after commit; here they never run, yet the check looks at the tier."""
    shop = add_member(code="S1", name="联华超市", kind="shop", by=Actor.cli())
    card = issue_card(f.household("V01-0001"), by=f.person())
    f.approved("V01-0001", "P7-04", dt.date(2026, 4, 3))
    f.approved("V01-0001", "P7-04", dt.date(2026, 4, 4))
    finalise_month(APRIL, by=f.person())  # on-commit hooks not executed
    answer = check_card(card.number, member=shop, clerk=f.person())
    card.refresh_from_db()
    assert not answer.valid and "household red at a card check" in answer.reason
    assert card.status == "suspended"


def test_cards_expire_by_date(card_a):
    shop = add_member(code="S1", name="联华超市", kind="shop", by=Actor.cli())
    today = timezone.localdate()
    with pytest.raises(PluginError, match="would have expired on"):
        issue_card(f.household("V01-0001"), by=f.person(), issued_on=today - dt.timedelta(400))
    old = issue_card(f.household("V01-0001"), by=f.person(), issued_on=today - dt.timedelta(20))
    Card.objects.filter(pk=old.pk).update(valid_until=today - dt.timedelta(1))  # time passes
    answer = check_card(old.number, member=shop, clerk=f.person())
    old.refresh_from_db()
    assert not answer.valid and answer.reason == f"card expired (valid until {old.valid_until})"
    assert old.status == "expired"
    renewed = issue_card(f.household("V01-0001"), by=f.person())
    assert renewed.status == "active"
    other = issue_card(f.household("V01-0002"), by=f.person(), issued_on=today - dt.timedelta(9))
    Card.objects.filter(pk=other.pk).update(valid_until=today - dt.timedelta(1))
    assert expire_due_cards() == 1 and expire_due_cards() == 0
    other.refresh_from_db()
    assert other.status == "expired" and "validity ended" in other.status_reason


# --- benefits and checks -----------------------------------------------------------


def test_members_register_benefits_and_every_check_is_logged(card_a):
    shop = add_member(code="S1", name="联华超市", kind="shop", by=Actor.cli())
    clinic = add_member(code="C1", name="镇卫生院", kind="clinic", by=Actor.cli())
    clerk = f.person("clerk", role="alliance_member", alliance_member_code="S1")
    grant_role(clerk.user, connection.tenant, "alliance_member", alliance_member_code="C1")
    discount = register_benefit(shop, kind="discount", description=" 购物九五折 ", by=clerk)
    register_benefit(shop, kind="other", description="免费送货", by=clerk)
    register_benefit(clinic, kind="free_checkup", description="每年免费体检一次", by=clerk)
    assert discount.description == "购物九五折" and discount.registered_by_label == clerk.label
    card = issue_card(f.household("V01-0001"), by=f.person())

    answer = check_card(f"  {card.number.lower()} ", member=shop, clerk=clerk)
    assert answer.valid and answer.reason.startswith(f"valid until {card.valid_until}")
    assert "V01-0001" in answer.reason
    assert [b.description for b in answer.benefits] == ["购物九五折", "免费送货"]
    assert answer.check.card == card and answer.check.number == card.number
    assert answer.check.clerk_label == "clerk@test.local" and answer.check.answer == "valid"

    withdraw_benefit(discount, by=clerk)
    assert [b.kind for b in check_card(card.number, member=shop, clerk=clerk).benefits] == ["other"]
    unknown = check_card("HX-901-AAAA-BBBB", member=clinic, clerk=clerk)
    assert not unknown.valid and unknown.reason == "unknown card number"
    assert unknown.check.card is None and unknown.check.number == "HX-901-AAAA-BBBB"
    assert CardCheck.objects.count() == 3
    assert [c.answer for c in checks_by(clinic)] == ["invalid"]
    assert checks_of(card).count() == 2

    with pytest.raises(NotAllowed, match="may not check integrity cards"):
        check_card(
            card.number,
            member=shop,
            clerk=f.person("villager", role="household", household_code="V01-0001"),
        )
    with pytest.raises(NotAllowed, match="may not register card benefits"):
        register_benefit(shop, kind="discount", description="x", by=f.person("gw", "grid_worker"))
    with pytest.raises(PluginError, match="benefit kind 'cashback'"):
        register_benefit(shop, kind="cashback", description="返现", by=clerk)
    with pytest.raises(PluginError, match="needs a description"):
        register_benefit(shop, kind="discount", description="  ", by=clerk)
    AllianceMember.objects.filter(pk=shop.pk).update(active=False)
    shop.refresh_from_db()
    with pytest.raises(PluginError, match="no longer an active alliance member"):
        check_card(card.number, member=shop, clerk=clerk)
    assert CardCheck.objects.count() == 3  # refused attempts are not checks


# --- townships ------------------------------------------------------------------------


def test_a_township_without_the_plugin_sees_no_cards_and_is_refused(
    card_a, township_b, in_township
):
    card = issue_card(f.household("V01-0001"), by=f.person())
    shop = add_member(code="S1", name="超市", kind="shop", by=Actor.cli())
    register_benefit(shop, kind="discount",
                     description="九五折", by=f.person())  # fmt: skip
    _green_march(township_b, in_township, "V01-0001")
    with in_township(township_b):
        assert not Card.objects.exists() and not CardBenefit.objects.exists()
        shop = add_member(code="S1", name="乙镇超市", kind="shop", by=Actor.cli())
        for refused in (
            lambda: issue_card(f.household("V01-0001"), by=f.person()),
            lambda: check_card(card.number, member=shop, clerk=f.person()),
            lambda: register_benefit(shop, kind="discount", description="x", by=f.person()),
            lambda: card_totals(),
        ):
            with pytest.raises(PluginError, match="integrity card is not enabled in 乙镇"):
                refused()
        answer = check_eligibility(f.household("V01-0001"), "integrity_card", by=f.person())
        assert not answer.eligible and "no enabled module offers" in answer.reason
        assert not CardCheck.objects.exists()
    assert [t.code for _, t in benefit_types(township_b)] == []

    enable_plugin(township_b, KEY)  # B's own cards: A's number is unknown there
    with in_township(township_b):
        shop = AllianceMember.objects.get(code="S1")
        answer = check_card(card.number, member=shop, clerk=f.person())
        assert not answer.valid and answer.reason == "unknown card number"
    with in_township(card_a):
        assert CardCheck.objects.count() == 0


def test_a_disabled_plugin_keeps_its_cards_and_its_hooks_stop(
    card_a, django_capture_on_commit_callbacks
):
    card = issue_card(f.household("V01-0001"), by=f.person())
    disable_plugin(card_a, KEY)
    f.approved("V01-0001", "P7-04", dt.date(2026, 4, 3))
    _finalise(APRIL, django_capture_on_commit_callbacks)
    card.refresh_from_db()
    assert card.status == "active"  # no tier hook ran
    with pytest.raises(PluginError, match="not enabled"):
        shop = add_member(code="S1", name="超市", kind="shop", by=Actor.cli())
        check_card(card.number, member=shop,
                   clerk=f.person())  # fmt: skip
    assert benefit_types(card_a) == []


def test_settings_are_validated_and_the_contract_kit_passes(township_a):
    import plugins.integrity_card.plugin

    settings = {"validity_months": 24, "reactivate_on_green": False}
    assert contract_problems(plugins.integrity_card.plugin, settings=settings) == []
    with pytest.raises(PluginError, match="settings.validity_months"):
        enable_plugin(township_a, KEY, {"validity_months": 0})
    with pytest.raises(PluginError, match="settings"):
        enable_plugin(township_a, KEY, {"colour": "gold"})
