"""The garbage_sorting plugin's hooks: who it is and which covenant rules it brings."""

from __future__ import annotations

from township_integrity import PluginMetadata, RuleSpec, hookimpl

KEY = "garbage_sorting"

# Inspection result -> the rule its entry is recorded under.
RULE_FOR_RESULT = {
    "correct": "GSI-CORRECT",
    "wrong": "GSI-WRONG",
    "not_sorted": "GSI-NOT-SORTED",
}

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
            "GSI-CORRECT",
            "垃圾分类检查：分类正确",
            "Inspection: sorted correctly",
            "garbage_sorting",
            1,
            needs_review=False,
        ),
        RuleSpec(
            "GSI-WRONG",
            "垃圾分类检查：分类错误",
            "Inspection: sorted wrongly",
            "garbage_sorting",
            -1,
            needs_review=False,
        ),
        RuleSpec(
            "GSI-NOT-SORTED",
            "垃圾分类检查：未分类",
            "Inspection: not sorted",
            "garbage_sorting",
            -2,
            needs_review=False,
        ),
    ]
