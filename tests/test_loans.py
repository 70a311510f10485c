"""The loans plugin (鸿信贷): tier limits, the bank's decision, drawdowns, the freeze on red."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from platform_core.actors import Actor
from platform_core.alliance.models import EligibilityCheck
from platform_core.alliance.services import add_member, check_eligibility, grant_consent
from platform_core.errors import NotAllowed
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.manager import hooks_for
from platform_core.plugins.selectors import benefit_types
from platform_core.plugins.services import PluginError, enable_plugin
from plugins.loans import plugin as loans
from plugins.loans.models import CreditLine, Drawdown, LoanApplication, LoanProduct
from plugins.loans.selectors import (
    lines_of,
    totals_per_bank,
    totals_per_township,
    township_totals,
)
from plugins.loans.services import add_product, apply, decide, draw
from tests import factories as f
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

D = dt.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)


def _bank(code="B1", name="湖州农商银行"):
    return add_member(code=code, name=name, kind="bank", by=Actor.cli())


def _product(bank, admin, name="鸿信贷", green=200000, blue=50000):
    return add_product(
        bank, name=name, limit_green=green, limit_blue=blue, annual_rate="4.35", by=admin
    )


def _finalise(period, capture):
    with capture(execute=True):
        finalise_month(period, by=f.person())


def _line(household, product, amount, clerk, limit=None):
    """Apply (by a grid worker) and have the bank approve: the new credit line."""
    application = apply(household, product, amount, by=f.person(role="grid_worker"))
    decide(application, approve=True, by=clerk, limit=limit)
    return CreditLine.objects.get(application=application)


def test_apply_within_the_tier_limit_and_the_bank_approves_on_a_logged_check(
    township_a, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        f.village()
        f.approved("V01-0001", "VO-03", D(2026, 3, 2))  # 110: green; V01-0002 stays blue
        _finalise(MARCH, django_capture_on_commit_callbacks)
        bank, clerk = (
            _bank(),
            f.person("bank-clerk", role="alliance_member", alliance_member_code="B1"),
        )
        product = _product(bank, f.person())
        assert product.collateral_free and product.annual_rate == Decimal("4.35")
        green, blue = f.household("V01-0001"), f.household("V01-0002")
        worker = f.person(role="grid_worker")

        with pytest.raises(PluginError, match="above the 50000.00 yuan .* gives a blue household"):
            apply(blue, product, 60000, by=worker)
        with pytest.raises(PluginError, match="must be more than 0"):
            apply(green, product, -5, by=worker)
        application = apply(green, product, "150000", by=worker)
        assert (application.status, application.tier_at_application) == ("applied", "green")
        with pytest.raises(PluginError, match="awaiting the bank's decision"):
            apply(green, product, 1000, by=worker)
        with pytest.raises(NotAllowed, match="may not decide loan applications"):
            decide(application, approve=True, by=f.person(role="council_member"))
        with pytest.raises(PluginError, match="above the 150000.00 yuan requested"):
            decide(application, approve=True, by=clerk, limit=160000)

        decide(application, approve=True, by=clerk, reason="good standing", limit=100000)
        application.refresh_from_db()
        assert application.status == "approved" and application.decided_by_label == clerk.label
        check = application.eligibility_check
        assert (check.member, check.answered_by, check.tier) == (bank, "loans", "green")
        assert check.eligible and "200000" in check.reason and "鸿信贷" in check.legal_basis
        with pytest.raises(PluginError, match="already approved by bank-clerk"):
            decide(application, approve=False, by=clerk, reason="changed mind")
        with pytest.raises(PluginError, match="already has a credit line"):
            apply(green, product, 1000, by=worker)

        line = application.credit_line
        assert (line.limit, line.drawn, line.frozen) == (Decimal("100000"), 0, False)
        draw(line, 30000, by=clerk)
        draw(line, "20000.50", by=clerk)
        with pytest.raises(PluginError, match="above the 49999.50 yuan not yet drawn"):
            draw(line, 50000, by=clerk)
        with pytest.raises(NotAllowed):
            draw(line, 10, by=worker)
        [row] = lines_of(green)
        assert (row.drawn, row.undrawn_amount) == (Decimal("50000.50"), Decimal("49999.50"))
        assert [d.amount for d in Drawdown.objects.filter(line=line)] == [30000, Decimal("20000.5")]


def test_red_households_get_no_loan_and_a_rejection_needs_a_reason(
    township_a, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        f.village()
        bank, clerk = _bank(), f.person(role="alliance_member", alliance_member_code="B1")
        product = _product(bank, f.person())
        household = f.household("V01-0001")
        # Never evaluated: its live tier (blue, 100) lets it apply.
        application = apply(household, product, 40000, by=f.person(role="grid_worker"))
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))  # 90: red
        _finalise(MARCH, django_capture_on_commit_callbacks)

        # Without the household's consent for the bank, the clerk learns no reason (PIPL).
        with pytest.raises(PluginError, match="only yes or no is answered") as narrowed:
            decide(application, approve=True, by=clerk)
        assert "红码" not in str(narrowed.value)
        refused = EligibilityCheck.objects.get(household=household)  # logged all the same
        assert not refused.eligible and refused.member == bank and refused.legal_basis
        grant_consent(household, bank, scope="standing", channel="paper", by=f.person())
        with pytest.raises(PluginError, match="may not have an integrity loan: 红码"):
            decide(application, approve=True, by=clerk)
        with pytest.raises(PluginError, match="a rejection needs a reason"):
            decide(application, approve=False, by=clerk)
        decide(application, approve=False, by=clerk, reason="household is red (待提升户)")
        application.refresh_from_db()
        assert application.status == "rejected" and not CreditLine.objects.exists()
        assert EligibilityCheck.objects.filter(household=household).count() == 3
        with pytest.raises(PluginError, match="household to improve \\(red\\): integrity loans"):
            apply(household, product, 1000, by=f.person(role="grid_worker"))


def test_undrawn_credit_is_frozen_when_red_and_unfrozen_on_recovery(
    township_a, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        f.village()
        bank, clerk = _bank(), f.person(role="alliance_member", alliance_member_code="B1")
        product = _product(bank, f.person())
        falling, used_up, steady = (f.household(f"V01-000{n}") for n in (1, 2, 3))
        line = _line(falling, product, 40000, clerk)
        draw(line, 10000, by=clerk)
        full = _line(used_up, product, 20000, clerk)
        draw(full, 20000, by=clerk)
        other = _line(steady, product, 30000, clerk)

        # Month 1: two households turn red; the third stays blue.
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))
        f.approved("V01-0002", "P7-04", D(2026, 3, 2))
        _finalise(MARCH, django_capture_on_commit_callbacks)
        line.refresh_from_db(), full.refresh_from_db(), other.refresh_from_db()
        assert line.frozen and line.frozen_reason == "red_tier" and "2026-03" in line.frozen_note
        assert not full.frozen  # nothing left undrawn to freeze
        assert not other.frozen
        with pytest.raises(PluginError, match="is red: its undrawn credit is frozen"):
            draw(line, 100, by=clerk)
        draw(other, 100, by=clerk)
        assert township_totals().frozen_undrawn == Decimal("30000")
        # A freeze the hook missed is made up at the drawdown, then refused.
        CreditLine.objects.filter(pk=line.pk).update(frozen=False, frozen_reason="", frozen_at=None)
        with pytest.raises(PluginError, match="is red"):
            draw(line, 100, by=clerk)
        line.refresh_from_db()
        assert line.frozen and line.frozen_reason == "red_tier"

        # Month 2: the first household recovers (90 + 20 = 110, green).
        f.approved("V01-0001", "VO-03", D(2026, 4, 2), points=20)
        _finalise(APRIL, django_capture_on_commit_callbacks)
        line.refresh_from_db()
        assert not line.frozen and line.frozen_at is None and line.frozen_reason == ""
        draw(line, 30000, by=clerk)
        line.refresh_from_db()
        assert (line.drawn, line.undrawn) == (Decimal("40000"), 0)
        assert township_totals().frozen_undrawn == 0


def test_a_township_may_keep_lines_open_for_red_households(
    township_a, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "loans", {"freeze_on_red": False, "legal_basis": "《甲镇贷款细则》"})
    with in_township(township_a):
        f.village()
        clerk = f.person(role="alliance_member", alliance_member_code="B1")
        line = _line(f.household("V01-0001"), _product(_bank(), f.person()), 40000, clerk)
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))
        _finalise(MARCH, django_capture_on_commit_callbacks)
        line.refresh_from_db()
        assert not line.frozen
        draw(line, 5000, by=clerk)
        answer = check_eligibility(f.household("V01-0001"), loans.BENEFIT, by=clerk)
        assert not answer.eligible and answer.legal_basis == "《甲镇贷款细则》"
    with pytest.raises(PluginError, match="settings.freeze_on_red"):
        enable_plugin(township_a, "loans", {"freeze_on_red": "yes"})


def test_products_belong_to_active_banks_and_limits_drive_eligibility(township_a, in_township):
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        f.village()
        admin, clerk = f.person(), f.person(role="alliance_member", alliance_member_code="B1")
        household = f.household("V01-0001")  # blue, never evaluated
        answer = check_eligibility(household, loans.BENEFIT, by=clerk)
        assert not answer.eligible and "no active product" in answer.reason
        shop = add_member(code="S1", name="村超市", kind="shop", by=Actor.cli())
        with pytest.raises(PluginError, match="not an active bank"):
            _product(shop, admin)
        with pytest.raises(NotAllowed, match="may not manage loan products"):
            _product(_bank(), f.person(role="grid_worker"))
        with pytest.raises(PluginError, match="annual rate must be 0 or more"):
            add_product(_bank(), name="x", limit_green=1, limit_blue=1, annual_rate=-1, by=admin)
        _product(_bank(), admin, blue=30000)
        _product(_bank("B2", "建设银行"), admin, name="诚信快贷", blue=80000)
        with pytest.raises(PluginError, match="already offers a product named"):
            _product(_bank(), admin)
        answer = check_eligibility(household, loans.BENEFIT, by=clerk)
        assert answer.eligible and "80000" in answer.reason
        LoanProduct.objects.filter(name="诚信快贷").update(active=False)
        assert "30000" in check_eligibility(household, loans.BENEFIT, by=clerk).reason
    [(key, benefit)] = benefit_types(township_a)
    assert (key, benefit.code, benefit.title_zh) == (
        "loans",
        "integrity_loan",
        "鸿信贷（诚信贷款）",
    )


def test_totals_granted_per_bank_and_per_township(township_a, township_b, in_township):
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        f.village()
        admin, clerk = f.person(), f.person(role="alliance_member", alliance_member_code="B1")
        first, second = _bank(), _bank("B2", "建设银行")
        _bank("B3", "无产品银行")  # offers nothing: not listed
        product1, product2 = _product(first, admin), _product(second, admin)
        draw(_line(f.household("V01-0001"), product1, 40000, clerk), 15000, by=clerk)
        _line(f.household("V01-0002"), product1, 10000, clerk)
        clerk2 = f.person(role="alliance_member", alliance_member_code="B2")
        _line(f.household("V01-0003"), product2, 25000, clerk2, limit=20000)
        rejected = apply(f.household("V01-0001"), product2, 5000, by=admin)
        with pytest.raises(NotAllowed, match="may not decide loan applications"):
            decide(rejected, approve=False, by=clerk, reason="another bank's clerk")
        decide(rejected, approve=False, by=clerk2, reason="income too low")
        by_bank = {row.bank.code: row.totals for row in totals_per_bank()}
        assert list(by_bank) == ["B1", "B2"]
        assert (by_bank["B1"].lines, by_bank["B1"].granted, by_bank["B1"].drawn) == (
            2,
            Decimal("50000"),
            Decimal("15000"),
        )
        assert by_bank["B1"].undrawn == Decimal("35000")
        assert (by_bank["B2"].lines, by_bank["B2"].granted) == (1, Decimal("20000"))
        totals = township_totals()
        assert (totals.lines, totals.granted, totals.undrawn) == (3, 70000, 55000)
        assert LoanApplication.objects.filter(status="rejected").count() == 1
    [(township, totals)] = totals_per_township([township_a, township_b])
    assert township == township_a and totals.granted == Decimal("70000")
    out = _command_lines(township_a)
    assert out[0]["bank"] == "B1" and out[0]["granted"] == "50000.00"
    assert out[-1] == {
        "township": township_a.code,
        "lines": 3,
        "granted": "70000.00",
        "drawn": "15000.00",
        "undrawn": "55000.00",
        "frozen_undrawn": "0.00",
    }


def _command_lines(township) -> list[dict]:
    from io import StringIO

    out = StringIO()
    call_command("loan_totals", township=township.code, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_township_without_the_plugin_sees_no_data_and_no_hooks(
    township_a, township_b, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        f.village()
        clerk = f.person(role="alliance_member", alliance_member_code="B1")
        _line(f.household("V01-0001"), _product(_bank(), f.person()), 40000, clerk)
    assert "loans" not in hooks_for(township_b).enabled
    assert "loans" not in hooks_for(township_b).implementers("township_tier_changes")
    assert benefit_types(township_b) == []
    with in_township(township_b):
        f.village()
        bank, admin = _bank(), f.person()
        assert not LoanProduct.objects.exists() and not CreditLine.objects.exists()
        assert not LoanApplication.objects.exists()
        with pytest.raises(PluginError, match="integrity loans are not enabled in 乙镇"):
            _product(bank, admin)
        with pytest.raises(PluginError, match="not enabled"):
            totals_per_bank()
        answer = check_eligibility(f.household("V01-0001"), loans.BENEFIT, by=admin)
        assert not answer.eligible and "no enabled module offers" in answer.reason
        f.approved("V01-0001", "P7-04", D(2026, 3, 2))
        _finalise(MARCH, django_capture_on_commit_callbacks)  # no loan hook runs here
    with pytest.raises(CommandError, match="not enabled"):
        _command_lines(township_b)
    with in_township(township_a):
        assert CreditLine.objects.get().frozen is False  # B's red household is not A's


def test_loans_pass_the_contract_kit():
    assert contract_problems(loans, settings={"freeze_on_red": True}) == []
    assert contract_problems(loans, settings={"freeze_on_red": 1}) != []
