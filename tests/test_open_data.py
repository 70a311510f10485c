"""Open data (issue 17 item 6): the core's ``tiers`` and the petition plugin's datasets,
per township and across the county, as CSV and JSON; no personal data can appear."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from importlib.metadata import EntryPoint

import pytest
from django.test import Client
from django.utils import timezone

from platform_core.evaluation.models import VillageSnapshot
from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Household, Village
from platform_core.opendata import export
from platform_core.opendata.registry import datasets
from platform_core.plugins import manager
from platform_core.plugins.services import disable_plugin, enable_plugin
from plugins.petition.models import Case, FollowUp
from plugins.petition.services import receive_case
from tests import factories as f
from township_integrity import OpenColumn, OpenDataset, PluginMetadata, hookimpl

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)
GROUP = "township_integrity.plugins"


def public(language: str = "en") -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def json_of(path: str, **params) -> dict:
    response = public().get(path, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def csv_of(path: str, **params) -> list[list[str]]:
    response = public().get(path, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # a BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def months_back(n: int) -> dt.date:
    return export.add_months(timezone.localdate().replace(day=1), -n)


@pytest.fixture
def finalised(township_a, in_township):
    """甲镇: V01 太湖村 (3 households) and V02 白雀村 (2), March 2026 finalised with one red
    household in each village; every household has a phone number."""
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        for n, household in enumerate(Household.objects.order_by("code")):
            household.phone = f"1381234{n:04d}"
            household.save(update_fields=["phone"])
        f.approved("V01-0001", "VO-03", D(2026, 3, 3))
        f.approved("V01-0002", "P7-02", D(2026, 3, 4))
        f.approved("V02-0002", "P7-02", D(2026, 3, 4))
        finalise_month(MARCH, by=f.person())
    return township_a


def _case(reference, village, on, kind="hotline", household="V01-0001", **fields):
    case = receive_case(
        kind=kind,
        reference=reference,
        village=Village.objects.get(code=village),
        household=f.household(household) if household else None,
        petitioner_name="俞国明",
        summary="反映道路积水 13812340000",
        received_at=at(on),
        by=f.person(),
    )
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
    return case


@pytest.fixture
def petitions(finalised, in_township):
    """The petition plugin enabled in 甲镇 with cases of two months ago: V01 two hotline
    cases (one closed, one overdue), one petition; V02 one online case; follow-up calls
    (one satisfied, one not) in V01."""
    enable_plugin(finalised, "petition")
    month = months_back(2)
    with in_township(finalised):
        closed = _case(
            "H1",
            "V01",
            month.replace(day=3),
            status="closed",
            satisfaction="satisfied",
            acknowledged_at=at(month.replace(day=3), 15),
            responded_at=at(month.replace(day=6)),
            closed_at=at(month.replace(day=10)),
        )
        _case(
            "H2",
            "V01",
            month.replace(day=4),
            acknowledge_due=at(month.replace(day=5), 23),
            acknowledged_at=None,
            handling_due=at(month.replace(day=12), 23),
        )
        _case(
            "P1",
            "V01",
            month.replace(day=6),
            kind="petition",
            acknowledged_at=at(month.replace(day=6), 15),
            handling_due=at(timezone.localdate() + dt.timedelta(days=30), 23),
        )
        _case(
            "O1",
            "V02",
            month.replace(day=7),
            kind="online",
            household="V02-0001",
            acknowledged_at=at(month.replace(day=7), 15),
            responded_at=at(month.replace(day=8)),
        )
        for n, satisfaction in enumerate(("satisfied", "unsatisfied")):
            FollowUp.objects.create(
                case=closed,
                at=at(month.replace(day=20 + n)),
                by_label="clerk",
                result="已回访",
                score=5 if satisfaction == "satisfied" else 1,
                satisfaction=satisfaction,
            )
    return finalised


# --- the core dataset: tiers --------------------------------------------------------


def test_tiers_are_the_finalised_village_snapshots_with_their_publication_date(
    finalised, in_township
):
    answer = json_of(
        f"/t/{finalised.code}/open-data/tiers.json", **{"from": "2026-03", "to": "2026-03"}
    )
    with in_township(finalised):
        snapshots = {s.village.code: s for s in VillageSnapshot.objects.select_related("village")}
    published = timezone.localdate().isoformat()  # finalised today
    assert answer["dataset"] == "tiers" and answer["from"] == answer["to"] == "2026-03"
    assert answer["township"] == {"code": finalised.code, "name": finalised.name}
    assert [row["village_code"] for row in answer["rows"]] == ["V01", "V02"]
    for row in answer["rows"]:
        snapshot = snapshots[row["village_code"]]
        assert row == {
            "month": "2026-03",
            "village_code": snapshot.village.code,
            "village_name": snapshot.village.name,
            "households": snapshot.households,
            "green": snapshot.green,
            "blue": snapshot.blue,
            "red": snapshot.red,
            "published": published,
        }
    assert answer["rows"][0]["red"] == 1 and answer["rows"][0]["households"] == 3
    names = [c["name"] for c in answer["columns"]]
    assert names == [
        "month",
        "village_code",
        "village_name",
        "households",
        "green",
        "blue",
        "red",
        "published",
    ]
    assert all(c["description_zh"] and c["description_en"] and c["kind"] for c in answer["columns"])


def test_an_open_month_is_not_published(finalised, in_township):
    with in_township(finalised):
        f.approved("V01-0003", "VO-03", D(2026, 4, 3))  # April is not finalised
    answer = json_of(
        f"/t/{finalised.code}/open-data/tiers.json", **{"from": "2026-03", "to": "2026-04"}
    )
    assert {row["month"] for row in answer["rows"]} == {"2026-03"}


def test_the_csv_has_the_documented_header_and_the_same_rows(finalised):
    rows = csv_of(
        f"/t/{finalised.code}/open-data/tiers.csv", **{"from": "2026-03", "to": "2026-03"}
    )
    assert rows[0] == [
        "month",
        "village_code",
        "village_name",
        "households",
        "green",
        "blue",
        "red",
        "published",
    ]
    assert rows[1][:4] == ["2026-03", "V01", "太湖村", "3"] and len(rows) == 3


def test_the_default_is_the_last_twelve_finished_months(finalised):
    answer = json_of(f"/t/{finalised.code}/open-data/tiers.json")
    assert answer["to"] == f"{months_back(1):%Y-%m}"
    assert answer["from"] == f"{months_back(12):%Y-%m}"
    only_to = json_of(f"/t/{finalised.code}/open-data/tiers.json", to="2026-06")
    assert (only_to["from"], only_to["to"]) == ("2025-07", "2026-06")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13"}, "from: '2026-13' is not a month written as YYYY-MM"),
        ({"from": "March"}, "from: 'March' is not a month written as YYYY-MM"),
        ({"to": "2026-3-1"}, "to: '2026-3-1' is not a month written as YYYY-MM"),
        ({"from": "2026-05", "to": "2026-03"}, "from: 2026-05 is after to: 2026-03"),
        ({"from": "2023-01", "to": "2026-03"}, "from/to: 39 months asked for; at most 36"),
        ({"to": "2999-01"}, "to: 2999-01 is in the future"),
    ],
)
def test_bad_months_are_refused_naming_the_parameter(finalised, params, message):
    path = f"/t/{finalised.code}/open-data/tiers"
    as_json = public().get(path + ".json", params)
    assert as_json.status_code == 400
    assert message in as_json.json()["error"]
    assert as_json.json()["parameter"] in ("from", "to")
    as_csv = public().get(path + ".csv", params)
    assert as_csv.status_code == 400 and message in as_csv.content.decode()


def test_unknown_datasets_and_formats_are_404(finalised):
    for path in ("nothing.json", "nothing.csv", "tiers.xml"):
        response = public().get(f"/t/{finalised.code}/open-data/{path}")
        assert response.status_code == 404
        assert "No open dataset" in response.content.decode()


def test_downloads_are_rate_limited_per_client(finalised, settings):
    settings.PUBLIC_SCAN_RATE_PER_MINUTE = 2
    path = f"/t/{finalised.code}/open-data/tiers.json"
    assert [public().get(path).status_code for _ in range(3)] == [200, 200, 429]
    refused = public().get(path)
    assert refused["Retry-After"] == "60" and "at most 2 a minute" in refused.json()["error"]


# --- the index ----------------------------------------------------------------------------


def test_the_index_lists_datasets_columns_and_links_in_both_languages(petitions):
    text = public().get(f"/t/{petitions.code}/open-data/").content.decode()
    assert "Open data of 甲镇" in text
    assert "Households per tier, by village and month (finalised)" in text
    for link in ("tiers.csv", "tiers.json", "cases.csv", "case_rates.json"):
        assert f"/t/{petitions.code}/open-data/{link}" in text
    assert "<code>overdue_rate</code>" in text and "Village code" in text
    chinese = public("zh-hans").get(f"/t/{petitions.code}/open-data/").content.decode()
    assert "各村诚信等级户数" in chinese and "村代码" in chinese


def test_the_home_pages_link_to_open_data(petitions):
    township = public().get(f"/t/{petitions.code}/").content.decode()
    assert 'href="open-data/"' in township  # relative: under /t/<code>/ or the own host
    assert 'href="/open-data/"' in public().get("/").content.decode()


# --- the petition plugin's datasets -------------------------------------------------------


def test_cases_per_village_kind_and_month(petitions):
    month = f"{months_back(2):%Y-%m}"
    answer = json_of(f"/t/{petitions.code}/open-data/cases.json", **{"from": month, "to": month})
    today = timezone.localdate().isoformat()
    rows = {(r["village_code"], r["kind"]): r for r in answer["rows"]}
    assert set(rows) == {("V01", "hotline"), ("V01", "petition"), ("V02", "online")}
    assert rows[("V01", "hotline")] == {
        "month": month,
        "village_code": "V01",
        "village_name": "太湖村",
        "kind": "hotline",
        "received": 2,
        "closed": 1,
        "overdue": 1,
        "published": today,  # live figures: the day of the export
    }
    assert rows[("V02", "online")]["received"] == 1


def test_case_rates_per_village_and_month(petitions):
    month = f"{months_back(2):%Y-%m}"
    answer = json_of(
        f"/t/{petitions.code}/open-data/case_rates.json", **{"from": month, "to": month}
    )
    rows = {r["village_code"]: r for r in answer["rows"]}
    assert rows["V01"]["received"] == 3 and rows["V01"]["overdue"] == 1
    assert rows["V01"]["overdue_rate"] == round(1 / 3, 4)
    assert rows["V01"]["followed_up"] == 2 and rows["V01"]["satisfaction_rate"] == 0.5
    assert rows["V02"]["followed_up"] == 0 and rows["V02"]["satisfaction_rate"] is None
    table = csv_of(f"/t/{petitions.code}/open-data/case_rates.csv", **{"from": month, "to": month})
    header, v02 = table[0], table[2]
    assert v02[header.index("satisfaction_rate")] == ""  # nothing to divide by


# --- no personal data ------------------------------------------------------------------


def test_no_head_name_phone_or_household_code_appears_in_any_export(petitions, in_township):
    with in_township(petitions):
        households = list(Household.objects.values_list("head_name", "phone", "code"))
    assert households and all(phone for _name, phone, _code in households)
    exports = ""
    core = ("tiers", "honour_totals", "three_none_villages", "year_on_year")
    for key in (*core, "cases", "case_rates"):
        for fmt in ("csv", "json"):
            response = public().get(
                f"/t/{petitions.code}/open-data/{key}.{fmt}", {"from": "2025-12", "to": "2026-12"}
            )
            assert response.status_code == 200
            exports += response.content.decode()
            exports += public().get(f"/open-data/{key}.{fmt}", {"from": "2025-12"}).content.decode()
    assert "太湖村" in exports  # the exports are not empty
    for name, phone, code in households:
        assert name not in exports and phone not in exports and code not in exports
    assert "反映道路积水" not in exports and "H1" not in exports  # summaries, case numbers


class PersonalColumns:
    """A plugin declaring a household head's name as a column."""

    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_personal", "个人", "Personal", "1.0", core_versions=">=0.5")

    @hookimpl
    def township_open_datasets(self, settings):
        return [
            OpenDataset(
                key="heads",
                title_zh="户主",
                title_en="Heads",
                columns=(
                    OpenColumn("month", "月份", "Month", "month"),
                    OpenColumn("head_name", "户主", "Head of household", "label"),
                ),
                rows=lambda first, last: [{"month": first, "head_name": "俞国明"}],
            ),
            OpenDataset(
                key="leaky",
                title_zh="泄露",
                title_en="Leaky",
                columns=(
                    OpenColumn("month", "月份", "Month", "month"),
                    OpenColumn("village_code", "村代码", "Village code", "code"),
                    OpenColumn("village_name", "村名称", "Village name", "label"),
                ),
                rows=leaky_rows,
            ),
        ]


def leaky_rows(first, last):
    """Personal data disguised as village names and codes: every row but the last is refused."""
    return [
        {"month": first, "village_code": "V01", "village_name": "俞国明"},  # a head's name
        {"month": first, "village_code": "V01", "village_name": "138 1234 0001"},  # a phone
        {"month": first, "village_code": "V01", "village_name": "13912345678"},  # phone-like
        {"month": first, "village_code": "V01-0002", "village_name": "太湖村"},  # household
        {"month": first, "village_code": "V01", "village_name": "a@b.cn"},  # e-mail
        {"month": first, "village_code": "33050219800101123X", "village_name": "太湖村"},  # ID
        {"month": first, "village_code": "V01", "village_name": "太湖村", "extra": 1},
        {"month": first, "village_code": "V01", "village_name": "太湖村"},
    ]


personal_columns = PersonalColumns()


@pytest.fixture
def personal_plugin(monkeypatch, finalised):
    real = manager.entry_points
    fake = EntryPoint("sample_personal", "tests.test_open_data:personal_columns", GROUP)

    def with_sample(group):
        found = list(real(group=group))
        return [*found, fake] if group == GROUP else found

    monkeypatch.setattr(manager, "entry_points", with_sample)
    manager.reload()
    enable_plugin(finalised, "sample_personal")
    yield finalised
    monkeypatch.undo()
    manager.reload()


def test_a_column_that_looks_personal_is_refused_as_a_plugin_problem(personal_plugin, caplog):
    with caplog.at_level(logging.WARNING):
        response = public().get(f"/t/{personal_plugin.code}/open-data/heads.json")
    assert response.status_code == 404
    assert "column head_name looks like personal data" in caplog.text
    index = public().get(f"/t/{personal_plugin.code}/open-data/").content.decode()
    assert "heads" not in index and "Leaky" in index  # the plugin's other dataset stays


def test_every_value_is_checked_and_personal_rows_are_left_out(personal_plugin, caplog):
    with caplog.at_level(logging.WARNING):
        answer = json_of(
            f"/t/{personal_plugin.code}/open-data/leaky.json",
            **{"from": "2026-03", "to": "2026-03"},
        )
    assert [(r["village_code"], r["village_name"]) for r in answer["rows"]] == [("V01", "太湖村")]
    for why in (
        "a household head's name",
        "a phone number",
        "a household code",
        "an e-mail address",
        "an ID number",
        "keys are not the dataset's columns",
    ):
        assert why in caplog.text
    assert "俞国明" not in caplog.text and "13912345678" not in caplog.text  # never logged


@pytest.mark.parametrize(
    ("column", "problem"),
    [
        (OpenColumn("phone", "电话", "Phone", "label"), "looks like personal data"),
        (OpenColumn("household_code", "户码", "Household", "code"), "looks like personal data"),
        (OpenColumn("petitioner_count", "人", "Petitioners", "count"), "looks like personal data"),
        (OpenColumn("id_number", "证件", "ID", "code"), "looks like personal data"),
        (OpenColumn("published", "日期", "Date", "date"), "added by the platform"),
        (OpenColumn("score", "分", "Score", "points"), "kind 'points' is not one of"),
        (OpenColumn("Bad Name", "x", "x", "count"), "is not lower-case letters"),
    ],
)
def test_column_checks(column, problem):
    dataset = OpenDataset(
        "sample", "样", "Sample", (OpenColumn("month", "月", "Month", "month"), column), list
    )
    assert any(problem in p for p in dataset.problems())


def test_names_of_places_and_counts_of_households_are_not_personal():
    columns = (
        OpenColumn("month", "月", "Month", "month"),
        OpenColumn("village_name", "村", "Village", "label"),
        OpenColumn("township_code_old", "旧", "Old", "code"),
        OpenColumn("households", "户数", "Households", "count"),
    )
    assert OpenDataset("sample", "样", "Sample", columns, list).problems() == []


# --- spreadsheets -------------------------------------------------------------------------


def test_a_village_named_like_a_formula_is_escaped_in_the_csv(finalised, in_township):
    with in_township(finalised):
        Village.objects.filter(code="V02").update(name='=HYPERLINK("http://x.example","点击")')
    rows = csv_of(
        f"/t/{finalised.code}/open-data/tiers.csv", **{"from": "2026-03", "to": "2026-03"}
    )
    assert rows[2][2] == '\'=HYPERLINK("http://x.example","点击")'
    county = csv_of("/open-data/tiers.csv", **{"from": "2026-03", "to": "2026-03"})
    assert any(row[4].startswith("'=HYPERLINK") for row in county[1:])
    answer = json_of(
        f"/t/{finalised.code}/open-data/tiers.json", **{"from": "2026-03", "to": "2026-03"}
    )
    assert answer["rows"][1]["village_name"].startswith("=HYPERLINK")  # JSON is data, as is


# --- townships apart, and the county --------------------------------------------------------


@pytest.fixture
def both(petitions, township_b, in_township):
    """乙镇 finalised March too (V09 乙村, 4 households), without the petition plugin."""
    with in_township(township_b):
        f.village("V09", "乙村", size=4)
        f.approved("V09-0001", "P7-02", D(2026, 3, 4))
        finalise_month(MARCH, by=f.person())
    return petitions, township_b


def test_a_township_exports_only_its_own_figures(both):
    a, b = both
    march = {"from": "2026-03", "to": "2026-03"}
    text_a = public().get(f"/t/{a.code}/open-data/tiers.csv", march).content.decode()
    assert "太湖村" in text_a and "乙村" not in text_a and "V09" not in text_a
    text_b = public().get(f"/t/{b.code}/open-data/tiers.json", march).json()
    assert [r["village_code"] for r in text_b["rows"]] == ["V09"]


def test_a_disabled_plugins_datasets_are_404(both):
    a, b = both
    assert public().get(f"/t/{b.code}/open-data/cases.json").status_code == 404
    assert "cases.csv" not in public().get(f"/t/{b.code}/open-data/").content.decode()
    disable_plugin(a, "petition")
    assert public().get(f"/t/{a.code}/open-data/case_rates.csv").status_code == 404


def test_the_county_attributes_each_row_to_its_township(both):
    a, b = both
    march = {"from": "2026-03", "to": "2026-03"}
    answer = json_of("/open-data/tiers.json", **march)
    assert [(r["township_code"], r["village_code"]) for r in answer["rows"]] == [
        (a.code, "V01"),
        (a.code, "V02"),
        (b.code, "V09"),
    ]
    assert answer["rows"][2]["township_name"] == b.name and answer["rows"][2]["households"] == 4
    header = csv_of("/open-data/tiers.csv", **march)[0]
    assert header[:3] == ["township_code", "township_name", "month"]
    assert header[-1] == "published"


def test_the_county_exports_a_plugins_dataset_only_from_townships_that_enabled_it(both):
    a, b = both
    month = f"{months_back(2):%Y-%m}"
    answer = json_of("/open-data/cases.json", **{"from": month, "to": month})
    assert {r["township_code"] for r in answer["rows"]} == {a.code}
    assert answer["townships"] == [{"code": a.code, "name": a.name}]
    disable_plugin(a, "petition")
    assert public().get("/open-data/cases.json").status_code == 404


def test_the_county_index_and_its_bad_input(both):
    a, b = both
    text = public().get("/open-data/").content.decode()
    assert "Open data of the county" in text and "/open-data/tiers.csv" in text
    assert a.name in text and b.name in text
    refused = public().get("/open-data/tiers.json", {"from": "2026-13"})
    assert refused.status_code == 400 and refused.json()["parameter"] == "from"
    assert public().get("/open-data/unknown.csv").status_code == 404


def test_the_registry_lists_the_core_first_then_plugins(petitions, in_township):
    with in_township(petitions):
        keys = [(plugin, d.key) for plugin, d in datasets(petitions)]
    assert keys == [
        ("", "tiers"),
        ("", "honour_totals"),
        ("", "three_none_villages"),
        ("", "year_on_year"),
        ("petition", "cases"),
        ("petition", "case_rates"),
    ]
    assert json.loads(export.to_json({"a": "村"})) == {"a": "村"}


def test_the_contract_kit_checks_open_datasets():
    import plugins.petition.plugin
    from township_integrity.testing import contract_problems

    problems = contract_problems(personal_columns)
    assert (
        "township_open_datasets: dataset heads: column head_name looks like personal data "
        "(aggregates only)" in problems
    )
    petition = contract_problems(plugins.petition.plugin)
    assert [p for p in petition if "open_datasets" in p] == []
