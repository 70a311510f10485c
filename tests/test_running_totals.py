"""Running totals, year on year and the three-none villages (issue 19, item 5)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override
from django_tenants.utils import schema_context

from platform_core.accounts.services import grant_role
from platform_core.dashboard import three_none, totals
from platform_core.households.models import Village
from platform_core.plugins.services import enable_plugin
from platform_core.publication.models import BoardEntry, HonourBoard
from plugins.petition.services import receive_case
from tests import factories as f
from tests.api import member
from township_integrity import VillageCaseCounts
from township_integrity.testing import contract_problems

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = timezone.localdate()
THIS_YEAR = TODAY.year


# --- helpers ------------------------------------------------------------------------------


def board(village: str, year: int, quarter: int, model=(), improve=()) -> HonourBoard:
    """A published board (as ``publish_board`` leaves it) listing these households."""
    published = HonourBoard.objects.create(
        village=Village.objects.get(code=village),
        year=year,
        quarter=quarter,
        based_on=D(year, quarter * 3, 1),
        includes_red=bool(improve),
        published_by_label="镇管理员",
    )
    for kind, codes in ((BoardEntry.Kind.MODEL, model), (BoardEntry.Kind.IMPROVE, improve)):
        for code in codes:
            BoardEntry.objects.create(
                board=published,
                household=f.household(code),
                kind=kind,
                masked_name="俞*",
                score=110,
            )
    return published


def case(reference: str, kind: str, on: dt.date, village: str = "V01"):
    return receive_case(
        kind=kind,
        reference=reference,
        village=Village.objects.get(code=village),
        household=None,
        petitioner_name="俞国明",
        summary="反映道路积水",
        received_at=timezone.make_aware(dt.datetime.combine(on, dt.time(9))),
        by=f.person(),
    )


class FakeHooks:
    """Stands in for ``hooks_for(township)``: each plugin's answer (or exception)."""

    def __init__(self, answers: dict):
        self.answers = answers

    def implementers(self, hook):
        return list(self.answers)

    def call_plugin(self, hook, key, **kwargs):
        answer = self.answers[key]
        if isinstance(answer, Exception):
            raise answer
        return answer


def a_year_before(day: dt.date) -> dt.date:
    return day.replace(year=day.year - 1, day=min(day.day, 28) if day.month == 2 else day.day)


# --- honour boards: distinct households ----------------------------------------------------


def test_a_household_on_three_boards_counts_once_in_total_and_once_a_year(township_a, in_township):
    with in_township(township_a):
        f.village(size=4)
        board("V01", THIS_YEAR - 1, 3, model=["V01-0001", "V01-0002"], improve=["V01-0004"])
        board("V01", THIS_YEAR - 1, 4, model=["V01-0001"], improve=["V01-0004"])
        board("V01", THIS_YEAR, 1, model=["V01-0001", "V01-0003"], improve=["V01-0004"])
        with CaptureQueriesContext(connection) as queries:
            found = totals.board_totals()
        assert len(queries) == 2  # aggregates, whatever the number of boards
        assert (found.commended, found.exposed) == (3, 1)
        assert found.of(THIS_YEAR - 1) == totals.BoardYear(THIS_YEAR - 1, 2, 1)
        assert found.of(THIS_YEAR) == totals.BoardYear(THIS_YEAR, 2, 1)
        assert found.of(THIS_YEAR - 5) == totals.BoardYear(THIS_YEAR - 5, 0, 0)
        # Narrowed to a village without boards: nothing.
        f.village("V02", "白鹤村", size=1)
        assert totals.board_totals(frozenset({"V02"})) == totals.EMPTY_BOARDS


def test_statements_read_like_the_seed_in_both_languages(township_a, in_township):
    found = totals.RunningTotals(
        today=TODAY,
        boards=totals.BoardTotals((totals.BoardYear(THIS_YEAR, 412, 88),), 3363, 967),
        months=[totals.ThreeNoneCount(f"{TODAY:%Y-%m}", 15, 12)],
        years=[totals.ThreeNoneCount(str(THIS_YEAR), 15, 9)],
        year_on_year=[
            totals.YearOnYear(
                "petition", "hotline_year", "12345热线", "12345 hotline cases", 612, 1000
            ),
            totals.YearOnYear("petition", "online_year", "网信件", "Online complaints", 5, 0),
            totals.YearOnYear("petition", "petitions_year", "信访件", "Petitions", 0, 0),
        ],
    )
    with override("en"):
        assert found.statements(zh=False) == [
            "3,363 model households commended in total (412 this year)",
            "967 households to improve exposed in total (88 this year)",
            "12345 hotline cases −38.8% on last year",
            "Online complaints: 5 this year, new (none by this date last year)",
            "Petitions: none this year or by this date last year",
            "12 of 15 villages three-none this month",
            "9 of 15 villages three-none this year",
        ]
    with override("zh-hans"):
        said = found.statements(zh=True)
    assert said[0] == "累计褒奖示范户3,363户（今年412户）"
    assert said[1] == "累计曝光待提升户967户（今年88户）"
    assert said[2] == "12345热线同比下降38.8%"
    assert "新增" in said[3]
    assert said[5] == "本月三无村12个（共15个村）"


def test_year_on_year_change_is_rounded_and_none_without_last_year():
    def yoy(this, last):
        return totals.YearOnYear("p", "k", "件", "cases", this, last)

    assert str(yoy(612, 1000).change) == "-38.8"
    assert str(yoy(81, 100).change) == "-19.0"
    assert str(yoy(3, 2).change) == "50.0"
    assert yoy(3, 0).change is None and yoy(0, 0).change is None
    with override("en"):
        assert yoy(3, 2).statement(False) == "cases +50.0% on last year"
        assert yoy(2, 2).statement(False) == "cases level with last year"


# --- year on year through the petition plugin ----------------------------------------------


def test_petition_cases_year_on_year_compare_the_same_days(township_a, in_township):
    enable_plugin(township_a, "petition")
    last_year_early = a_year_before(TODAY.replace(day=1))
    last_year_late = D(THIS_YEAR - 1, 12, 31)  # after this date last year: not counted
    with in_township(township_a):
        f.village()
        case("H-1", "hotline", TODAY.replace(day=1))
        for n in range(3):
            case(f"H-L{n}", "hotline", last_year_early)
        case("H-LATE", "hotline", last_year_late)
        case("P-L", "petition", last_year_early)
        case("O-1", "online", TODAY.replace(day=1))
        found = {f.key: f for f in totals.year_on_year(township_a, TODAY)}
    hotline = found["hotline_year"]
    expected_late = 1 if last_year_late <= a_year_before(TODAY) else 0
    assert (hotline.this_year, hotline.last_year) == (1, 3 + expected_late)
    assert (found["petitions_year"].this_year, found["petitions_year"].last_year) == (0, 1)
    assert found["online_year"].change is None  # last year none: "new", no percentage


# --- three-none ----------------------------------------------------------------------------


def test_three_none_sums_two_plugins_and_leaves_malformed_answers_out(
    township_a, in_township, monkeypatch, caplog
):
    with in_township(township_a):
        f.village()
        f.village("V02", "白鹤村", size=1)
        f.village("V03", "青松村", size=1)
        monkeypatch.setattr(
            three_none,
            "hooks_for",
            lambda township: FakeHooks(
                {
                    "cases": [VillageCaseCounts("V01", petitions=1)],
                    "mediation": [
                        VillageCaseCounts("V02", settled_in_village=4),
                        VillageCaseCounts("V01", lawsuits=2, settled_in_village=1),
                    ],
                    "broken": RuntimeError("boom"),
                    "negative": [VillageCaseCounts("V03", petitions=-1)],
                    "not_a_list": VillageCaseCounts("V03", criminal_cases=1),
                    "bool": [VillageCaseCounts("V03", lawsuits=True)],
                }
            ),
        )
        with caplog.at_level(logging.WARNING):
            status = three_none.month_status(township_a, D(2026, 3, 1))
    by_code = {v.code: v for v in status.villages}
    assert (by_code["V01"].petitions, by_code["V01"].lawsuits) == (1, 2)
    assert by_code["V01"].settled_in_village == 1 and by_code["V01"].three_none is False
    assert by_code["V02"].three_none is True and by_code["V02"].settled_in_village == 4
    assert by_code["V03"].three_none is True  # the malformed answers about it left out
    assert status.three_none == 2 and status.label == "2026-03"
    for key in ("negative", "not_a_list", "bool"):
        assert f"plugin {key}: township_village_case_counts answer left out" in caplog.text
    assert "plugin broken failed" in caplog.text


def test_no_plugin_reporting_is_no_data_not_three_none(township_a, in_township, monkeypatch):
    with in_township(township_a):
        f.village()
        status = three_none.month_status(township_a, D(2026, 3, 1))  # no plugin enabled
        assert status.reported is False and status.three_none is None
        assert status.villages[0].three_none is None
        monkeypatch.setattr(
            three_none, "hooks_for", lambda township: FakeHooks({"broken": RuntimeError("x")})
        )
        assert three_none.month_status(township_a, D(2026, 3, 1)).three_none is None
        monkeypatch.setattr(three_none, "hooks_for", lambda township: FakeHooks({"quiet": []}))
        assert three_none.month_status(township_a, D(2026, 3, 1)).three_none == 1


def test_petition_plugin_reports_three_none_counts_per_village(township_a, in_township):
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
        f.village("V02", "白鹤村", size=1)
        case("P-1", "petition", D(2026, 3, 5))
        case("L-1", "lawsuit", D(2026, 3, 6))
        case("H-1", "hotline", D(2026, 3, 7), village="V02")  # not against the status
        case("C-1", "criminal", D(2026, 4, 1), village="V02")  # another month
        march = three_none.month_status(township_a, D(2026, 3, 1))
        year = three_none.by_year(township_a, D(2026, 12, 31), years=1)[0]
    by_code = {v.code: v for v in march.villages}
    assert (by_code["V01"].petitions, by_code["V01"].lawsuits) == (1, 1)
    assert by_code["V01"].three_none is False and by_code["V02"].three_none is True
    assert year.label == "2026" and year.three_none == 0


def test_the_contract_kit_checks_case_counts(township_a, in_township):
    from township_integrity import PluginMetadata, hookimpl

    class Counts:
        @hookimpl
        def township_plugin_metadata(self):
            return PluginMetadata("counts", "计数", "Counts", "1.0.0")

        @hookimpl
        def township_village_case_counts(self, period_start, period_end, settings):
            return [VillageCaseCounts("V01", petitions=-1), VillageCaseCounts("V99"), "x"]

    with in_township(township_a):
        f.village()
    assert contract_problems(Counts(), township=township_a) == [
        "township_village_case_counts: V01 petitions is -1, not a count",
        "township_village_case_counts: village 'V99' is not the township's",
        "township_village_case_counts returned str, not VillageCaseCounts",
    ]
    import plugins.petition.plugin

    enable_plugin(township_a, "petition")
    assert contract_problems(plugins.petition.plugin, township=township_a) == []


# --- isolation -----------------------------------------------------------------------------


def test_township_a_totals_leave_out_township_b(township_a, township_b, in_township):
    for township in (township_a, township_b):
        enable_plugin(township, "petition")
    with in_township(township_b):
        f.village(size=3)
        board("V01", THIS_YEAR, 1, model=["V01-0001", "V01-0002"], improve=["V01-0003"])
        case("B-1", "hotline", TODAY.replace(day=1))
        case("B-2", "petition", TODAY.replace(day=1))
    with in_township(township_a):
        f.village(size=1)
        found = totals.township_totals(township_a, TODAY)
    assert (found.boards.commended, found.boards.exposed) == (0, 0)
    assert {f.key: f.this_year for f in found.year_on_year}["hotline_year"] == 0
    assert found.this_month.three_none == 1  # B's petition is not A's village's


# --- pages ---------------------------------------------------------------------------------


def county_admin():
    with schema_context("public"):
        user = get_user_model().objects.create_user(
            username="county@test.local", email="county@test.local", password="pw"
        )
        grant_role(user, None, "county_admin")


def test_dashboards_state_the_totals_and_draw_them(client, township_a, township_b, in_township):
    from platform_core.townships.statistics import refresh_statistics

    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village(size=3)
        board("V01", THIS_YEAR - 1, 4, model=["V01-0001"])
        board("V01", THIS_YEAR, 1, model=["V01-0001", "V01-0002"], improve=["V01-0003"])
        case("H-1", "hotline", TODAY.replace(day=1))
        for n in range(2):
            case(f"H-L{n}", "hotline", a_year_before(TODAY.replace(day=1)))
    with in_township(township_b):
        f.village("V09", "乙村", size=2)
        board("V09", THIS_YEAR, 1, model=["V09-0001"])
    reply = client.login(username="admin@jia.test", password="pw-jia")
    html = client.get(f"/t/{township_a.code}/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    assert "2 model households commended in total (2 this year)" in html
    assert "1 household to improve exposed in total (1 this year)" in html
    assert "12345 hotline cases −50.0% on last year" in html
    assert "villages three-none this month" in html
    assert 'data-chart="township-boards-by-year"' in html
    assert 'data-chart="township-year-on-year"' in html
    assert 'data-chart="township-three-none-by-month"' in html
    assert "乙村" not in html and "V01-0001" not in html and "俞国明" not in html
    zh = client.get(f"/t/{township_a.code}/dashboard/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "12345热线同比下降50.0%" in zh.content.decode()

    # The county: A and B summed (boards in each schema, cases from the statistics rows).
    for township in (township_a, township_b):
        refresh_statistics(township)
    county_admin()
    client.logout()
    assert client.login(username="county@test.local", password="pw")
    reply = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert reply.status_code == 200
    html = reply.content.decode()
    assert "3 model households commended in total (3 this year)" in html
    assert "12345 hotline cases −50.0% on last year" in html
    assert 'data-chart="county-boards-by-year"' in html
    assert "12345 hotline cases, this year to date" in html  # the county's column


def test_village_staff_see_their_villages_totals_and_no_township_figures(
    client, township_a, in_township
):
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village(size=2)
        f.village("V02", "白鹤村", size=2)
        board("V01", THIS_YEAR, 1, model=["V01-0001", "V01-0002"])
        board("V02", THIS_YEAR, 1, model=["V02-0001"])
        case("H-1", "hotline", TODAY.replace(day=1))
    member(township_a, "grid@jia.test", "grid_worker", "V02")
    assert client.login(username="grid@jia.test", password="pw")
    html = client.get(f"/t/{township_a.code}/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "1 model household commended in total (1 this year)" in html
    assert "on last year" not in html  # township-wide figures are not theirs
    assert 'data-chart="township-year-on-year"' not in html


def test_wrong_roles_still_may_not_see_the_dashboards(client, township_a, in_township):
    with in_township(township_a):
        f.village()
    member(township_a, "household@jia.test", "household", household_code="V01-0001")
    assert client.login(username="household@jia.test", password="pw")
    assert client.get(f"/t/{township_a.code}/dashboard/").status_code == 403
    assert client.get("/dashboard/").status_code == 403
    client.logout()
    assert client.login(username="admin@jia.test", password="pw-jia")
    assert client.get("/dashboard/").status_code == 403  # a township admin is no county admin


# --- open data -----------------------------------------------------------------------------


def test_open_data_running_totals_and_three_none_villages(township_a, township_b, in_township):
    from django.test import Client

    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village(size=3)
        f.village("V02", "白鹤村", size=1)
        board("V01", 2025, 4, model=["V01-0001"], improve=["V01-0003"])
        board("V01", 2026, 1, model=["V01-0001", "V01-0002"])
        board("V02", 2026, 1, model=["V02-0001"])
        case("P-1", "petition", D(2026, 3, 5))
    with in_township(township_b):
        f.village("V09", "乙村", size=2)
        board("V09", 2026, 1, model=["V09-0001", "V09-0002"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    params = {"from": "2025-12", "to": "2026-03"}
    rows = client.get(f"/t/{township_a.code}/open-data/honour_totals.json", params).json()["rows"]
    by_month = {r["month"]: r for r in rows}
    assert list(by_month) == ["2025-12", "2026-01", "2026-02", "2026-03"]
    december, march = by_month["2025-12"], by_month["2026-03"]
    assert (december["commended"], december["commended_total"], december["exposed"]) == (1, 1, 1)
    # March: three households listed; V01-0001 again, so two new in total, three this year.
    assert (march["commended"], march["commended_year"], march["commended_total"]) == (3, 3, 3)
    assert (march["exposed"], march["exposed_year"], march["exposed_total"]) == (0, 0, 1)
    assert by_month["2026-02"]["commended_year"] == 0  # a new year starts from none

    three = client.get(
        f"/t/{township_a.code}/open-data/three_none_villages.csv",
        {"from": "2026-03", "to": "2026-03"},
    ).content.decode("utf-8-sig")
    lines = three.splitlines()
    assert lines[0].startswith("month,village_code,village_name,petitions")
    assert (
        "2026-03,V01,太湖村,1,0,0,0,no" in lines[1] and "2026-03,V02,白鹤村,0,0,0,0,yes" in lines[2]
    )
    # B has no plugin reporting cases: no rows (no data), and A's figures are A's alone.
    empty = client.get(f"/t/{township_b.code}/open-data/three_none_villages.json", params)
    assert empty.json()["rows"] == []
    county = client.get("/open-data/honour_totals.json", {"from": "2026-03", "to": "2026-03"})
    totals_by_township = {r["township_code"]: r["commended_total"] for r in county.json()["rows"]}
    assert totals_by_township == {township_a.code: 3, township_b.code: 2}
    for text in (str(rows), three, county.content.decode()):
        for personal in ("V01-0001", "俞国明", "俞*"):
            assert personal not in text


@pytest.mark.parametrize("dataset", ["honour_totals", "three_none_villages", "year_on_year"])
def test_the_new_open_datasets_refuse_bad_months_naming_the_parameter(
    township_a, in_township, dataset
):
    from django.test import Client

    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for path in (f"/t/{township_a.code}/open-data/{dataset}", f"/open-data/{dataset}"):
        refused = client.get(path + ".json", {"from": "2026-13"})
        assert refused.status_code == 400 and refused.json()["parameter"] == "from"
        as_csv = client.get(path + ".csv", {"from": "2026-05", "to": "2026-03"})
        assert as_csv.status_code == 400 and "is after to" in as_csv.content.decode()


def test_open_data_year_on_year_per_month(township_a, in_township):
    from django.test import Client

    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
        case("H-1", "hotline", D(2026, 2, 3))
        case("H-2", "hotline", D(2026, 3, 3))
        for n in range(4):
            case(f"H-L{n}", "hotline", D(2025, 2, 10))
    rows = (
        Client()
        .get(
            f"/t/{township_a.code}/open-data/year_on_year.json",
            {"from": "2026-02", "to": "2026-03"},
        )
        .json()["rows"]
    )
    hotline = {
        r["month"]: (r["this_year"], r["last_year"]) for r in rows if r["figure"] == "hotline_year"
    }
    assert hotline == {"2026-02": (1, 4), "2026-03": (2, 4)}
    assert {r["plugin"] for r in rows} == {"petition"}


def test_county_sums_of_three_none_leave_out_townships_without_data():
    reported = totals.ThreeNoneCount("2026-03", 15, 12)
    no_data = totals.ThreeNoneCount("2026-03", 40, None)
    assert reported + no_data == reported and no_data + reported == reported
    assert reported + totals.ThreeNoneCount("2026-03", 5, 5) == totals.ThreeNoneCount(
        "2026-03", 20, 17
    )
    assert (no_data + no_data).three_none is None


def test_county_year_on_year_leaves_out_last_years_figures(township_a, township_b, in_township):
    """Early in a year a township's latest finalised month is last December: its
    statistics row holds last year's figures, which are not "this year to date"."""
    from tenants.models import TownshipStatistics

    figures = {"hotline_year": 6, "hotline_year_last_year": 10}
    for township, month in ((township_a, dt.date(2026, 12, 1)), (township_b, dt.date(2027, 1, 1))):
        TownshipStatistics.objects.update_or_create(
            township=township,
            defaults={
                "month": month,
                "extra": {"petition": figures},
                "refreshed_at": timezone.now(),
            },
        )
    found = totals.county_totals([township_a, township_b], dt.date(2027, 2, 10))
    hotline = next(f for f in found.year_on_year if f.key == "hotline_year")
    assert (hotline.this_year, hotline.last_year) == (6, 10)  # township B's only
    in_january = totals.county_totals([township_a], dt.date(2027, 1, 20))
    assert in_january.year_on_year == []


# --- the county reads its totals from the statistics rows -----------------------------------


def per_schema_county_totals(townships, today: dt.date):
    """The county's boards and three-none as summed before they were stored: read in
    each township's schema on every request (what the stored rows must reproduce)."""
    from django_tenants.utils import tenant_context

    boards, months, years = totals.EMPTY_BOARDS, [], []
    for township in townships:
        with tenant_context(township):
            boards = boards + totals.board_totals()
            villages = list(Village.objects.order_by("code"))
            months.append(totals._counted(three_none.by_month(township, today, 12, villages)))
            years.append(totals._counted(three_none.by_year(township, today, 3, villages)))
    return boards, totals._summed(months), totals._summed(years)


def two_townships_with_boards_and_cases(township_a, township_b, in_township):
    from platform_core.townships.statistics import refresh_statistics

    enable_plugin(township_a, "petition")  # B has no plugin reporting: no data there
    with in_township(township_a):
        f.village(size=3)
        f.village("V02", "乙村", size=1)
        board("V01", THIS_YEAR - 1, 4, model=["V01-0001"], improve=["V01-0002"])
        board("V01", THIS_YEAR, 1, model=["V01-0001", "V01-0002"], improve=["V01-0003"])
        case("H-1", "hotline", TODAY.replace(day=1))
        case("P-1", "petition", TODAY.replace(day=1), village="V02")
    with in_township(township_b):
        f.village("V09", "丙村", size=2)
        board("V09", THIS_YEAR, 1, model=["V09-0001"], improve=["V09-0002"])
        board("V09", THIS_YEAR, 2, model=["V09-0001"])
    for township in (township_a, township_b):
        refresh_statistics(township)


def test_county_totals_from_the_rows_equal_the_per_schema_sums(township_a, township_b, in_township):
    two_townships_with_boards_and_cases(township_a, township_b, in_township)
    both = [township_a, township_b]
    with CaptureQueriesContext(connection) as queries:
        found = totals.county_totals(both, TODAY)
    sql = [q["sql"] for q in queries.captured_queries]
    assert [q for q in sql if not q.startswith("SET search_path")] == sql[-1:]  # one read
    assert all(q == 'SET search_path = "public"' for q in sql[:-1])  # of the rows, in public
    boards, months, years = per_schema_county_totals(both, TODAY)
    assert (found.boards, found.months, found.years) == (boards, months, years)
    assert (found.boards.commended, found.boards.exposed) == (3, 3)  # distinct per township
    assert found.this_year == totals.BoardYear(THIS_YEAR, 3, 2)
    assert found.this_month == totals.ThreeNoneCount(f"{TODAY:%Y-%m}", 2, 1)  # A: V02 petitioned
    # B alone: no plugin reports there, so "no data" survives the rows.
    alone = totals.county_totals([township_b], TODAY)
    assert alone.this_month.three_none is None and alone.this_years.three_none is None
    assert (alone.months, alone.years) == per_schema_county_totals([township_b], TODAY)[1:]


def test_a_row_refreshed_before_the_totals_were_stored_counts_as_no_data(
    township_a, township_b, in_township
):
    from tenants.models import TownshipStatistics

    two_townships_with_boards_and_cases(township_a, township_b, in_township)
    TownshipStatistics.objects.filter(township=township_a).update(totals={})
    found = totals.county_totals([township_a, township_b], TODAY)
    assert (found.boards.commended, found.boards.exposed) == (1, 1)  # B's only
    assert found.this_month.three_none is None  # A's counts are not there; B has none
    # A township's stored months run to its refresh: a year later they are no data.
    stale = totals.county_totals([township_a, township_b], TODAY + dt.timedelta(days=400))
    assert stale.this_month.three_none is None and stale.this_years.three_none is None


def test_county_dashboard_statements_do_not_grow_with_townships(
    client, township_a, township_b, in_township
):
    """The county's running totals and tier mix by month come from the statistics rows:
    no statement per township (before, every township's schema was read for them on
    each view: 31 statements for one township, 43 for three here)."""
    from platform_core.actors import Actor
    from platform_core.townships.services import onboard_township
    from platform_core.townships.statistics import refresh_statistics
    from tenants.models import County, Township

    two_townships_with_boards_and_cases(township_a, township_b, in_township)
    onboard_township(code="330502103", name="洪桥镇", by=Actor.cli())
    township_c = Township.objects.get(code="330502103")
    refresh_statistics(township_c)
    with schema_context("public"):
        user = get_user_model().objects.create_user(
            username="county@test.local", email="county@test.local", password="pw"
        )
        grant_role(user, None, "county_admin", county=township_a.county)
    assert client.login(username="county@test.local", password="pw")
    client.get("/dashboard/")  # warm caches (the plugin registry, sessions)

    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            reply = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
        assert reply.status_code == 200
        return len(queries)

    assert {township_b.county_id, township_c.county_id} == {township_a.county_id}
    three = statements()
    with schema_context("public"):
        elsewhere = County.objects.create(code="330599", name="别县")
        Township.objects.filter(pk__in=[township_b.pk, township_c.pk]).update(county=elsewhere)
    one = statements()
    assert three == one, f"{one} statements for one township, {three} for three"
