"""The plugin's constants: its key, rule, settings and their defaults."""

from __future__ import annotations

KEY = "police_feed"
FEED_KEY = "alerts"
RULE_CODE = "POLICE-OFFENCE"

# Used when a township leaves a setting out.
DEFAULTS = {"points": -5}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "points": {
            "type": "integer",
            "minimum": -50,
            "maximum": -1,
            "description": "Points of a confirmed offence's deduction (default -5)",
        },
    },
    "additionalProperties": False,
}

# The legal basis of the rule's deductions (the platform requires one per deduction).
RULE_BASIS = "《中华人民共和国治安管理处罚法》；公安机关的处罚决定书"
