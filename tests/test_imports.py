"""The import/export contracts: CSV/XLSX, Chinese headers, BOM, atomic failure, idempotency."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from platform_core.actors import Actor
from platform_core.households.imports import import_households
from platform_core.households.models import Grid, Household, Village
from platform_core.scoring.imports import import_rules, import_score_events
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.tabular import TableError
from tests import factories as f

pytestmark = pytest.mark.django_db


def _csv(tmp_path, name: str, text: str, bom: bool = False):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


def _xlsx(tmp_path, name: str, rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def _run(command: str, township, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, "--township", township.code, *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- households -------------------------------------------------------------------

HOUSEHOLDS_ZH = """户码,村,网格,户主,地址,人口,电话
,太湖村,第1网格,俞国明,太湖村3组12号,4,13800000001
,太湖村,第2网格,沈红,太湖村5组2号,2,
T-9,白鹤村,,张小英,,,
"""


def test_households_with_chinese_headers_and_bom(township_a, in_township, tmp_path):
    path = _csv(tmp_path, "households.csv", HOUSEHOLDS_ZH, bom=True)
    out, _ = _run("import_households", township_a, path)
    assert "3 rows, 3 households created, 0 updated, 2 villages and 2 grids created" in out
    with in_township(township_a):
        assert Village.objects.count() == 2 and Grid.objects.count() == 2
        yu = Household.objects.get(head_name="俞国明")
        assert (yu.code, yu.members, yu.grid.name) == ("V01-0001", 4, "第1网格")
        assert Household.objects.get(code="T-9").village.name == "白鹤村"
        # Re-importing with a code updates that household instead of duplicating it.
        again = _csv(tmp_path, "fix.csv", "code,village,head_name,members\nT-9,白鹤村,张小英,3\n")
        result = import_households(again)
        assert (result.created, result.updated) == (0, 1)
        assert Household.objects.get(code="T-9").members == 3


def test_households_from_xlsx(township_a, in_township, tmp_path):
    path = _xlsx(
        tmp_path,
        "households.xlsx",
        [["code", "village", "head_name", "members"], ["X-1", "太湖村", "王芳", 3.0]],
    )
    with in_township(township_a):
        assert import_households(path).created == 1
        assert Household.objects.get(code="X-1").members == 3


def test_bad_household_file_names_row_and_column_and_writes_nothing(
    township_a, in_township, tmp_path
):
    path = _csv(
        tmp_path,
        "households.csv",
        "户码,村,户主,人口\nA-1,太湖村,俞国明,4\nA-2,太湖村,,3\nA-1,太湖村,沈红,two\n",
    )
    with pytest.raises(CommandError) as caught:
        _run("import_households", township_a, path)
    message = str(caught.value)
    assert "households.csv, row 3, column 户主 (head_name): missing value" in message
    assert "households.csv, row 4, column 户码 (code): A-1 repeats row 2" in message
    assert "households.csv, row 4, column 人口 (members): 'two' is not a whole number" in message
    assert "Nothing from households.csv was imported." in message
    with in_township(township_a):
        assert not Household.objects.exists() and not Village.objects.exists()


def test_missing_column_and_wrong_encoding_are_named(township_a, in_township, tmp_path):
    with in_township(township_a):
        path = _csv(tmp_path, "h.csv", "code,village\nA,太湖村\n")
        with pytest.raises(TableError, match="required column missing: head_name / 户主"):
            import_households(path)
        gbk = tmp_path / "gbk.csv"
        gbk.write_bytes("村,户主\n太湖村,俞国明\n".encode("gbk"))
        with pytest.raises(TableError, match="not UTF-8"):
            import_households(gbk)


# --- rules ------------------------------------------------------------------------


def test_rules_import_export_round_trip(township_a, in_township, tmp_path):
    with in_township(township_a):
        f.village()
        entry = f.approved("V01-0001", "VO-01", dt.date(2026, 3, 1))
    path = _csv(
        tmp_path,
        "rules.csv",
        "编码,名称,英文名称,类别,分值,需审核\nVO-01,参加志愿服务,Volunteering,志愿活动,4,否\n"
        "LOCAL-1,孝老爱亲,Caring for elders,other,3,是\n",
    )
    out, _ = _run("import_rules", township_a, path)
    assert "1 rules added, 1 updated" in out
    with in_township(township_a):
        assert Rule.objects.get(code="VO-01").points == 4
        assert not Rule.objects.get(code="VO-01").needs_review
        entry.refresh_from_db()
        assert entry.points == 2  # recorded entries keep their points
    exported = tmp_path / "export.csv"
    _run("export_rules", township_a, exported)
    lines = exported.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("code,title_zh,title_en,category,points,needs_review")
    local = "LOCAL-1,孝老爱亲,Caring for elders,other,3,true,"
    assert any(line.startswith(local) for line in lines)
    with in_township(township_a):
        assert (
            import_rules(exported, by=Actor.cli()).created == 0
        )  # the export imports back unchanged


def test_bad_rules_file_writes_nothing(township_a, in_township, tmp_path):
    path = _csv(
        tmp_path,
        "rules.csv",
        "code,title_zh,category,points\nNEW-1,新规,other,2\nNEW-2,坏规,gossip,3\nNEW-3,零分,other,0\n",
    )
    with in_township(township_a):
        with pytest.raises(TableError) as caught:
            import_rules(path, by=Actor.cli())
        assert "row 3, column category: unknown category 'gossip'" in str(caught.value)
        assert "row 4, column points: a rule must add or deduct points" in str(caught.value)
        assert not Rule.objects.filter(code__startswith="NEW-").exists()


# --- ledger entries ------------------------------------------------------------------

EVENTS = """户码,规则,日期,分值,外部编号,备注
V01-0001,VO-01,2026-03-02,,ev-1,巡防
V01-0002,P7-03,2026-03-05,-3,ev-2,
V01-0003,GS-01,2026-03-06,,,
"""


def test_import_events_with_approve_is_idempotent(township_a, in_township, tmp_path):
    with in_township(township_a):
        f.village()
        f.person("clerk")
    path = _csv(tmp_path, "events.csv", EVENTS, bom=True)
    out, err = _run(
        "import_score_events", township_a, path, "--approve", "--operator", "clerk@test.local"
    )
    assert "3 rows, 3 entries recorded approved, 0 skipped as already in the ledger" in out
    assert "writing the ledger" in err  # progress goes to stderr
    with in_township(township_a):
        entry = ScoreEvent.objects.get(external_id="ev-2")
        assert (entry.points, entry.status, entry.source) == (-3, "approved", "import")
        assert entry.reviewed_by_label == "clerk@test.local"
        assert "approved at import (--approve) by clerk@test.local" in entry.review_note
        assert entry.evidence == "imported from events.csv, row 3"
        assert ScoreEvent.objects.get(external_id="ev-1").points == 2  # the rule's points
    out, _ = _run("import_score_events", township_a, path, "--approve")
    # Rows with an external id already in the ledger are skipped; the one without is new.
    assert "3 rows, 1 entries recorded approved, 2 skipped" in out
    with in_township(township_a):
        assert ScoreEvent.objects.count() == 4


def test_import_without_approve_leaves_entries_for_review(township_a, in_township, tmp_path):
    with in_township(township_a):
        f.village()
        result = import_score_events(
            _csv(tmp_path, "events.csv", EVENTS), operator=f.person("clerk")
        )
        assert result.recorded == 3
        assert set(ScoreEvent.objects.values_list("status", flat=True)) == {"proposed"}


def test_bad_event_rows_fail_the_whole_file(township_a, in_township, tmp_path):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    text = (
        "household_code,rule_code,occurred_on,points,external_id\n"
        "V01-0001,VO-01,2026-03-02,,a\n"
        "V01-0001,VO-01,2026/03/02,,b\n"
        f"V01-0002,VO-01,{tomorrow},,c\n"
        "V01-0002,VO-01,2026-03-02,1.5,d\n"
        ",VO-01,2026-03-02,,e\n"
    )
    with in_township(township_a):
        f.village()
        with pytest.raises(TableError) as caught:
            import_score_events(_csv(tmp_path, "e.csv", text), operator=f.person())
        message = str(caught.value)
        assert "e.csv, row 3, column occurred_on: '2026/03/02' is not a date" in message
        assert f"e.csv, row 4, column occurred_on: {tomorrow} is in the future" in message
        assert "e.csv, row 5, column points: 1.5" in message or "'1.5'" in message
        assert "e.csv, row 6, column household_code: missing value" in message
        assert not ScoreEvent.objects.exists()


def test_unknown_household_rule_sign_and_repeated_ids_are_named(township_a, in_township, tmp_path):
    text = (
        "户码,规则,日期,分值,外部编号\n"
        "V01-0001,VO-01,2026-03-02,,x1\n"
        "V09-0001,VO-01,2026-03-02,,x2\n"
        "V01-0001,NOPE,2026-03-02,,x3\n"
        "V01-0001,P7-03,2026-03-02,5,x4\n"
        "V01-0002,VO-01,2026-03-02,,x1\n"
    )
    with in_township(township_a):
        f.village()
        with pytest.raises(TableError) as caught:
            import_score_events(_csv(tmp_path, "e.csv", text), operator=f.person())
        message = str(caught.value)
        assert "row 3, column 户码 (household_code): unknown household V09-0001" in message
        assert "row 4, column 规则 (rule_code): unknown rule NOPE" in message
        assert "row 5, column 分值 (points): 5 against rule P7-03 (-5)" in message
        assert not ScoreEvent.objects.exists()


def test_a_key_repeated_inside_the_file_fails_it(township_a, in_township, tmp_path):
    text = (
        "户码,规则,日期,外部编号\n"
        "V01-0001,VO-01,2026-03-02,x1\n"
        "V01-0002,VO-01,2026-03-02,x2\n"
        "V01-0002,VO-01,2026-03-03,x1\n"
    )
    with in_township(township_a):
        f.village()
        with pytest.raises(
            TableError, match="row 4, column 外部编号 \\(external_id\\): x1 repeats row 2"
        ):
            import_score_events(_csv(tmp_path, "e.csv", text), operator=f.person())
        assert not ScoreEvent.objects.exists()


def test_events_from_xlsx_with_real_dates(township_a, in_township, tmp_path):
    path = _xlsx(
        tmp_path,
        "events.xlsx",
        [
            ["户码", "规则", "日期", "分值", "备注"],
            ["V01-0001", "VO-03", dt.datetime(2026, 3, 2), None, "最美家庭"],
            [None, None, None, None, None],
            ["V01-0002", "P7-03", "2026-03-04", -5.0, None],
        ],
    )
    with in_township(township_a):
        f.village()
        result = import_score_events(path, operator=f.person(), approve=True)
        assert (result.rows, result.recorded) == (2, 2)
        assert sorted(ScoreEvent.objects.values_list("points", flat=True)) == [-5, 10]


def test_imports_land_only_in_their_township(township_a, township_b, in_township, tmp_path):
    with in_township(township_a):
        f.village()
    _run("import_score_events", township_a, _csv(tmp_path, "e.csv", EVENTS), "--approve")
    with in_township(township_b):
        f.village(code="V01", name="乙村")  # same household codes, another township
        assert not ScoreEvent.objects.exists()
    with in_township(township_a):
        assert ScoreEvent.objects.count() == 3


def test_values_too_long_or_too_large_are_named(township_a, in_township, tmp_path):
    with in_township(township_a):
        f.village()
        long_phone = "1" * 40
        households = _csv(tmp_path, "h.csv", f"村,户主,电话\n太湖村,俞国明,{long_phone}\n")
        with pytest.raises(TableError, match="row 2, column 电话 \\(phone\\): longer than 32"):
            import_households(households)
        rules = _csv(
            tmp_path,
            "r.csv",
            f"code,title_zh,category,points\n{'X' * 41},长,other,2\nOK-1,大,other,99999999999\n",
        )
        with pytest.raises(TableError) as caught:
            import_rules(rules, by=Actor.cli())
        assert "row 2, column code: longer than 40 characters" in str(caught.value)
        assert "row 3, column points: 99999999999 is outside -1000..1000" in str(caught.value)
        events = _csv(
            tmp_path, "e.csv", "户码,规则,日期,分值\nV01-0001,VO-01,2026-03-02,99999999999\n"
        )
        with pytest.raises(
            TableError, match="row 2, column 分值 \\(points\\): 99999999999 is outside"
        ):
            import_score_events(events, operator=f.person())
        assert not ScoreEvent.objects.exists()


def test_export_to_a_missing_folder_says_so(township_a, tmp_path):
    with pytest.raises(CommandError, match="No such file or directory"):
        _run("export_rules", township_a, tmp_path / "missing" / "rules.csv")


def test_updating_a_rule_keeps_what_the_file_leaves_empty(township_a, in_township, tmp_path):
    with in_township(township_a):
        path = _csv(
            tmp_path,
            "r.csv",
            "code,title_zh,title_en,category,points\nVO-01,志愿,,volunteering,3\n",
        )
        import_rules(path, by=Actor.cli())
        rule = Rule.objects.get(code="VO-01")
        assert (rule.title_en, rule.points, rule.needs_review) == (
            "Volunteer service (per activity)",
            3,
            True,
        )


def test_operator_must_be_staff_of_the_township(township_a, township_b, in_township, tmp_path):
    with in_township(township_b):
        f.person("outsider")
    with in_township(township_a):
        f.village()
    path = _csv(tmp_path, "events.csv", EVENTS)
    with pytest.raises(CommandError, match="outsider@test.local has no staff role in 甲镇"):
        _run(
            "import_score_events",
            township_a,
            path,
            "--approve",
            "--operator",
            "outsider@test.local",
        )
