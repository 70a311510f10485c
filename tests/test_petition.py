"""The petition plugin: closed loop, determinations, case-file import, three-none, warnings."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from platform_core.errors import NotAllowed
from platform_core.households.models import Village
from platform_core.plugins.services import PluginError, enable_plugin
from platform_core.scoring.models import FormalFinding, Rule, ScoreEvent
from platform_core.scoring.services import LedgerError
from platform_core.tabular import TableError
from plugins.petition.imports import import_cases
from plugins.petition.models import Case, CaseStep
from plugins.petition.selectors import case_steps, early_warnings, three_none, village_status
from plugins.petition.services import advance, determine, receive_case, warn_petitioner
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def petition_a(township_a, in_township):
    """Township A with the plugin enabled, inside its schema, with village V01."""
    enable_plugin(township_a, "petition", {"warning_months": 3})
    with in_township(township_a):
        f.village()
        f.village("V02", "白鹤村")
        yield township_a


MARCH_5 = D(2025, 3, 5)


def new_case(reference="R1", kind="petition", household="V01-0001", on=MARCH_5, village="V01"):
    return receive_case(
        kind=kind,
        reference=reference,
        village=Village.objects.get(code=village),
        household=f.household(household) if household else None,
        petitioner_name="俞国明",
        summary="反映道路积水",
        received_at=at(on),
        by=f.person(),
    )


def deductions():
    return ScoreEvent.objects.filter(source="petition")


# --- closed loop ------------------------------------------------------------------


def test_closed_loop_keeps_every_step_with_time_and_person(petition_a):
    case = new_case()
    clerk, handler = f.person("clerk"), f.person("handler")
    day = D(2025, 3, 6)
    advance(case, "assigned", by=clerk, note="交城建办", at=at(day, 9))
    advance(case, "handling", by=handler, at=at(day, 10))
    advance(case, "transferred", by=handler, note="转县水利局", at=at(day, 11))
    advance(case, "handling", by=handler, at=at(day, 12))
    advance(case, "responded", by=handler, note="已疏通", at=at(day, 13))
    advance(case, "closed", by=clerk, satisfaction="basically_satisfied", at=at(day, 14))
    case.refresh_from_db()
    assert case.status == "closed" and case.satisfaction == "basically_satisfied"
    steps = list(case_steps(case))
    assert [s.status for s in steps] == [
        "received",
        "assigned",
        "handling",
        "transferred",
        "handling",
        "responded",
        "closed",
    ]
    assert steps[1].by_label == "clerk@test.local" and steps[1].by_id == clerk.user.pk
    assert steps[3].note == "转县水利局" and steps[3].at == at(day, 11)
    assert steps[0].at == at(D(2025, 3, 5))


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "handling", "is received; it can go to assigned"),
        (["assigned"], "closed", "is assigned; it can go to handling"),
        (["assigned", "handling"], "closed", "is handling; it can go to transferred or responded"),
        (
            ["assigned", "handling"],
            "assigned",
            "is handling; it can go to transferred or responded",
        ),
    ],
)
def test_invalid_transitions_are_refused(petition_a, path, target, message):
    case = new_case()
    for status in path:
        advance(case, status, by=f.person())
    with pytest.raises(PluginError, match=f"case R1 {message}"):
        advance(case, target, by=f.person())
    case.refresh_from_db()
    assert case.status == (path[-1] if path else "received")


def test_closing_needs_satisfaction_and_a_closed_case_goes_nowhere(petition_a):
    case = new_case()
    for status in ("assigned", "handling", "responded"):
        advance(case, status, by=f.person())
    with pytest.raises(PluginError, match="satisfaction"):
        advance(case, "closed", by=f.person())
    with pytest.raises(PluginError, match="satisfaction"):
        advance(case, "closed", by=f.person(), satisfaction="happy")
    advance(case, "closed", by=f.person(), satisfaction="unsatisfied")
    with pytest.raises(PluginError, match="is closed; it cannot change any more"):
        advance(case, "handling", by=f.person())


def test_transfer_needs_a_note_and_steps_never_go_back_in_time(petition_a):
    case = new_case()
    advance(case, "assigned", by=f.person(), at=at(D(2025, 3, 6)))
    advance(case, "handling", by=f.person(), at=at(D(2025, 3, 7)))
    with pytest.raises(PluginError, match="says where the case went"):
        advance(case, "transferred", by=f.person())
    with pytest.raises(PluginError, match="earlier than the last one"):
        advance(case, "responded", by=f.person(), at=at(D(2025, 3, 6)))


def test_case_numbers_are_unique_per_kind(petition_a):
    new_case("R1", "petition")
    new_case("R1", "hotline")
    with pytest.raises(PluginError, match="already registered"):
        new_case("R1", "hotline")


# --- determinations ---------------------------------------------------------------


FINDING = {
    "authority": "县信访局",
    "document_number": "信认字〔2025〕7号",
    "found_on": D(2025, 3, 20),
}


MARCH_10 = D(2025, 3, 10)


def warned(case, on=MARCH_10):
    """The petitioner warned in advance (先提醒), on ``on``."""
    return warn_petitioner(
        case, warning="告知书第3号：继续缠访将扣减诚信积分", by=f.person(), at=at(on)
    )


@pytest.mark.parametrize(
    ("determination", "rule"),
    [
        ("unreasonable", "PET-UNREASONABLE"),
        ("repeated", "PET-REPEATED"),
        ("skip_level", "PET-SKIP-LEVEL"),
    ],
)
def test_deducting_determination_records_entry_with_its_finding(petition_a, determination, rule):
    case = warned(new_case(kind="hotline"))
    reviewer = f.person("reviewer")
    determine(case, determination, reviewer=reviewer, reason="已答复仍反复", finding=FINDING)
    case.refresh_from_db()
    entry = case.entry
    assert entry.rule.code == rule and entry.points == -10 and entry.status == "approved"
    # Dated the day of the finding: nothing is deducted for a time before it.
    assert entry.household.code == "V01-0001" and entry.occurred_on == D(2025, 3, 20)
    assert entry.source == "petition" and entry.external_id == f"case:{case.pk}"
    assert entry.recorded_by_label == "reviewer@test.local"
    assert case.notice.startswith("告知书第3号") and case.notified_at == at(D(2025, 3, 10))
    assert case.determined_by_id == reviewer.user.pk
    finding = FormalFinding.objects.get(entry=entry)
    assert (finding.authority, finding.document_number, finding.found_on) == (
        "县信访局",
        "信认字〔2025〕7号",
        D(2025, 3, 20),
    )
    assert finding.warned_on == D(2025, 3, 10) and finding.warning == case.notice


def test_plugin_rules_are_prohibitions_on_a_finding_with_their_basis(petition_a):
    rules = Rule.objects.filter(plugin="petition").order_by("code")
    assert [(r.code, r.points, r.category, r.needs_review) for r in rules] == [
        ("PET-REPEATED", -10, "prohibition", False),
        ("PET-SKIP-LEVEL", -10, "prohibition", False),
        ("PET-UNREASONABLE", -10, "prohibition", False),
    ]
    assert all(r.requires_finding and "信访工作条例" in r.basis for r in rules)


def test_reasonable_determination_creates_no_entry(petition_a):
    case = determine(new_case(), "reasonable", reviewer=f.person(), reason="诉求合理")
    assert case.determination == "reasonable" and case.entry is None
    assert not deductions().exists()


def test_deduction_needs_warning_finding_household_reviewer_and_happens_once(petition_a):
    case = new_case()
    with pytest.raises(PluginError, match="needs the petitioner warned first"):
        determine(case, "unreasonable", reviewer=f.person(), reason="无理", finding=FINDING)
    warned(case)
    with pytest.raises(PluginError, match="needs the formal finding: authority, document_number"):
        determine(case, "unreasonable", reviewer=f.person(), reason="无理")
    with pytest.raises(PluginError, match="needs the formal finding: found_on"):
        determine(
            case,
            "unreasonable",
            reviewer=f.person(),
            reason="无理",
            finding={**FINDING, "found_on": None},
        )
    # The warning must come before the finding (core rule, same refusal on every path).
    with pytest.raises(LedgerError, match="warned before the finding"):
        determine(
            case,
            "unreasonable",
            reviewer=f.person(),
            reason="无理",
            finding={**FINDING, "found_on": D(2025, 3, 10)},
        )
    with pytest.raises(NotAllowed, match="may not determine petitions"):
        determine(
            case, "unreasonable", reviewer=f.person(role="grid_worker"), reason="x", finding=FINDING
        )
    with pytest.raises(PluginError, match="needs a reason"):
        determine(case, "reasonable", reviewer=f.person(), reason="")
    assert not deductions().exists() and not FormalFinding.objects.exists()
    determine(case, "repeated", reviewer=f.person(), reason="重复", finding=FINDING)
    with pytest.raises(PluginError, match="already determined repeated"):
        determine(case, "reasonable", reviewer=f.person(), reason="再议")
    assert deductions().count() == 1
    with pytest.raises(PluginError, match="already determined"):
        warn_petitioner(case, warning="again", by=f.person())
    anonymous = warned(new_case("R2", household=None))
    with pytest.raises(PluginError, match="names no household"):
        determine(anonymous, "skip_level", reviewer=f.person(), reason="越级", finding=FINDING)
    assert deductions().count() == 1


def test_a_warning_is_recorded_once_by_staff_of_the_village(petition_a):
    case = new_case()
    with pytest.raises(NotAllowed):
        warn_petitioner(case, warning="x", by=f.person(role="grid_worker", village_code="V02"))
    with pytest.raises(PluginError, match="say what the petitioner was told"):
        warn_petitioner(case, warning=" ", by=f.person())
    with pytest.raises(PluginError, match="before the case was received"):
        warn_petitioner(case, warning="x", by=f.person(), at=at(D(2025, 3, 1)))
    warned(case)
    with pytest.raises(PluginError, match="already warned on 2025-03-10"):
        warned(case)


def test_only_petition_hotline_and_online_cases_are_determined(petition_a):
    lawsuit = new_case(kind="lawsuit")
    with pytest.raises(PluginError, match="only petition, hotline and online"):
        determine(lawsuit, "unreasonable", reviewer=f.person(), reason="x", finding=FINDING)
    with pytest.raises(PluginError, match="only petition, hotline and online"):
        warn_petitioner(lawsuit, warning="x", by=f.person())
    assert not deductions().exists()


# --- import -----------------------------------------------------------------------

CSV_ZH = """工单号,类型,受理时间,村,户码,姓名,内容
H-001,12345热线,2025-03-05 10:20,太湖村,V01-0001,俞国明,路灯不亮
H-002,网信件,2025-03-06,V02,,,噪音扰民
H-003,信访,2025/03/07 08:00,太湖村,V01-0002,沈红,宅基地纠纷
"""


def _file(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_import_with_chinese_headers_is_idempotent(petition_a, tmp_path):
    path = _file(tmp_path, "hotline.csv", "\ufeff" + CSV_ZH)
    result = import_cases(path, operator=f.person("clerk"))
    assert (result.rows, result.imported, result.skipped) == (3, 3, 0)
    hotline = Case.objects.get(reference="H-001")
    assert hotline.kind == "hotline" and hotline.household.code == "V01-0001"
    assert timezone.localtime(hotline.received_at) == at(D(2025, 3, 5), 10) + dt.timedelta(
        minutes=20
    )
    online = Case.objects.get(reference="H-002")
    assert online.kind == "online" and online.village.name == "白鹤村" and online.household is None
    step = CaseStep.objects.get(case=hotline)
    assert step.status == "received" and step.by_label == "clerk@test.local"
    again = import_cases(path, operator=f.person())
    assert (again.imported, again.skipped) == (0, 3)
    assert "0 cases imported, 3 skipped as already registered" in again.summary()
    assert Case.objects.count() == 3 and CaseStep.objects.count() == 3


def test_json_import_accepts_english_and_chinese_keys(petition_a, tmp_path):
    new_case("J-1", kind="hotline")
    items = [
        {
            "reference": "J-1",
            "kind": "hotline",
            "received_at": "2025-03-05",
            "village": "V01",
            "summary": "x",
        },
        {
            "工单号": 20250301,
            "类型": "诉讼",
            "受理时间": "2025-03-08T15:00",
            "村": "太湖村",
            "内容": "合同纠纷",
        },
    ]
    path = _file(tmp_path, "cases.json", json.dumps(items, ensure_ascii=False))
    result = import_cases(path, operator=f.person())
    assert (result.rows, result.imported, result.skipped) == (2, 1, 1)
    assert Case.objects.get(reference="20250301").kind == "lawsuit"


def test_bad_row_names_row_and_column_and_writes_nothing(petition_a, tmp_path):
    text = CSV_ZH + "H-004,传真,2025-03-08,太湖村,,,内容\nH-005,信访,2025-03-09,无名村,,,内容\n"
    path = _file(tmp_path, "bad.csv", text)
    with pytest.raises(TableError) as caught:
        import_cases(path, operator=f.person())
    message = str(caught.value)
    assert "bad.csv, row 5, column 类型 (kind): unknown kind '传真'" in message
    assert "bad.csv, row 6, column 村 (village): unknown village '无名村'" in message
    assert "Nothing from bad.csv was imported." in message
    assert not Case.objects.exists()


def test_bad_json_item_names_item_and_key(petition_a, tmp_path):
    items = [
        {"工单号": "A", "类型": "信访", "受理时间": "2025-03-05", "村": "太湖村", "内容": "x"},
        {
            "工单号": "B",
            "类型": "信访",
            "受理时间": "3月5日",
            "村": "太湖村",
            "内容": "x",
            "户码": "V02-0001",
        },
        {"工单号": "A", "类型": "信访", "受理时间": "2025-03-05", "村": "太湖村"},
    ]
    path = _file(tmp_path, "cases.json", json.dumps(items, ensure_ascii=False))
    with pytest.raises(TableError) as caught:
        import_cases(path, operator=f.person())
    message = str(caught.value)
    assert "cases.json: item 2, key 受理时间 (received_at): '3月5日' is not a date" in message
    assert "cases.json: item 3, key 内容 (summary): missing value" in message
    assert not Case.objects.exists()


def test_household_must_belong_to_the_village(petition_a, tmp_path):
    text = "工单号,类型,受理时间,村,户码,内容\nX-1,信访,2025-03-05,太湖村,V02-0001,x\n"
    with pytest.raises(TableError, match="row 2, column 户码 .*V02-0001 is not in 太湖村"):
        import_cases(_file(tmp_path, "x.csv", text), operator=f.person())


def test_import_command(petition_a, tmp_path):
    path = _file(tmp_path, "hotline.csv", CSV_ZH)
    out = StringIO()
    call_command("import_cases", "--township", petition_a.code, str(path), stdout=out)
    assert "3 rows, 3 cases imported, 0 skipped" in out.getvalue()


# --- the hotline feed (township_feed_sources; the platform's feed machinery) ---------


@pytest.fixture
def hotline_folder(settings, tmp_path, petition_a):
    """Where township A's hotline files wait: <FEED_DIR>/<code>/petition/hotline/."""
    settings.FEED_DIR = tmp_path / "feeds"
    folder = settings.FEED_DIR / petition_a.code / "petition" / "hotline"
    folder.mkdir(parents=True)
    return folder


def test_the_hotline_feed_imports_each_case_once(hotline_folder):
    from platform_core.feeds.services import run_waiting_feeds

    _file(hotline_folder, "day1.csv", CSV_ZH)
    [first] = run_waiting_feeds()
    assert (first.plugin, first.feed, first.status) == ("petition", "hotline", "done")
    assert (first.created, first.unchanged) == (3, 0)
    assert "3 cases imported" in first.summary
    assert {s.by_label for s in CaseStep.objects.all()} == {"plugin:petition"}
    _file(hotline_folder, "day1.csv", CSV_ZH)  # the same file again: its content is known
    _file(hotline_folder, "day2.csv", CSV_ZH + "H-004,热线,2025-03-08,V02,,,积水\n")
    again, more = run_waiting_feeds()
    assert again.status == "unchanged" and again.created == 0
    assert (more.status, more.created, more.unchanged) == ("done", 1, 3)  # by case number
    assert Case.objects.count() == 4
    done = sorted(p.name for p in (hotline_folder / "done").iterdir())
    assert len(done) == 3 and "day1.csv" in done and "day2.csv" in done  # none overwritten
    assert run_waiting_feeds() == []  # nothing waits


def test_a_bad_hotline_file_fails_whole_with_the_clerks_message(hotline_folder):
    from platform_core.feeds.services import run_waiting_feeds

    _file(hotline_folder, "bad.csv", CSV_ZH + "H-009,传真,2025-03-08,太湖村,,,内容\n")
    _file(hotline_folder, "empty.json", "[]")
    bad, empty = run_waiting_feeds()
    assert bad.status == "failed" and "row 5, column 类型 (kind): unknown kind '传真'" in bad.error
    assert empty.status == "failed" and "no cases" in empty.error
    assert not Case.objects.exists()
    assert (hotline_folder / "failed" / "bad.csv").exists()


def test_the_hotline_feed_is_only_where_the_plugin_is_enabled(
    hotline_folder, township_b, in_township, settings
):
    from platform_core.feeds.services import run_waiting_feeds
    from platform_core.plugins.selectors import feed_sources

    assert [(key, s.key) for key, s in feed_sources()] == [("petition", "hotline")]
    folder = settings.FEED_DIR / township_b.code / "petition" / "hotline"
    folder.mkdir(parents=True)
    waiting = _file(folder, "b.csv", CSV_ZH)
    with in_township(township_b):
        assert feed_sources() == []
        assert run_waiting_feeds() == []
    assert waiting.exists()


# --- three-none and early warning --------------------------------------------------


def test_three_none_counts_petitions_lawsuits_and_criminal_cases_only(petition_a):
    new_case("T1", kind="hotline", on=D(2025, 3, 5))
    new_case("T2", kind="online", on=D(2025, 3, 6))
    new_case("T3", kind="criminal", on=D(2025, 4, 1), household=None)
    v01 = Village.objects.get(code="V01")
    assert three_none(v01, D(2025, 3, 1), D(2025, 3, 31))
    assert not three_none(v01, D(2025, 3, 1), D(2025, 4, 1))
    march = {s.village.code: s for s in village_status(D(2025, 3, 1), D(2025, 3, 31))}
    assert march["V01"].cases == {"hotline": 1, "online": 1} and march["V01"].three_none
    assert march["V02"].cases == {} and march["V02"].three_none
    april = {s.village.code: s for s in village_status(D(2025, 4, 1), D(2025, 4, 30))}
    assert not april["V01"].three_none


def test_early_warning_compares_a_village_with_its_own_average(petition_a):
    # warning_months=3 (fixture), factor 2.0 and minimum 3 by default.
    n = iter(range(100))
    for month, count in ((1, 1), (2, 1), (3, 1)):  # average 1 per month before April
        for _ in range(count):
            new_case(f"A{next(n)}", kind="hotline", on=D(2025, month, 10))
    for _ in range(3):  # 3 > 2 × 1: warned
        new_case(f"A{next(n)}", kind="hotline", on=D(2025, 4, 10))
    for _ in range(2):  # V02: no history, but below the minimum of 3
        new_case(f"B{next(n)}", kind="hotline", on=D(2025, 4, 10), household=None, village="V02")
    warnings = early_warnings(D(2025, 4, 1))
    assert [(w.village.code, w.cases, w.average) for w in warnings] == [("V01", 3, 1.0)]
    assert "3 cases in 2025-04, average 1.0 over the previous 3 months" in warnings[0].describe()
    # A village at exactly twice its average is not warned: the rule is "more than".
    new_case("A-extra", kind="hotline", on=D(2025, 2, 11))
    new_case("A-extra2", kind="hotline", on=D(2025, 3, 11))
    assert early_warnings(D(2025, 4, 1)) == []


def test_finalising_a_month_logs_the_early_warnings_of_its_villages(
    petition_a, township_b, in_township, caplog, django_capture_on_commit_callbacks
):
    from platform_core.evaluation.services import finalise_month

    for n in range(3):  # V01: 3 cases in April, none before (warned); V02: one
        new_case(f"W{n}", kind="hotline", on=D(2025, 4, 10 + n))
    new_case("W9", kind="hotline", on=D(2025, 4, 10), household=None, village="V02")
    with (
        caplog.at_level("WARNING", logger="plugins.petition.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        finalise_month(D(2025, 4, 1), by=f.person(role="township_admin"))
    warned = [r.getMessage() for r in caplog.records if r.name == "plugins.petition.services"]
    assert warned == [
        f"early warning in {petition_a.code}: 太湖村: 3 cases in 2025-04, "
        "average 0.0 over the previous 3 months"
    ]
    caplog.clear()
    with in_township(township_b):  # no petition plugin there: nothing is asked of it
        f.village()
        with django_capture_on_commit_callbacks(execute=True):
            finalise_month(D(2025, 4, 1), by=f.person(role="township_admin"))
    assert not [r for r in caplog.records if r.name == "plugins.petition.services"]


# --- enabling and isolation --------------------------------------------------------


def test_township_without_the_plugin_is_refused(township_b, in_township, tmp_path):
    with in_township(township_b):
        f.village()
        village = Village.objects.get(code="V01")
        with pytest.raises(PluginError, match="not enabled"):
            receive_case(
                kind="petition",
                reference="R1",
                village=village,
                summary="x",
                received_at=at(D(2025, 3, 5)),
                by=f.person(),
            )
        with pytest.raises(PluginError, match="not enabled"):
            import_cases(_file(tmp_path, "h.csv", CSV_ZH), operator=f.person())
        with pytest.raises(PluginError, match="not enabled"):
            early_warnings(D(2025, 3, 1))
        with pytest.raises(PluginError, match="not enabled"):
            three_none(village, D(2025, 3, 1), D(2025, 3, 31))
        assert not Case.objects.exists()


def test_cases_of_one_township_are_invisible_in_another(township_a, township_b, in_township):
    for township in (township_a, township_b):
        enable_plugin(township, "petition")
        with in_township(township):
            f.village()
            f.village("V02", "白鹤村")
    with in_township(township_a):
        new_case("ISO-1")
        assert Case.objects.count() == 1
    with in_township(township_b):
        assert not Case.objects.exists()
        assert three_none(Village.objects.get(code="V01"), D(2025, 3, 1), D(2025, 3, 31))
        new_case("ISO-1")  # the same case number is free in another township
    with in_township(township_a):
        assert Case.objects.count() == 1


def test_settings_are_validated_and_the_contract_kit_passes(township_a):
    import plugins.petition.plugin
    from township_integrity.testing import contract_problems

    assert contract_problems(plugins.petition.plugin, settings={"warning_factor": 1.5}) == []
    with pytest.raises(PluginError, match="warning_factor"):
        enable_plugin(township_a, "petition", {"warning_factor": 1})
    with pytest.raises(PluginError, match="Additional properties"):
        enable_plugin(township_a, "petition", {"unknown": 1})


def test_petition_status_command_prints_three_none_and_warnings(township_a, in_township):
    import json
    from io import StringIO

    from django.core.management import call_command

    from platform_core.plugins.services import enable_plugin

    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
    out = StringIO()
    call_command(
        "petition_status", "--township", township_a.code, "--period", "2026-03", stdout=out
    )
    line = json.loads(out.getvalue().splitlines()[0])
    assert line == {
        "village": "V01",
        "name": "太湖村",
        "period": "2026-03",
        "cases": {},
        "three_none": True,
        "warning": None,
    }
