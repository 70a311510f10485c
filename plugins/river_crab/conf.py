"""The river-crab cooperative's constants: its key, rule codes and settings.

Kept apart from ``plugin.py`` so the hooks, the services and the reads share them
without importing each other (and without Django: discovery reads this module).
"""

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

# The legal basis of the crab-farming deduction (docs/scoring.md, Legal basis).
VIOLATION_BASIS = "《村规民约》河蟹养殖条；《中华人民共和国农产品质量安全法》；《兽药管理条例》"
