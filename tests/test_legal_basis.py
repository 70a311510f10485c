"""Legal basis (issue 16 item 3; 国办发〔2020〕49号): every deduction rule and every
restriction names its basis; a deduction rule without one is not saved by any path; the
household's explanation and an eligibility refusal show it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.alliance.services import add_member, check_eligibility
from platform_core.plugins.types import RuleSpec
from platform_core.plugins.validation import rule_problems
from platform_core.scoring.imports import export_rules, import_rules
from platform_core.scoring.models import Rule
from platform_core.scoring.selectors import score_card
from platform_core.scoring.services import LedgerError, install_rules, save_rule
from platform_core.tabular import TableError
from tests import factories as f
from tests.api import endpoint, gql, token_for
from tests.test_admin_pages import base, township_admin, villages  # noqa: F401 (fixtures)
from tests.workbench.conftest import work

pytestmark = pytest.mark.django_db

NEW = {"title_zh": "乱停乱放", "title_en": "Bad parking", "category": "other"}


def test_save_rule_refuses_a_deduction_or_an_immediate_rule_without_basis(township_a):
    with tenant_context(township_a):
        with pytest.raises(LedgerError, match="rule X-01 deducts points: its legal basis") as no:
            save_rule(code="X-01", points=-3, by=Actor.cli(), **NEW)
        assert no.value.field == "basis"
        with pytest.raises(LedgerError, match="counts at once"):
            save_rule(code="X-02", points=3, immediate=True, by=Actor.cli(), **NEW)
        assert not Rule.objects.filter(code__startswith="X-").exists()
        rule, created = save_rule(
            code="X-01", points=-3, basis="《村规民约》第十二条", by=Actor.cli(), **NEW
        )
        assert created and rule.basis == "《村规民约》第十二条"
        # An edit cannot take the basis away, nor turn a bonus into a deduction without one.
        with pytest.raises(LedgerError, match="deducts points"):
            save_rule(code="X-01", basis=" ", by=Actor.cli())
        save_rule(code="X-03", points=2, by=Actor.cli(), **NEW)  # a bonus needs none
        with pytest.raises(LedgerError, match="rule X-03 deducts points"):
            save_rule(code="X-03", points=-2, by=Actor.cli())
        # The default deductions came with their basis (migration scoring.0006).
        assert not Rule.objects.filter(points__lt=0, basis="").exists()


def test_a_township_administrator_only(township_a):
    with tenant_context(township_a):
        grid = f.person("grid", "grid_worker")
        from platform_core.errors import NotAllowed

        with pytest.raises(NotAllowed):
            save_rule(code="X-01", points=-3, basis="b", by=grid, **NEW)


def test_import_rules_names_the_row_without_basis_and_keeps_nothing(township_a, tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text(
        "编码,名称,英文名称,类别,分值,需审核,依据,立即生效\n"
        "X-01,乱停乱放,Bad parking,其他,-3,是,《村规民约》第十二条,否\n"
        "X-02,乱贴广告,Fly-posting,其他,-2,是,,否\n"
        "X-03,见义勇为,Brave deed,其他,5,是,,是\n",
        encoding="utf-8",
    )
    with tenant_context(township_a):
        with pytest.raises(TableError) as caught:
            import_rules(path, by=Actor.cli())
        message = str(caught.value)
        assert "row 3" in message and "rule X-02 deducts points" in message
        assert "row 4" in message and "rule X-03 counts at once" in message
        assert not Rule.objects.filter(code__startswith="X-").exists()
        path.write_text(
            "编码,名称,英文名称,类别,分值,需审核,依据,立即生效\n"
            "X-01,乱停乱放,Bad parking,其他,-3,是,《村规民约》第十二条,否\n"
            "X-03,见义勇为,Brave deed,其他,5,是,《见义勇为奖励办法》,是\n",
            encoding="utf-8",
        )
        assert import_rules(path, by=Actor.cli()).created == 2
        assert Rule.objects.get(code="X-03").immediate
        out = tmp_path / "out.csv"
        export_rules(out)
        assert "《村规民约》第十二条" in out.read_text(encoding="utf-8-sig")


def test_plugins_must_declare_the_basis_of_their_deductions(township_a):
    spec = RuleSpec("PX-01", "扣分", "A deduction", "other", -2)
    assert any("needs its legal basis" in p for p in rule_problems([spec]))
    immediate = RuleSpec("PX-02", "加分", "A bonus", "other", 2, immediate=True)
    assert any("immediate rule needs" in p for p in rule_problems([immediate]))
    fine = RuleSpec("PX-03", "扣分", "A deduction", "other", -2, basis="《办法》第三条")
    assert rule_problems([fine]) == []
    with tenant_context(township_a):
        with pytest.raises(LedgerError, match="rule PX-01 deducts points"):
            install_rules([vars(spec)], plugin="px")
        assert install_rules([vars(fine)], plugin="px") == 1
        assert Rule.objects.get(code="PX-03").basis == "《办法》第三条"


def test_built_in_plugins_declare_a_basis_for_every_deduction():
    from platform_core.plugins.manager import registry

    reg = registry()
    deductions = 0
    for key in reg.plugins:
        if not reg.implements(key, "township_covenant_rules"):
            continue
        for answer in reg.call("township_covenant_rules", key, settings={}):
            assert rule_problems(answer) == [], key
            deductions += sum(spec.points < 0 for spec in answer)
    assert deductions >= 5  # garbage sorting, river crab and the petitions


def test_the_explanation_and_the_api_show_the_basis_of_each_deduction(township_a):
    with tenant_context(township_a):
        f.village()
        f.approved("V01-0001", "P7-04", timezone.localdate())
        f.approved("V01-0001", "VO-01", timezone.localdate())
        card = score_card(f.household("V01-0001"))
        lines = {line.rule_code: line for line in card.lines}
        assert "治安管理处罚法" in lines["P7-04"].basis
        grid = f.person("grid", "grid_worker", "V01")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(grid.user)
    page = client.get(work(township_a, "households/V01-0001/")).content.decode()
    assert "Basis:" in page and "治安管理处罚法" in page
    token = token_for(township_a, "head@jia.test", "household", household_code="V01-0001")
    body = gql(
        Client(),
        endpoint(township_a),
        '{ household(code: "V01-0001") { explanation { lines { ruleCode basis } } } }',
        token=token,
    )
    lines = {x["ruleCode"]: x["basis"] for x in body["data"]["household"]["explanation"]["lines"]}
    assert "治安管理处罚法" in lines["P7-04"]


def test_an_eligibility_refusal_shows_its_basis(township_a):
    from platform_core.evaluation.services import finalise_month
    from platform_core.plugins.services import enable_plugin

    enable_plugin(township_a, "restrictions")
    with tenant_context(township_a):
        f.village()
        f.approved("V01-0001", "P7-04", dt.date(2026, 3, 2))
        finalise_month(dt.date(2026, 3, 1), by=f.person())
        add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        check = check_eligibility(f.household("V01-0001"), "building_permit", by=f.person())
        assert not check.eligible and "村规民约" in check.legal_basis


@pytest.mark.usefixtures("villages")
def test_the_rule_admin_refuses_a_deduction_without_basis(request, township_a):
    client = request.getfixturevalue("township_admin")
    add = base(township_a) + "scoring/rule/add/"
    form = {
        "code": "X-09",
        "title_zh": "乱停乱放",
        "title_en": "Bad parking",
        "category": "other",
        "points": -3,
        "needs_review": "on",
        "active": "on",
        "basis": "",
    }
    refused = client.post(add, form)
    assert refused.status_code == 200 and "rule X-09 deducts points" in refused.text
    with tenant_context(township_a):
        assert not Rule.objects.filter(code="X-09").exists()
    assert client.post(add, {**form, "basis": "《村规民约》第九条"}).status_code == 302
    with tenant_context(township_a):
        assert Rule.objects.get(code="X-09").basis == "《村规民约》第九条"
