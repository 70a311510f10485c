"""The river_crab plugin's hooks: who it is, its settings and the compliance rules.

Entries (recorded as inspections are recorded, see ``services.record_inspection``):
- ``RC-VIOLATION`` (-5): one per failed aspect (water quality, drug-use records,
  quality certification) of a member's inspection;
- ``RC-COMPLIANT`` (+2): once per member and inspection day, when that day covers
  all three aspects and every one passed (switch off with ``reward_compliance``).
"""

from __future__ import annotations

from township_integrity import PluginMetadata, RuleSpec, hookimpl

KEY = "river_crab"
COMPLIANT_RULE = "RC-COMPLIANT"
VIOLATION_RULE = "RC-VIOLATION"

# Defaults used when a township leaves a key out.
DEFAULTS = {"review_inspections": False, "reward_compliance": True, "profit_target_per_mu": 10000}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "review_inspections": {
            "type": "boolean",
            "description": "Entries from inspections wait for the joint review (default no)",
        },
        "reward_compliance": {
            "type": "boolean",
            "description": "Reward an inspection day where all three aspects passed "
            "(default yes; otherwise only violations are recorded)",
        },
        "profit_target_per_mu": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Net profit per mu (yuan) a member or cooperative is flagged as "
            "reaching (default 10000: 亩均纯利破万元)",
        },
    },
    "additionalProperties": False,
}


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="河蟹合作社",
        name_en="River-crab cooperative",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Cooperative members, farming compliance inspections that become "
        "entries, and yield and profit per mu per member and cooperative.",
    )


@hookimpl
def township_covenant_rules(settings):
    # needs_review=False: the inspector's finding is the evidence; a township that wants
    # the joint review sets review_inspections.
    return [
        RuleSpec(
            COMPLIANT_RULE,
            "河蟹养殖合规检查全部合格（水质、用药记录、质量认证）",
            "Crab-farming inspection: water, drug records and certification all passed",
            "other",
            2,
            needs_review=False,
        ),
        RuleSpec(
            VIOLATION_RULE,
            "河蟹养殖合规检查不合格",
            "Crab-farming inspection: an aspect failed",
            "other",
            -5,
            needs_review=False,
        ),
    ]


@hookimpl
def township_graphql_fields(settings):
    """Cooperatives, inspections and yields; graphene is imported only when a schema is built."""
    from plugins.river_crab.graphql import contribution

    return contribution()
