"""The township and county dashboards: who sees them, the charts' figures, plugin panels."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from importlib.metadata import EntryPoint

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from platform_core.accounts.services import grant_role
from platform_core.actors import Actor
from platform_core.alliance.services import add_member
from platform_core.dashboard import charts
from platform_core.dashboard.selectors import county_tiers_by_month
from platform_core.evaluation.models import Tier, VillageSnapshot
from platform_core.evaluation.services import (
    assign_linked_households,
    finalise_month,
    open_round,
    rate_household,
)
from platform_core.households.models import Village
from platform_core.plugins import manager
from platform_core.plugins.selectors import dashboard_panels
from platform_core.plugins.services import disable_plugin, enable_plugin
from platform_core.scoring.services import record_entry
from plugins.loans.services import add_product, apply, decide, draw
from plugins.petition.services import receive_case
from tests import factories as f
from tests.api import member
from township_integrity import (
    Chart,
    ChartSeries,
    DashboardPanel,
    PanelTable,
    PluginMetadata,
    hookimpl,
)
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

D = dt.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)
SVG = "{http://www.w3.org/2000/svg}"


# --- helpers ------------------------------------------------------------------------------


def url(township) -> str:
    return f"/t/{township.code}/dashboard/"


def page(client, township, email: str, password: str = "pw", language: str = "en") -> str:
    assert client.login(username=email, password=password)
    reply = client.get(url(township), HTTP_ACCEPT_LANGUAGE=language)
    assert reply.status_code == 200, reply.status_code
    return reply.content.decode()


def svg(html: str, key: str) -> ET.Element | None:
    """The <svg class="chart" data-chart=key> of the page, parsed (None when absent)."""
    found = re.search(rf'<svg class="chart" data-chart="{re.escape(key)}".*?</svg>', html, re.S)
    return ET.fromstring(found.group(0)) if found else None


def marks(html: str, key: str) -> dict[tuple[str, str], str]:
    """{(series, label): value} of every bar or point of the chart ``key``."""
    chart = svg(html, key)
    assert chart is not None, f"no chart {key}"
    return {
        (e.get("data-series"), e.get("data-label")): e.get("data-value")
        for e in chart.iter()
        if e.get("data-value") is not None
    }


def tiers(found: dict, label: str) -> tuple[int, int, int]:
    return tuple(int(found[(tier, label)]) for tier in ("green", "blue", "red"))


def finalise(period, capture):
    with capture(execute=True):
        finalise_month(period, by=f.person())


def two_villages():
    f.village()  # V01 太湖村: V01-0001 .. V01-0003
    f.village("V02", "白鹤村", size=2)


def march_and_april(capture):
    """March: V01 1 green 2 blue, V02 1 blue 1 red. April: one more green in V01."""
    two_villages()
    f.approved("V01-0001", "VO-03", D(2026, 3, 2))  # 110: green
    f.approved("V02-0001", "P7-02", D(2026, 3, 3))  # 95: red
    finalise(MARCH, capture)
    f.approved("V01-0002", "VO-03", D(2026, 4, 2))
    finalise(APRIL, capture)


def at(day: dt.date, hour: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def case(reference: str, kind: str = "hotline", village: str = "V01", on: dt.date | None = None):
    return receive_case(
        kind=kind,
        reference=reference,
        village=Village.objects.get(code=village),
        household=None,
        petitioner_name="俞国明",
        summary="反映道路积水",
        received_at=at(on or timezone.localdate().replace(day=1)),
        by=f.person(),
    )


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# --- access -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, township_a):
    reply = client.get(url(township_a))
    assert reply.status_code == 302
    assert reply["Location"] == (
        f"/t/{township_a.code}/accounts/login/?next=/t/{township_a.code}/dashboard/"
    )


def test_households_banks_and_strangers_are_refused(client, township_a, in_township):
    with in_township(township_a):
        f.village()
    member(township_a, "household@jia.test", "household", household_code="V01-0001")
    member(township_a, "bank@jia.test", "alliance_member", alliance_member_code="B1")
    member(township_a, "grid@jia.test", "grid_worker", "V01")
    with schema_context("public"):
        get_user_model().objects.create_user(username="nobody@jia.test", password="pw")
    for email in ("household@jia.test", "bank@jia.test", "nobody@jia.test"):
        client.logout()
        assert client.login(username=email, password="pw")
        assert client.get(url(township_a)).status_code == 403, email
    client.logout()
    assert client.login(username="grid@jia.test", password="pw")
    assert client.get(url(township_a)).status_code == 200


# --- the township's own figures -----------------------------------------------------------


def test_tier_mix_by_month_and_by_village(
    client, township_a, in_township, django_capture_on_commit_callbacks
):
    with in_township(township_a):
        march_and_april(django_capture_on_commit_callbacks)
        sums = {
            period: (g, b, r)
            for period, g, b, r in VillageSnapshot.objects.values_list("period")
            .annotate(Sum("green"), Sum("blue"), Sum("red"))
            .order_by()
        }
    assert sums == {MARCH: (1, 3, 1), APRIL: (2, 2, 1)}
    html = page(client, township_a, "admin@jia.test", "pw-jia")

    by_month = marks(html, "tiers-by-month")
    assert tiers(by_month, "2026-03") == (1, 3, 1)
    assert tiers(by_month, "2026-04") == (2, 2, 1)
    assert {label for _series, label in by_month} == {"2026-03", "2026-04"}
    chart = svg(html, "tiers-by-month")
    assert chart.get("viewBox").startswith("0 0 ") and chart.get("width") == "100%"
    assert chart.find(f"{SVG}title").text == "Tier mix by month"
    green, blue, red = (str(Tier(t).label) for t in ("green", "blue", "red"))
    assert f"2026-04: {green} 2, {blue} 2, {red} 1" in chart.find(f"{SVG}desc").text
    fills = {
        e.get("data-series"): e.get("fill")
        for e in chart.iter(f"{SVG}rect")
        if e.get("data-series")
    }
    assert fills == {"green": "#1e8e3e", "blue": "#1a73e8", "red": "#c5221f"}

    by_village = marks(html, "tiers-by-village")  # the latest finalised month, April
    assert tiers(by_village, "太湖村") == (2, 1, 0)
    assert tiers(by_village, "白鹤村") == (0, 1, 1)
    assert re.search(
        r'data-village="V02">\s*<td>白鹤村</td>\s*<td class="num">0</td><td class="num">1</td>'
        r'<td class="num">1</td><td class="num">2</td>',
        html,
    )
    assert "<small>2026-04</small>" in html
    # The dashboard itself runs no script (only the page header's language switch does).
    content = html.split("<main>")[1].split("</main>")[0]
    assert "<script" not in content
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")


def test_this_months_evaluation_progress(client, township_a, in_township):
    today = timezone.localdate()
    with in_township(township_a):
        two_villages()
        round_ = open_round(Village.objects.get(code="V01"), today.replace(day=1), by=Actor.cli())
        party = f.person(role="party_member", village_code="V01")
        assign_linked_households(
            round_,
            party.user,
            [f.household("V01-0001"), f.household("V01-0002")],
            by=Actor.cli(),
        )
        rate_household(round_, evaluator=party, household=f.household("V01-0001"), rule=None)
        record_entry(
            household=f.household("V02-0001"),
            rule=f.rule("P7-03"),
            occurred_on=today,
            recorder=f.person(),
            source="staff",
            evidence="seen",
        )
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    rounds = re.search(r'data-figure="rounds"><strong>(\d+)</strong> / (\d+)', html)
    assert rounds.groups() == ("1", "2")
    assert re.search(r'data-figure="pending"><strong>1</strong>', html)
    assert re.search(r'data-figure="assigned"><strong>2</strong>', html)
    assert re.search(r'data-figure="rated"><strong>1</strong>', html)
    assert 'data-round="V01"' in html and 'data-round="V02"' not in html

    member(township_a, "v01@jia.test", "village_committee", "V01")
    client.logout()
    html = page(client, township_a, "v01@jia.test")
    assert re.search(r'data-figure="rounds"><strong>1</strong> / 1', html)
    assert re.search(r'data-figure="pending"><strong>0</strong>', html)  # V02's entry


def test_village_staff_see_only_their_villages(
    client, township_a, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        march_and_april(django_capture_on_commit_callbacks)
        for n in range(3):
            case(f"V01-{n}", village="V01")
        case("V02-0", village="V02")
    member(township_a, "grid@jia.test", "grid_worker", "V02")
    html = page(client, township_a, "grid@jia.test")
    assert 'data-scope="villages"' in html and "白鹤村" in html
    assert "太湖村" not in html
    assert tiers(marks(html, "tiers-by-month"), "2026-03") == (0, 1, 1)
    assert tiers(marks(html, "tiers-by-month"), "2026-04") == (0, 1, 1)
    assert set(label for _s, label in marks(html, "tiers-by-village")) == {"白鹤村"}
    this_month = f"{timezone.localdate():%Y-%m}"
    trend = marks(html, "petition-trend")
    assert trend[("12345-hotline", this_month)] == "1"  # V01's three are not counted
    assert "Warnings" not in html  # V01's early warning is not theirs

    client.logout()
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    assert marks(html, "petition-trend")[("12345-hotline", this_month)] == "4"
    assert 'data-scope="villages"' not in html
    assert tiers(marks(html, "tiers-by-month"), "2026-04") == (2, 2, 1)


# --- plugin panels ------------------------------------------------------------------------


def test_petition_panels_appear_only_while_the_plugin_is_enabled(client, township_a, in_township):
    with in_township(township_a):
        two_villages()
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    assert 'data-plugin="petition"' not in html and svg(html, "petition-trend") is None

    enable_plugin(township_a, "petition")
    this_month = timezone.localdate().replace(day=1)
    with in_township(township_a):
        for n in range(3):
            case(f"H{n}", "hotline", "V01")
        case("P1", "petition", "V02")
        case("OLD", "petition", "V02", on=last_month())
        case("ANCIENT", "petition", "V02", on=this_month - dt.timedelta(days=400))
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    trend = marks(html, "petition-trend")
    month, before = f"{this_month:%Y-%m}", f"{last_month():%Y-%m}"
    assert trend[("12345-hotline", month)] == "3" and trend[("petition", month)] == "1"
    assert trend[("petition", before)] == "1"
    assert len({label for _s, label in trend}) == 12  # the last 12 months, ANCIENT left out
    assert sum(int(v) for v in trend.values()) == 5
    villages = re.search(r'data-panel="petition-villages".*?</section>', html, re.S).group(0)
    assert re.search(
        r"<td>太湖村</td><td>0</td><td>3</td><td>0</td><td>0</td><td>0</td>"
        r"<td>yes</td>",
        villages,
    )
    assert re.search(r"<td>白鹤村</td><td>1</td>.*?<td>no</td>", villages)
    assert "太湖村: 3 cases in " + month in villages  # the early warning
    assert "俞国明" not in html and "反映道路积水" not in html  # no personal data

    chinese = page(client, township_a, "admin@jia.test", "pw-jia", language="zh-hans")
    assert "信访与热线案件（近12个月）" in chinese and "太湖村：" in chinese

    disable_plugin(township_a, "petition")
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    assert 'data-plugin="petition"' not in html and svg(html, "petition-trend") is None


def test_loans_panel_shows_credit_per_bank(client, township_a, in_township):
    with in_township(township_a):
        two_villages()
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    assert 'data-plugin="loans"' not in html
    enable_plugin(township_a, "loans")
    empty = page(client, township_a, "admin@jia.test", "pw-jia")
    assert 'data-plugin="loans"' in empty and "No bank offers an integrity loan yet" in empty
    with in_township(township_a):
        bank = add_member(code="B1", name="湖州农商银行", kind="bank", by=Actor.cli())
        add_member(code="B2", name="邮储银行", kind="bank", by=Actor.cli())
        admin = f.person()
        product = add_product(
            bank, name="鸿信贷", limit_green=200000, limit_blue=50000, annual_rate="4.35", by=admin
        )
        clerk = f.person("clerk", role="alliance_member", alliance_member_code="B1")
        for code, amount, drawn in (("V01-0001", 40000, 30000), ("V02-0001", 20000, 0)):
            application = apply(f.household(code), product, amount, by=f.person(role="grid_worker"))
            decide(application, approve=True, by=clerk)
            if drawn:
                draw(application.credit_line, drawn, by=clerk)
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    assert marks(html, "loans-banks") == {
        ("granted", "湖州农商银行"): "60000",
        ("drawn", "湖州农商银行"): "30000",
    }  # a bank without products is not listed
    panel = re.search(r'data-panel="loans-banks".*?</section>', html, re.S).group(0)
    assert re.search(r"<td>湖州农商银行</td><td>2</td><td>60000", panel)

    member(township_a, "v02@jia.test", "village_committee", "V02")
    client.logout()
    html = page(client, township_a, "v02@jia.test")
    assert marks(html, "loans-banks")[("granted", "湖州农商银行")] == "20000"

    disable_plugin(township_a, "loans")
    client.logout()
    assert 'data-plugin="loans"' not in page(client, township_a, "admin@jia.test", "pw-jia")


class BadPanels:
    """A plugin whose panels are not all well-formed, and one not taking village_codes."""

    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_panels", "示例面板", "Sample panels", "1.0", ">=0.3")

    @hookimpl
    def township_dashboard_panels(self, settings):
        return [
            DashboardPanel("fine", "好", "Fine", table=PanelTable(("数",), ("Number",), ((7,),))),
            DashboardPanel(
                "uneven",
                "坏",
                "Uneven",
                chart=Chart("stacked_bar", ("a", "b"), (ChartSeries("甲", "A", (1,)),)),
            ),
            "not a panel",
        ]


bad_panels = BadPanels()


class NotAList:
    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_not_a_list", "单个", "Single", "1.0", ">=0.3")

    @hookimpl
    def township_dashboard_panels(self, village_codes, settings):
        return DashboardPanel("single", "单", "Single")


@pytest.fixture
def sample_panels(monkeypatch):
    real = manager.entry_points
    fakes = [
        EntryPoint(name=k, value=f"tests.test_pages_dashboard:{v}", group=manager.ENTRY_POINT_GROUP)
        for k, v in (("sample_panels", "bad_panels"), ("sample_not_a_list", "not_a_list"))
    ]

    def with_samples(group):
        found = list(real(group=group))
        return found + fakes if group == manager.ENTRY_POINT_GROUP else found

    monkeypatch.setattr(manager, "entry_points", with_samples)
    manager.reload()
    yield
    monkeypatch.undo()
    manager.reload()


not_a_list = NotAList()


def test_malformed_panels_are_left_out_and_narrowing_skips_plugins_that_cannot(
    client, township_a, in_township, sample_panels, caplog
):
    with in_township(township_a):
        two_villages()
    enable_plugin(township_a, "sample_panels")
    enable_plugin(township_a, "sample_not_a_list")
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        shown = dashboard_panels(township_a)
        assert [(key, p.key) for key, p in shown] == [
            ("petition", "trend"),
            ("petition", "villages"),
            ("petition", "satisfaction"),
            ("sample_panels", "fine"),
        ]
        narrowed = dashboard_panels(township_a, ["V01"])
        assert [(key, p.key) for key, p in narrowed] == [
            ("petition", "trend"),
            ("petition", "villages"),
            ("petition", "satisfaction"),
        ]  # sample_panels does not take village_codes: not asked for a village's staff
    assert "series 'A': needs one value per label" in caplog.text
    assert "'not a panel' is not a DashboardPanel" in caplog.text
    assert "returned DashboardPanel" in caplog.text and "not a list" in caplog.text
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    assert 'data-panel="sample_panels-fine"' in html and "Uneven" not in html


# --- the contract kit ---------------------------------------------------------------------


def test_the_contract_kit_checks_the_panels_in_a_township(township_a, in_township):
    import plugins.loans.plugin
    import plugins.petition.plugin

    enable_plugin(township_a, "petition")
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        two_villages()
    assert contract_problems(plugins.petition.plugin, township=township_a) == []
    assert contract_problems(plugins.loans.plugin, township=township_a) == []
    assert contract_problems(NotAList(), township=township_a) == [
        "township_dashboard_panels returned DashboardPanel, not a list"
    ]
    problems = contract_problems(BadPanels(), township=township_a)
    assert problems == [
        "township_dashboard_panels: panel uneven: series 'A': needs one value per label",
        "township_dashboard_panels returned str, not DashboardPanel",
    ]
    assert contract_problems(BadPanels()) == []  # without a township: no database hooks


def test_panel_types_name_their_problems():
    good = DashboardPanel(
        "trend",
        "趋势",
        "Trend",
        chart=Chart("line", ("2026-03",), (ChartSeries("件", "cases", (2,), "#123abc"),)),
        warnings=("x",),
    )
    assert good.problems() == []
    bad = DashboardPanel(
        "Bad Key",
        "",
        "Bad",
        chart=Chart("pie", (), ()),
        table=PanelTable(("a",), ("a", "b"), ()),
        warnings=(3,),
    )
    assert bad.problems() == [
        "panel key 'Bad Key' is not lower-case letters, digits and _",
        "panel Bad Key: needs title_zh and title_en",
        "panel Bad Key: chart kind 'pie' is not one of stacked_bar, grouped_bar, line",
        "panel Bad Key: table needs as many headers_zh as headers_en (at least one)",
        "panel Bad Key: warnings must be a list of strings",
    ]
    negative = Chart("grouped_bar", ("a",), (ChartSeries("甲", "A", (-1,), "red"),))
    assert negative.problems() == [
        "series colour 'red' is not #rrggbb",
        "series 'A': values must be numbers, none negative",
    ]


# --- charts -------------------------------------------------------------------------------


def test_charts_draw_every_kind_with_labels_legend_and_title():
    lines = [charts.Line("甲 & <b>", (1, 2.5), "", "a"), charts.Line("B", (0, 4), "#123456", "b")]
    for kind in charts.KINDS:
        drawing = charts.draw(kind, f"k-{kind}", ["2026-03", "2026-04"], lines)
        root = ET.fromstring(str(drawing.svg("Title <x>", "About", "Month", "Households")))
        assert root.get("class") == "chart" and root.get("data-chart") == f"k-{kind}"
        assert root.find(f"{SVG}title").text == "Title <x>"
        assert root.find(f"{SVG}desc").text.startswith("About 2026-03: 甲 & <b> 1, B 0;")
        values = {
            (e.get("data-series"), e.get("data-label")): e.get("data-value")
            for e in root.iter()
            if e.get("data-value")
        }
        assert values == {
            ("a", "2026-03"): "1",
            ("a", "2026-04"): "2.5",
            ("b", "2026-03"): "0",
            ("b", "2026-04"): "4",
        }
        texts = [e.text for e in root.iter(f"{SVG}text")]
        assert {"Month", "Households", "甲 & <b>", "B", "2026-03"} <= set(texts)
    assert charts.nice_scale(0, True) == (1.0, [0.0, 1.0])
    assert charts.nice_scale(7, True) == (8.0, [0.0, 2.0, 4.0, 6.0, 8.0])
    assert charts.nice_scale(60000, True)[0] == 60000
    names = [f"第{n}个很长很长很长很长的村名字" for n in range(12)]
    crowded = charts.draw("stacked_bar", "crowded", names, [charts.Line("x", tuple(range(12)))])
    assert "rotate(-45" in crowded.body and "第0个很长很长很长很长的村…" in crowded.body


# --- the county ---------------------------------------------------------------------------


def county_admin():
    with schema_context("public"):
        user = get_user_model().objects.create_user(
            username="county@test.local", email="county@test.local", password="pw"
        )
        grant_role(user, None, "county_admin")
    return user


def test_county_dashboard_rolls_up_townships(
    client, township_a, township_b, in_township, django_capture_on_commit_callbacks
):
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        march_and_april(django_capture_on_commit_callbacks)
    with in_township(township_b):
        f.village("V09", "乙村", size=4)
        f.approved("V09-0001", "P7-02", D(2026, 3, 3))
        finalise(MARCH, django_capture_on_commit_callbacks)  # B: 0 green, 3 blue, 1 red
    county_admin()
    assert client.login(username="county@test.local", password="pw")
    reply = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert reply.status_code == 200
    html = reply.content.decode()
    by_township = marks(html, "county-tiers")
    assert tiers(by_township, "甲镇") == (2, 2, 1)  # A's latest month: April
    assert tiers(by_township, "乙镇") == (0, 3, 1)
    by_month = marks(html, "county-tiers-by-month")
    assert tiers(by_month, "2026-03") == (1, 6, 2)  # A and B summed
    assert tiers(by_month, "2026-04") == (2, 2, 1)
    assert ("petition-hotline_cases", "甲镇") in marks(html, "county-columns")
    assert "Hotline cases" in html and "Open cases" in html  # the petition plugin's columns
    for personal in ("俞国明", "V01-0001", "V09-0001"):
        assert personal not in html

    from tenants.models import Township

    townships = list(Township.objects.order_by("code"))
    with CaptureQueriesContext(connection) as queries:
        county_tiers_by_month(townships)
    reads = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(reads) == 1, reads  # the statistics rows, whatever the number of townships


def test_county_dashboard_is_for_county_administrators_only(client, township_a):
    assert client.get("/dashboard/").status_code == 302
    # (the test client keeps the script prefix of an earlier township request)
    assert client.get("/dashboard/")["Location"].endswith("/accounts/login/?next=/dashboard/")
    assert client.login(username="admin@jia.test", password="pw-jia")
    assert client.get("/dashboard/").status_code == 403
    county_admin()
    client.logout()
    assert client.login(username="county@test.local", password="pw")
    assert client.get("/dashboard/").status_code == 200
    assert client.get(url(township_a)).status_code == 200  # and every township's


# --- isolation ----------------------------------------------------------------------------


def test_township_bs_figures_never_reach_as_dashboard(
    client, township_a, township_b, in_township, django_capture_on_commit_callbacks
):
    for township in (township_a, township_b):
        enable_plugin(township, "petition")
    with in_township(township_a):
        f.village()
        finalise(MARCH, django_capture_on_commit_callbacks)  # A: 3 blue
        case("A-1")
    with in_township(township_b):
        f.village("V09", "乙村", size=5)
        f.approved("V09-0001", "VO-03", D(2026, 3, 2))
        finalise(MARCH, django_capture_on_commit_callbacks)
        finalise(APRIL, django_capture_on_commit_callbacks)
        f.village("V01", "乙镇一村")
        for n in range(5):
            case(f"B-{n}", village="V01")
    html = page(client, township_a, "admin@jia.test", "pw-jia")
    assert tiers(marks(html, "tiers-by-month"), "2026-03") == (0, 3, 0)
    assert {label for _s, label in marks(html, "tiers-by-month")} == {"2026-03"}
    assert "乙村" not in html and "乙镇一村" not in html
    this_month = f"{timezone.localdate():%Y-%m}"
    assert marks(html, "petition-trend")[("12345-hotline", this_month)] == "1"
    assert "Warnings" not in html
    # B's admin may not open A's dashboard.
    client.logout()
    assert client.login(username="admin@yi.test", password="pw-yi")
    assert client.get(url(township_a)).status_code == 403
