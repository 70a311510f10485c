"""The garbage_sorting plugin's hooks: who it is and which covenant rules it brings.

Modules with models are imported inside the hooks: discovery imports this module
before Django's models are ready.
"""

from __future__ import annotations

from django.utils import timezone

from plugins.garbage_sorting.conf import (
    GARBAGE_BASIS,
    KEY,
    MODEL_MONTH_MIN,
    MODEL_MONTH_RULE,
    RULE_FOR_RESULT,
)
from township_integrity import PluginMetadata, RuleSpec, ScoreEventSpec, hookimpl

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "review_inspections": {
            "type": "boolean",
            "description": "Entries from inspections wait for the joint review",
        },
        "record_correct": {
            "type": "boolean",
            "description": "Also reward correct sorting (otherwise only faults are recorded)",
        },
        "model_month_min": {
            "type": "integer",
            "minimum": 1,
            "maximum": 31,
            "description": "Correct inspections, and no fault, that make a month's model "
            "household (default 3)",
        },
    },
    "additionalProperties": False,
}


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="垃圾分类",
        name_en="Garbage sorting",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Household inspections (correct / wrong / not sorted) become entries.",
    )


@hookimpl
def township_covenant_rules(settings):
    return [
        RuleSpec(
            RULE_FOR_RESULT["correct"],
            "垃圾分类检查：分类正确",
            "Inspection: sorted correctly",
            KEY,
            1,
            needs_review=False,
        ),
        RuleSpec(
            RULE_FOR_RESULT["wrong"],
            "垃圾分类检查：分类错误",
            "Inspection: sorted wrongly",
            KEY,
            -1,
            needs_review=False,
            basis=GARBAGE_BASIS,
        ),
        RuleSpec(
            RULE_FOR_RESULT["not_sorted"],
            "垃圾分类检查：未分类",
            "Inspection: not sorted",
            KEY,
            -2,
            needs_review=False,
            basis=GARBAGE_BASIS,
        ),
        RuleSpec(
            MODEL_MONTH_RULE,
            "垃圾分类月度示范户（检查全部合格）",
            "Garbage-sorting model household of the month (every inspection correct)",
            KEY,
            2,
            needs_review=False,
        ),
    ]


@hookimpl
def township_score_events(period_start, period_end, settings):
    """A month's model households: enough correct inspections and not one fault."""
    from plugins.garbage_sorting.selectors import model_households

    minimum = settings.get("model_month_min", MODEL_MONTH_MIN)
    return [
        ScoreEventSpec(
            household_code=code,
            rule_code=MODEL_MONTH_RULE,
            occurred_on=period_end,
            external_id=f"model-month:{code}:{period_end:%Y-%m}",
            evidence=f"{count} correct inspections and no fault in {period_end:%Y-%m}",
        )
        for code, count in model_households(period_start, period_end, minimum)
    ]


@hookimpl
def township_graphql_fields(settings):
    """Inspections and recording one; graphene is imported only when a schema is built."""
    from plugins.garbage_sorting.graphql import contribution

    return contribution()


@hookimpl
def township_demo_data(actor, rng, months):
    """This month's inspections of one household in fifty (at least ten), for ``make demo``."""

    from plugins.garbage_sorting.services import record_inspection
    from township_integrity.models import Household

    sample = list(Household.objects.order_by("?")[: max(10, Household.objects.count() // 50)])
    for household in sample:
        record_inspection(
            household,
            inspected_on=timezone.localdate().replace(day=1),
            result=rng.choices(["correct", "wrong", "not_sorted"], [8, 2, 1])[0],
            inspector=actor,
        )
    return f"{len(sample)} garbage inspections this month"
