"""The river_crab plugin's hooks: who it is, its settings and the compliance rules.

Entries (recorded as inspections are recorded, see ``services.record_inspection``):
- ``RC-VIOLATION`` (-5): one per failed aspect (water quality, drug-use records,
  quality certification) of a member's inspection;
- ``RC-COMPLIANT`` (+2): once per member and inspection day, when that day covers
  all three aspects and every one passed (switch off with ``reward_compliance``).
"""

from __future__ import annotations

from plugins.river_crab.conf import (
    COMPLIANT_RULE,
    KEY,
    SETTINGS_SCHEMA,
    VIOLATION_BASIS,
    VIOLATION_RULE,
)
from township_integrity import PluginMetadata, RuleSpec, hookimpl


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
            basis=VIOLATION_BASIS,
        ),
    ]


@hookimpl
def township_graphql_fields(settings):
    """Cooperatives, inspections and yields; graphene is imported only when a schema is built."""
    from plugins.river_crab.graphql import contribution

    return contribution()
