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
