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
