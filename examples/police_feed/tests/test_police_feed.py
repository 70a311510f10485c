"""The police-feed plugin, tested as a third party tests it: installed with pip, on the
platform's public fixtures (``township_integrity.testing``), real PostgreSQL."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
import sys
from io import StringIO
from pathlib import Path

import police_feed
import pytest
from django.core.management import CommandError, call_command
from police_feed import plugin
from police_feed.models import Alert
from police_feed.services import import_alerts

from township_integrity.errors import PluginError, TableError
from township_integrity.models import LedgerEntry, Rule
from township_integrity.services import Actor
from township_integrity.testing import codes, contract_problems

LAW = "《中华人民共和国治安管理处罚法》"
YESTERDAY = dt.date.today() - dt.timedelta(days=1)
HEADER = "通报编号,户码,违法行为,法律依据,条款,发生日期,已查实\n"
FEED = HEADER + (
    f"GA-001,V01-0001,殴打他人,{LAW},第五十一条,{YESTERDAY},是\n"
    f"GA-002,V02-0002,赌博,{LAW},第八十二条,{YESTERDAY},否\n"
)
ACTOR = Actor.plugin("police_feed")
QUEUE = "work/x/police_feed/queue/"
ALERTS = """query ($confirmed: Boolean) {
  policeAlerts(confirmed: $confirmed) {
    totalCount
    edges { node { externalId householdCode offence legalBasis confirmed
                   entry { status points } } }
  }
}"""


def feed_file(folder: Path, text: str = FEED, name: str = "alerts.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def entries():
    return LedgerEntry.objects.filter(source="police_feed").order_by("external_id")


def test_the_installed_plugin_is_discovered_and_enabled_for_one_township(
    township, other_township, in_township
):
    listing = StringIO()
    call_command("plugins", stdout=listing)
    assert "police_feed 0.1.0  公安警情通报 / Police alerts" in listing.getvalue()
    assert "package: township-integrity-police-feed" in listing.getvalue()
    said = StringIO()
    call_command("plugins", township=township.code, enable="police_feed", stdout=said)
    assert "police_feed enabled" in said.getvalue()
    listing = StringIO()
    call_command("plugins", stdout=listing)
    after = listing.getvalue().split("police_feed 0.1.0")[1].splitlines()[1:]
    ours = "\n".join(itertools.takewhile(lambda line: line.startswith("  "), after))
    assert f"{township.code} {township.name}: enabled" in ours
    assert f"{other_township.code} {other_township.name}: enabled" not in ours
    with in_township(township):  # its rule joined the township's covenant
        assert Rule.objects.get(code="POLICE-OFFENCE").points == -5


def test_contract(township, other_township, enable_plugin):
    assert contract_problems(plugin, settings={}) == []
    assert contract_problems(plugin, settings={"points": -10}) == []
    assert contract_problems(plugin, settings={"points": 3}) != []  # a deduction, not a bonus
    enable_plugin("police_feed")
    # The queue screen: 200 to each reviewer role, 403 to another role, 404 where not enabled.
    assert contract_problems(plugin, township=township, elsewhere=other_township) == []


def test_a_feed_imported_twice_brings_nothing_new_the_second_time(
    township, enable_plugin, in_township, tmp_path
):
    enable_plugin("police_feed")
    path = feed_file(tmp_path)
    with in_township(township):
        first = import_alerts(path, ACTOR)
        assert (first.created, first.unchanged) == (2, 0)
        assert "alerts.csv" in first.summary
        again = import_alerts(path, ACTOR)
        assert (again.created, again.unchanged) == (0, 2)
        assert Alert.objects.count() == 2
        assert entries().count() == 1  # the unconfirmed alert is kept, not scored


def test_the_platform_imports_the_feed_folder_twice_and_the_second_time_nothing_new(
    township, enable_plugin, in_township, settings, tmp_path
):
    """As production runs it: files dropped in the feed's folder, ``manage.py feeds --run``."""
    settings.FEED_DIR = str(tmp_path)
    enable_plugin("police_feed")
    folder = tmp_path / township.code / "police_feed" / "alerts"
    folder.mkdir(parents=True)

    def run() -> str:
        said = StringIO()
        call_command("feeds", township=township.code, run=True, stdout=said)
        return said.getvalue()

    feed_file(folder, name="monday.csv")
    assert "monday.csv: done: monday.csv: 2 new alerts" in run()
    feed_file(folder, name="tuesday.csv")  # the same content again: not imported twice
    assert "tuesday.csv: unchanged" in run()
    resent = FEED.replace("GA-002,V02-0002,赌博", "GA-002,V02-0002,赌博（复核）")
    feed_file(folder, resent, "wednesday.csv")  # other bytes, the same alerts
    assert "wednesday.csv: done: wednesday.csv: 0 new alerts, 0 confirmed since, 2 already" in run()
    assert sorted(p.name for p in (folder / "done").iterdir()) == [
        "monday.csv",
        "tuesday.csv",
        "wednesday.csv",
    ]
    feed_file(folder, HEADER + f"GA-3,V01-0003,赌博,{LAW},第八十二条,{YESTERDAY},也许\n", "bad.csv")
    with pytest.raises(CommandError):
        run()
    assert (folder / "failed" / "bad.csv").exists()
    with in_township(township):
        assert Alert.objects.count() == 2 and entries().count() == 1


def test_confirmed_offences_are_proposed_entries_citing_their_legal_basis(
    township, enable_plugin, in_township, tmp_path
):
    enable_plugin("police_feed", {"points": -8})
    with in_township(township):
        import_alerts(feed_file(tmp_path), ACTOR)
        (entry,) = entries()
        assert (entry.household.code, entry.rule.code, entry.points) == (
            "V01-0001",
            "POLICE-OFFENCE",
            -8,
        )
        assert entry.status == "proposed"  # the village's reviewers decide
        assert entry.external_id == "alert:GA-001"
        assert f"{LAW}第五十一条" in entry.evidence and "殴打他人" in entry.evidence
        assert entry.note == f"{LAW}第五十一条"
        assert entry.recorded_by_label == "plugin:police_feed"
        waiting = Alert.objects.get(external_id="GA-002")
        assert (waiting.confirmed, waiting.entry) == (False, None)


def test_an_alert_confirmed_later_gets_its_entry_then(
    township, enable_plugin, in_township, tmp_path
):
    enable_plugin("police_feed")
    later = [
        {
            "external_id": "GA-002",
            "household_code": "V02-0002",
            "offence": "赌博",
            "statute": LAW,
            "article": "第八十二条",
            "occurred_on": str(YESTERDAY),
            "confirmed": True,
        }
    ]
    with in_township(township):
        import_alerts(feed_file(tmp_path), ACTOR)
        outcome = import_alerts(feed_file(tmp_path, json.dumps(later), "later.json"), ACTOR)
        assert (outcome.created, outcome.unchanged) == (1, 0)
        assert [e.external_id for e in entries()] == ["alert:GA-001", "alert:GA-002"]
        assert Alert.objects.get(external_id="GA-002").entry.status == "proposed"


@pytest.mark.parametrize(
    "name, text, where",
    [
        (
            "alerts.csv",
            HEADER + f"GA-9,V09-0001,赌博,{LAW},第八十二条,{YESTERDAY},是\n",
            ["alerts.csv", "row 2", "column 户码 (household_code)", "unknown household V09-0001"],
        ),
        (
            "alerts.csv",
            HEADER + f"GA-9,V01-0001,赌博,{LAW},第八十二条,2026-13-40,也许\n",
            ["row 2", "column 发生日期 (occurred_on)", "column 已查实 (confirmed)"],
        ),
        (
            "alerts.csv",
            FEED + f"GA-001,V01-0002,赌博,{LAW},第八十二条,{YESTERDAY},是\n",
            ["row 4", "column 通报编号 (external_id)", "repeats row 2"],
        ),
        (
            "alerts.json",
            json.dumps([{"external_id": "GA-9", "household_code": "V01-0001"}]),
            ["alerts.json", "row 1", "column offence", "missing value"],
        ),
        ("alerts.json", "{not json", ["alerts.json", "not valid JSON"]),
    ],
)
def test_a_bad_file_names_its_row_and_column_and_writes_nothing(
    township, enable_plugin, in_township, tmp_path, name, text, where
):
    enable_plugin("police_feed")
    with in_township(township):
        with pytest.raises(TableError) as refused:
            import_alerts(feed_file(tmp_path, text, name), ACTOR)
        for part in where:
            assert part in str(refused.value)
        assert "Nothing from" in str(refused.value)
        assert not Alert.objects.exists() and not entries().exists()


def test_nothing_is_imported_where_the_plugin_is_not_enabled(township, in_township, tmp_path):
    with in_township(township), pytest.raises(PluginError, match="only where enabled"):
        import_alerts(feed_file(tmp_path), ACTOR)


def test_the_queue_lists_the_reviewers_villages_alerts(
    township, other_township, enable_plugin, in_township, sign_in, tmp_path
):
    enable_plugin("police_feed")
    with in_township(township):
        import_alerts(feed_file(tmp_path), ACTOR)
    council = sign_in("council_member")
    page = council.get(council.address(QUEUE))
    assert page.status_code == 200
    assert 'data-alert="GA-001"' in page.text and f"{LAW}第五十一条" in page.text
    assert 'data-unconfirmed="GA-002"' in page.text
    reviewer_v02 = sign_in("village_committee", "V02")  # GA-001 is V01's
    page = reviewer_v02.get(reviewer_v02.address(QUEUE))
    assert page.status_code == 200 and "GA-001" not in page.text and "GA-002" in page.text
    grid = sign_in("grid_worker", "V01")
    assert grid.get(grid.address(QUEUE)).status_code == 403  # not a reviewer
    elsewhere = sign_in("council_member", township=other_township)
    assert elsewhere.get(elsewhere.address(QUEUE)).status_code == 404  # not enabled there
    assert council.get(f"/t/{other_township.code}/{QUEUE}").status_code in (403, 404)


def test_the_graphql_field_answers_staff_of_the_village_only(
    township, other_township, enable_plugin, in_township, sign_in, graphql, tmp_path
):
    enable_plugin("police_feed")
    with in_township(township):
        import_alerts(feed_file(tmp_path), ACTOR)
    council = sign_in("council_member")
    answer = graphql(council, ALERTS)
    assert not answer.get("errors"), answer
    nodes = {e["node"]["externalId"]: e["node"] for e in answer["data"]["policeAlerts"]["edges"]}
    assert set(nodes) == {"GA-001", "GA-002"}
    assert nodes["GA-001"]["legalBasis"] == f"{LAW}第五十一条"
    assert nodes["GA-001"]["entry"] == {"status": "proposed", "points": -5}
    assert nodes["GA-002"]["entry"] is None
    confirmed = graphql(council, ALERTS, {"confirmed": True})["data"]["policeAlerts"]
    assert confirmed["totalCount"] == 1

    grid_v02 = sign_in("grid_worker", "V02")  # staff of the other village
    edges = graphql(grid_v02, ALERTS)["data"]["policeAlerts"]["edges"]
    assert [e["node"]["externalId"] for e in edges] == ["GA-002"]
    household = sign_in("household", "V01", household_code="V01-0001")
    assert codes(graphql(household, ALERTS)) == ["FORBIDDEN"]  # wrong role

    # Another township: no field where not enabled; where enabled, none of these alerts.
    other = sign_in("council_member", township=other_township)
    assert graphql(other, ALERTS).get("errors")
    enable_plugin("police_feed", township=other_township)
    answer = graphql(other, ALERTS)
    assert answer["data"]["policeAlerts"]["totalCount"] == 0
    # The first township's council member has no role in the other one.
    assert codes(graphql(council, ALERTS, township=other_township)) == ["FORBIDDEN"]


# Everything the plugin may import: the platform's public API, Django, libraries.
ALLOWED = {"township_integrity", "django", "graphene", "graphene_django", "police_feed"}


def test_the_plugin_imports_only_the_public_api():
    package = Path(police_feed.__file__).parent
    wrong = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in ALLOWED and top not in sys.stdlib_module_names:
                    wrong.append(f"{path.relative_to(package)}: {name}")
    assert wrong == []


def test_the_plugin_speaks_chinese_from_its_own_catalogue(
    township, enable_plugin, in_township, sign_in, tmp_path
):
    """The package ships its compiled zh-hans catalogue (police_feed/locale/)."""
    from django.utils import translation

    with translation.override("zh-hans"), in_township(township):
        assert str(Alert._meta.verbose_name_plural) == "公安警情"
        with pytest.raises(PluginError, match="只有启用本插件的镇"):
            import_alerts(feed_file(tmp_path), ACTOR)
    enable_plugin("police_feed")
    council = sign_in("council_member")
    page = council.get(council.address(QUEUE), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "等待公安确认" in page.text
