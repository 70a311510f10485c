"""Plugins' workbench screens: mounted through the hook, gated by the platform, and the
built-in plugins' queues (loans, card checks, cases) with their permission matrix."""

from __future__ import annotations

import datetime as dt
import importlib
from importlib.metadata import EntryPoint

import pytest
from django.http import HttpResponse
from django.urls import clear_url_caches, path
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.alliance.models import EligibilityCheck
from platform_core.alliance.services import add_member
from platform_core.plugins import manager
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from tests.workbench.conftest import work
from township_integrity import PluginMetadata, WorkbenchScreen, hookimpl
from township_integrity.testing import contract_problems


def key(page, prefix: str = "") -> str:
    """The form's one-time key ("" when the page shows no such form: a forged POST)."""
    name = f"{prefix}-submission" if prefix else "submission"
    parts = page.content.decode().split(f'name="{name}" value="')
    return parts[1].split('"')[0] if len(parts) > 1 else ""


def field(page, name: str) -> str:
    return page.content.decode().split(f'data-field="{name}"')[1].split('data-field="')[0]


# --- a third party's plugin, mounted through the hook ---------------------------------------


def queue_view(request):
    return HttpResponse(f"queue for {request.viewer.user.email}")


def item_view(request, n: int):
    return HttpResponse(f"item {n}")


class ScreenSample:
    """A plugin with one good screen and one the platform leaves out."""

    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_screens", "示例队列", "Sample queue", "1.0", ">=0.3")

    @hookimpl
    def township_workbench_screens(self):
        return [
            WorkbenchScreen(
                key="queue",
                title_zh="示例队列",
                title_en="Sample queue",
                roles=("council_member",),
                view=queue_view,
                urls=(path("<int:n>/", item_view, name="item"),),
                waiting=lambda viewer: 7,
                waiting_zh="示例待办",
                waiting_en="Sample things waiting",
            ),
            WorkbenchScreen("Bad Key", "坏", "Bad", ("nobody",), view=None),
        ]


class GoodSample(ScreenSample):
    """The same plugin with its good screen only."""

    @hookimpl
    def township_workbench_screens(self):
        return ScreenSample.township_workbench_screens(self)[:1]


class NotInstalled(GoodSample):
    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_absent", "未安装", "Not installed", "1.0", ">=0.3")


screen_sample = ScreenSample()


def remount() -> None:
    """Build the workbench's URLs again from the loaded plugins (as a restart would)."""
    import platform_core.urls_tenant
    import platform_core.workbench.urls

    importlib.reload(platform_core.workbench.urls)
    importlib.reload(platform_core.urls_tenant)
    clear_url_caches()


@pytest.fixture
def sample_screens(monkeypatch):
    real = manager.entry_points
    fake = EntryPoint(
        name="sample_screens",
        value="tests.workbench.test_plugin_screens:screen_sample",
        group=manager.ENTRY_POINT_GROUP,
    )

    def with_sample(group):
        found = list(real(group=group))
        return [*found, fake] if group == manager.ENTRY_POINT_GROUP else found

    monkeypatch.setattr(manager, "entry_points", with_sample)
    manager.reload()
    remount()
    yield screen_sample
    monkeypatch.undo()
    manager.reload()
    remount()


def test_a_plugin_screen_is_mounted_gated_and_offered_in_the_menu(
    world, township_b, sample_screens, signed_in, caplog
):
    with tenant_context(world):
        council = f.person("council", "council_member")
        grid = f.person("grid", "grid_worker", "V01")
    with tenant_context(township_b):
        council_b = f.person("council-b", "council_member")
    address = "x/sample_screens/queue/"
    assert signed_in(council).get(work(world, address)).status_code == 404  # not enabled
    enable_plugin(world, "sample_screens")
    reply = signed_in(council).get(work(world, address))
    assert reply.status_code == 200 and b"queue for council@test.local" in reply.content
    assert signed_in(council).get(work(world, address + "12/")).content == b"item 12"
    assert signed_in(grid).get(work(world, address)).status_code == 403  # not its role
    assert signed_in(grid).get(work(world, address + "12/")).status_code == 403
    assert signed_in(council_b).get(work(township_b, address)).status_code == 404  # not there
    assert signed_in(council).get(work(township_b, address)).status_code == 403  # no role there
    home = signed_in(council).get(work(world)).content.decode()
    line = home.split('data-waiting="sample_screens:queue"')[1].split("</li>")[0]
    assert "Sample things waiting" in line and ">7</span>" in line
    assert "sample_screens" not in signed_in(grid).get(work(world)).content.decode()
    assert "workbench screen left out" in caplog.text and "Bad Key" in caplog.text


def test_the_contract_kit_opens_the_screens(world, township_b, sample_screens):
    enable_plugin(world, "sample_screens")
    problems = contract_problems(ScreenSample(), township=world, elsewhere=township_b)
    assert problems == [
        "township_workbench_screens: screen key 'Bad Key' is not lower-case letters, digits and _",
        "township_workbench_screens: screen Bad Key: roles ('nobody',) must name known roles",
        "township_workbench_screens: screen Bad Key: view is not callable",
    ]
    assert contract_problems(GoodSample()) == []  # without townships: the screens' form only
    assert contract_problems(GoodSample(), township=world, elsewhere=township_b) == []
    assert contract_problems(NotInstalled(), township=world) == [
        "screen queue is not mounted: is the plugin installed as sample_absent?"
    ]


def test_the_built_in_plugins_pass_the_kit_in_townships(world, township_b):
    import plugins.integrity_card.plugin
    import plugins.loans.plugin
    import plugins.petition.plugin

    for plugin, key in (
        (plugins.loans.plugin, "loans"),
        (plugins.integrity_card.plugin, "integrity_card"),
        (plugins.petition.plugin, "petition"),
    ):
        enable_plugin(world, key)
        assert contract_problems(plugin, township=world, elsewhere=township_b) == [], key


# --- loans: the bank clerk's queue -----------------------------------------------------------


@pytest.fixture
def banks(world):
    """Loans on; banks B1 and B2, a clerk each; a grid worker filed V01-0002's application."""
    from plugins.loans.services import add_product, apply

    enable_plugin(world, "loans")
    with tenant_context(world):
        f.approved("V01-0002", "VO-03", timezone.localdate())  # 110: green
        admin = f.person("admin", "township_admin")
        b1, b2 = (add_member(code=c, name=c, kind="bank", by=Actor.cli()) for c in ("B1", "B2"))
        product = add_product(
            b1, name="鸿信贷", limit_green=200000, limit_blue=50000, annual_rate="4.35", by=admin
        )
        add_product(b2, name="B2贷", limit_green=100000, limit_blue=0, annual_rate="4.0", by=admin)
        grid = f.person("grid", "grid_worker", "V01")
        application = apply(f.household("V01-0002"), product, 30000, by=grid)
        clerk = f.person("clerk-b1", "alliance_member", alliance_member_code="B1")
        other = f.person("clerk-b2", "alliance_member", alliance_member_code="B2")
    return {"clerk": clerk, "other": other, "grid": grid, "admin": admin, "app": application}


def decide_url(world, application) -> str:
    return work(world, f"x/loans/applications/{application.pk}/")


def test_a_bank_clerk_approves_an_application_of_their_bank_once(world, banks, signed_in):
    from plugins.loans.models import CreditLine, LoanApplication

    client = signed_in(banks["clerk"])
    home = client.get(work(world)).content.decode()
    assert ">1</span>" in home.split('data-waiting="loans:applications"')[1].split("</li>")[0]
    listing = client.get(work(world, "x/loans/applications/"))
    assert f'data-application="{banks["app"].pk}"' in listing.content.decode()
    page = client.get(decide_url(world, banks["app"]))
    assert page.status_code == 200
    data = {"submission": key(page), "decision": "approve", "limit": "20000", "reason": ""}
    assert client.post(decide_url(world, banks["app"]), data).status_code == 302
    assert client.post(decide_url(world, banks["app"]), data).status_code == 302  # twice
    with tenant_context(world):
        application = LoanApplication.objects.get(pk=banks["app"].pk)
        assert application.status == "approved"
        assert application.decided_by_id == banks["clerk"].user.pk
        assert CreditLine.objects.get(application=application).limit == 20000
        assert EligibilityCheck.objects.filter(member__code="B1").count() == 1
    listing = client.get(work(world, "x/loans/applications/")).content.decode()
    assert "data-application=" not in listing and "data-decided=" in listing


def test_another_bank_the_filer_and_other_roles_cannot_decide(world, township_b, banks, signed_in):
    from plugins.loans.models import LoanProduct
    from plugins.loans.services import apply

    url = decide_url(world, banks["app"])
    other = signed_in(banks["other"])
    assert (
        "data-application=" not in other.get(work(world, "x/loans/applications/")).content.decode()
    )
    assert other.get(url).status_code == 404  # another bank's application
    assert other.post(url, {"decision": "approve"}).status_code == 404
    assert signed_in(banks["grid"]).get(url).status_code == 403  # not a bank role
    with tenant_context(world):
        home = f.person("home", "household", "V01", household_code="V01-0002")
        b2_product = LoanProduct.objects.get(bank__code="B2")
        own = apply(f.household("V01-0002"), b2_product, 1000, by=banks["other"])
    assert signed_in(home).get(work(world, "x/loans/applications/")).status_code == 403
    listing = other.get(work(world, "x/loans/applications/")).content.decode()
    assert (
        f'data-application="{own.pk}"' not in listing
    )  # filed by this clerk: not theirs to decide
    page = other.get(decide_url(world, own))
    refused = other.post(
        decide_url(world, own), {"submission": key(page), "decision": "approve", "reason": ""}
    )
    assert refused.status_code == 400
    assert "cannot decide it" in refused.content.decode()
    # The township administrator decides for every bank.
    assert signed_in(banks["admin"]).get(url).status_code == 200
    # Another township (loans on there too): the same id is nobody's there.
    enable_plugin(township_b, "loans")
    with tenant_context(township_b):
        clerk_b = f.person("clerk-b1-b", "alliance_member", alliance_member_code="B1")
    assert signed_in(clerk_b).get(work(township_b, url.split("/work/")[1])).status_code == 404


def test_a_decision_refused_at_its_fields_keeps_the_check_logged(world, banks, signed_in):
    from plugins.loans.models import LoanApplication

    client = signed_in(banks["clerk"])
    url = decide_url(world, banks["app"])
    page = client.get(url)
    no_reason = client.post(url, {"submission": key(page), "decision": "reject", "reason": " "})
    assert no_reason.status_code == 400
    assert "A declined application needs a reason." in field(no_reason, "reason")
    too_much = client.post(
        url, {"submission": key(page), "decision": "approve", "limit": "90000", "reason": ""}
    )
    assert too_much.status_code == 400
    assert "above the 30000.00 yuan requested" in field(too_much, "limit")
    not_a_number = client.post(url, {"submission": key(page), "decision": "approve", "limit": "x"})
    assert "Enter a number." in field(not_a_number, "limit")
    with tenant_context(world):
        assert LoanApplication.objects.get().status == "applied"
        # The refused approval was taken on a fresh eligibility check, which stays logged.
        assert EligibilityCheck.objects.filter(member__code="B1").count() == 1
    declined = client.post(
        url, {"submission": key(page), "decision": "reject", "reason": "income not shown"}
    )
    assert declined.status_code == 302
    with tenant_context(world):
        assert LoanApplication.objects.get().decision_reason == "income not shown"


# --- integrity cards: the clerk's checks -----------------------------------------------------


@pytest.fixture
def cards(world):
    from plugins.integrity_card.services import issue_card, register_benefit

    enable_plugin(world, "integrity_card")
    with tenant_context(world):
        f.approved("V01-0002", "VO-03", timezone.localdate())  # green
        admin = f.person("admin", "township_admin")
        b1 = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        add_member(code="S2", name="超市", kind="shop", by=Actor.cli())
        register_benefit(b1, kind="discount", description="利率优惠0.5%", by=admin)
        card = issue_card(f.household("V01-0002"), by=admin)
        clerk = f.person("clerk-b1", "alliance_member", alliance_member_code="B1")
        shop = f.person("clerk-s2", "alliance_member", alliance_member_code="S2")
    return {"card": card, "clerk": clerk, "shop": shop}


def test_a_clerk_checks_a_card_for_their_institution_and_sees_its_benefits(world, cards, signed_in):
    from plugins.integrity_card.models import CardCheck

    client = signed_in(cards["clerk"])
    url = work(world, "x/integrity_card/checks/")
    page = client.get(url)
    assert page.status_code == 200
    data = {"submission": key(page), "number": cards["card"].number.lower(), "institution": "B1"}
    reply = client.post(url, data)
    assert reply.status_code == 302
    client.post(url, data)  # a double submit logs nothing twice
    answer = client.get(reply["Location"]).content.decode()
    assert 'data-valid="yes"' in answer and "利率优惠0.5%" in answer
    page = client.get(url)
    client.post(url, {"submission": key(page), "number": "HX-NOPE", "institution": "B1"})
    with tenant_context(world):
        assert list(CardCheck.objects.order_by("pk").values_list("answer", "member__code")) == [
            ("valid", "B1"),
            ("invalid", "B1"),
        ]
        first = CardCheck.objects.order_by("pk").first()
    shop = signed_in(cards["shop"]).get(f"{url}?check={first.pk}").content.decode()
    assert "data-answer=" not in shop and "data-check=" not in shop  # another institution's


def test_card_checks_refuse_bad_input_other_roles_and_other_townships(
    world, township_b, cards, signed_in
):
    from plugins.integrity_card.models import CardCheck

    url = work(world, "x/integrity_card/checks/")
    client = signed_in(cards["clerk"])
    page = client.get(url)
    empty = client.post(url, {"submission": key(page), "number": "", "institution": "B1"})
    assert empty.status_code == 400 and "required" in field(empty, "number")
    foreign = client.post(url, {"submission": key(page), "number": "HX-1", "institution": "S2"})
    assert "Select a valid choice" in field(foreign, "institution")
    with tenant_context(world):
        assert not CardCheck.objects.exists()
        grid = f.person("grid", "grid_worker", "V01")
    assert signed_in(grid).get(url).status_code == 403
    with tenant_context(township_b):
        clerk_b = f.person("clerk-b", "alliance_member", alliance_member_code="B1")
    assert signed_in(clerk_b).get(work(township_b, "x/integrity_card/checks/")).status_code == 404


# --- petitions: the case handler's queue -----------------------------------------------------


@pytest.fixture
def cases(world):
    from plugins.petition.services import receive_case

    enable_plugin(world, "petition")
    with tenant_context(world):
        admin = f.person("admin", "township_admin")
        from platform_core.households.models import Village

        received = timezone.now() - dt.timedelta(days=2)
        found = {}
        for village, reference in (("V01", "XF-1"), ("V02", "XF-2")):
            found[village] = receive_case(
                kind="petition",
                reference=reference,
                village=Village.objects.get(code=village),
                household=f.household(f"{village}-0001"),
                summary="road repair",
                received_at=received,
                by=admin,
            )
        grid = f.person("grid", "grid_worker", "V01")
        council = f.person("council", "council_member", "V01")
    return {"cases": found, "grid": grid, "council": council}


def case_url(world, case) -> str:
    return work(world, f"x/petition/cases/{case.pk}/")


def step(client, url, prefix="advance", **fields):
    page = client.get(url)
    data = {"form": prefix, f"{prefix}-submission": key(page, prefix)}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(url, data)


def test_a_handler_moves_a_case_of_their_village_along_the_loop(world, cases, signed_in):
    from plugins.petition.models import Case

    client = signed_in(cases["grid"])
    listing = client.get(work(world, "x/petition/cases/")).content.decode()
    v01, v02 = cases["cases"]["V01"], cases["cases"]["V02"]
    assert f'data-case="{v01.pk}"' in listing and f'data-case="{v02.pk}"' not in listing
    url = case_url(world, v01)
    for status in ("assigned", "handling"):
        assert step(client, url, status=status).status_code == 302
    no_note = step(client, url, status="transferred", note="")
    assert no_note.status_code == 400 and "says where the case went" in field(no_note, "note")
    assert step(client, url, status="responded", note="road repaired").status_code == 302
    unsatisfied = step(client, url, status="closed", satisfaction="")
    assert "satisfaction" in field(unsatisfied, "satisfaction")
    skipped = step(client, url, status="received")
    assert "Select a valid choice" in field(skipped, "status")
    assert step(client, url, status="closed", satisfaction="satisfied").status_code == 302
    with tenant_context(world):
        case = Case.objects.get(pk=v01.pk)
        assert (case.status, case.satisfaction) == ("closed", "satisfied")
        assert case.steps.count() == 5
    assert (
        f'data-case="{v01.pk}"' not in client.get(work(world, "x/petition/cases/")).content.decode()
    )
    assert (
        f'data-case="{v01.pk}"'
        in client.get(work(world, "x/petition/cases/?show=all")).content.decode()
    )


def test_a_reviewer_determines_a_deduction_only_after_a_warning_and_on_a_finding(
    world, cases, signed_in
):
    from plugins.petition.models import Case

    v01 = cases["cases"]["V01"]
    url = case_url(world, v01)
    grid_page = signed_in(cases["grid"]).get(url).content.decode()
    assert 'data-form="determine"' not in grid_page  # staff, but no reviewer
    refused = step(
        signed_in(cases["grid"]), url, "determine", determination="reasonable", reason="x"
    )
    assert refused.status_code == 400 and "may not determine petitions" in refused.content.decode()
    client = signed_in(cases["council"])
    assert 'data-form="determine"' in client.get(url).content.decode()
    today = timezone.localdate()
    finding = {
        "authority": "县信访局",
        "document_number": "信认字〔2026〕3号",
        "found_on": f"{today:%Y-%m-%d}",
    }
    unwarned = step(
        client, url, "determine", determination="unreasonable", reason="third time", **finding
    )
    assert unwarned.status_code == 400
    assert "needs the petitioner warned first" in field(unwarned, "determination")
    # The grid worker records the warning given yesterday (先提醒).
    yesterday = today - dt.timedelta(days=1)
    warned = step(
        signed_in(cases["grid"]),
        url,
        "warn",
        warning="told on site: continuing lowers the household's points",
        warned_on=f"{yesterday:%Y-%m-%d}",
    )
    assert warned.status_code == 302
    page = client.get(url).content.decode()
    assert f'data-warned="{yesterday:%Y-%m-%d}"' in page and 'data-form="warn"' not in page
    no_finding = step(client, url, "determine", determination="unreasonable", reason="third time")
    assert (
        no_finding.status_code == 400 and "needs the formal finding" in no_finding.content.decode()
    )
    done = step(
        client, url, "determine", determination="unreasonable", reason="third time", **finding
    )
    assert done.status_code == 302
    with tenant_context(world):
        case = Case.objects.get(pk=v01.pk)
        assert case.determination == "unreasonable" and case.entry.points < 0
        assert case.entry.finding.document_number == "信认字〔2026〕3号"
        assert case.entry.finding.warned_on == yesterday
    assert "data-finding" in client.get(url).content.decode()


def test_cases_of_other_villages_roles_and_townships_are_not_found(
    world, township_b, cases, signed_in
):
    v02 = cases["cases"]["V02"]
    assert signed_in(cases["grid"]).get(case_url(world, v02)).status_code == 404
    with tenant_context(world):
        home = f.person("home", "household", "V01", household_code="V01-0001")
        clerk = f.person("clerk", "alliance_member", alliance_member_code="B1")
    assert signed_in(home).get(work(world, "x/petition/cases/")).status_code == 403
    assert signed_in(clerk).get(work(world, "x/petition/cases/")).status_code == 403
    enable_plugin(township_b, "petition")
    with tenant_context(township_b):
        admin_b = f.person("admin-b", "township_admin")
    assert (
        signed_in(admin_b).get(work(township_b, f"x/petition/cases/{v02.pk}/")).status_code == 404
    )
    home_page = signed_in(cases["grid"]).get(work(world)).content.decode()
    assert ">1</span>" in home_page.split('data-waiting="petition:cases"')[1].split("</li>")[0]
