"""The garbage_sorting plugin: inspections become ledger entries by rule."""

from __future__ import annotations

import datetime as dt

import pytest

from platform_core.plugins.services import PluginError, disable_plugin, enable_plugin
from platform_core.scoring.models import ScoreEvent
from plugins.garbage_sorting.models import Inspection
from plugins.garbage_sorting.services import record_inspection
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date


def test_inspections_become_entries_by_result(township_a, in_township):
    enable_plugin(township_a, "garbage_sorting")
    with in_township(township_a):
        f.village()
        inspector = f.person("inspector", role="grid_worker")
        results = {"V01-0001": "correct", "V01-0002": "wrong", "V01-0003": "not_sorted"}
        for code, result in results.items():
            record_inspection(
                f.household(code),
                inspected_on=D(2026, 3, 5),
                result=result,
                inspector=inspector,
                photo_ref=f"IMG_{code}.jpg",
            )
        entries = {
            e.household.code: (e.rule.code, e.points, e.status, e.source)
            for e in ScoreEvent.objects.select_related("household", "rule")
        }
        assert entries == {
            "V01-0001": ("GSI-CORRECT", 1, "approved", "garbage_sorting"),
            "V01-0002": ("GSI-WRONG", -1, "approved", "garbage_sorting"),
            "V01-0003": ("GSI-NOT-SORTED", -2, "approved", "garbage_sorting"),
        }
        inspection = Inspection.objects.get(household__code="V01-0002")
        assert inspection.entry.recorded_by_label == "inspector@test.local"
        assert "photo IMG_V01-0002.jpg" in inspection.entry.evidence
        with pytest.raises(PluginError, match="already inspected on 2026-03-05"):
            record_inspection(
                f.household("V01-0001"),
                inspected_on=D(2026, 3, 5),
                result="wrong",
                inspector=inspector,
            )
        with pytest.raises(PluginError, match="use correct, wrong or not_sorted"):
            record_inspection(
                f.household("V01-0001"),
                inspected_on=D(2026, 3, 6),
                result="messy",
                inspector=inspector,
            )


def test_settings_choose_review_and_whether_correct_sorting_scores(township_a, in_township):
    enable_plugin(
        township_a, "garbage_sorting", {"review_inspections": True, "record_correct": False}
    )
    with in_township(township_a):
        f.village()
        inspector = f.person(role="grid_worker")
        correct = record_inspection(
            f.household("V01-0001"),
            inspected_on=D(2026, 3, 5),
            result="correct",
            inspector=inspector,
        )
        wrong = record_inspection(
            f.household("V01-0002"), inspected_on=D(2026, 3, 5), result="wrong", inspector=inspector
        )
        assert correct.entry is None
        assert wrong.entry.status == "proposed"


def test_a_township_without_the_plugin_cannot_record_and_disabling_keeps_data(
    township_a, township_b, in_township
):
    with in_township(township_b):
        f.village()
        with pytest.raises(PluginError, match="not enabled in 乙镇"):
            record_inspection(
                f.household("V01-0001"),
                inspected_on=D(2026, 3, 5),
                result="wrong",
                inspector=f.person(),
            )
    enable_plugin(township_a, "garbage_sorting")
    with in_township(township_a):
        f.village()
        record_inspection(
            f.household("V01-0001"),
            inspected_on=D(2026, 3, 5),
            result="wrong",
            inspector=f.person(),
        )
    disable_plugin(township_a, "garbage_sorting")
    with in_township(township_a):
        assert Inspection.objects.count() == 1  # kept
        with pytest.raises(PluginError, match="not enabled"):
            record_inspection(
                f.household("V01-0002"),
                inspected_on=D(2026, 3, 5),
                result="wrong",
                inspector=f.person(),
            )
    with in_township(township_b):
        assert not Inspection.objects.exists()


def test_model_household_of_the_month_and_inspection_import(township_a, in_township, tmp_path):
    from django.core.management import call_command

    from platform_core.plugins.services import collect_plugin_events

    enable_plugin(township_a, "garbage_sorting", {"model_month_min": 2})
    sheet = tmp_path / "inspections.csv"
    sheet.write_text(
        "户码,检查日期,结果,照片\n"
        "V01-0001,2026-03-02,正确,a.jpg\nV01-0001,2026-03-16,correct,\n"
        "V01-0002,2026-03-02,正确,\nV01-0002,2026-03-16,错误,\n",
        encoding="utf-8",
    )
    with in_township(township_a):
        f.village()
        f.person("worker", role="grid_worker")
    out = __import__("io").StringIO()
    call_command(
        "import_inspections",
        "--township",
        township_a.code,
        str(sheet),
        "--operator",
        "worker@test.local",
        stdout=out,
    )
    assert "4 rows, 4 inspections recorded, 0 skipped" in out.getvalue()
    call_command("import_inspections", "--township", township_a.code, str(sheet), stdout=out)
    assert "4 rows, 0 inspections recorded, 4 skipped" in out.getvalue()
    with in_township(township_a):
        collect_plugin_events(D(2026, 3, 1), D(2026, 3, 31), township_a)
        model = ScoreEvent.objects.get(rule__code="GSI-MODEL-MONTH")
        assert (model.household.code, model.points, model.occurred_on) == (
            "V01-0001",
            2,
            D(2026, 3, 31),
        )


def test_bad_inspection_rows_are_named(township_a, in_township, tmp_path):
    from platform_core.tabular import TableError
    from plugins.garbage_sorting.imports import import_inspections

    enable_plugin(township_a, "garbage_sorting")
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        "户码,检查日期,结果\nV09-0001,2026-03-02,正确\nV01-0001,2026-03-02,脏\n", encoding="utf-8"
    )
    with in_township(township_a):
        f.village()
        with pytest.raises(TableError) as caught:
            import_inspections(sheet, inspector=f.person())
        assert "row 2, column 户码 (household_code): unknown household 'V09-0001'" in str(
            caught.value
        )
        assert "row 3, column 结果 (result): use correct/wrong/not_sorted" in str(caught.value)
        assert not Inspection.objects.exists()
