"""The petition plugin's key, settings and fixed choices (imported by every other module)."""

from __future__ import annotations

KEY = "petition"

# A reviewer's determination -> the rule its deduction is recorded under.
RULE_FOR_DETERMINATION = {
    "unreasonable": "PET-UNREASONABLE",
    "repeated": "PET-REPEATED",
    "skip_level": "PET-SKIP-LEVEL",
}

# The legal basis of a petition deduction: lawful only on a written finding by the
# competent authority (信访工作条例), after the petitioner was warned (the seed: the
# petitioner was first told the conduct would lower the household's points).
PETITION_BASIS = (
    "《村规民约》诚信亮灯七不准“无理信访”条；《信访工作条例》第二十六条、第四十七条"
    "（须有权机关书面认定，并事先告知信访人）"
)

# Defaults of the early warning (used when a township leaves a key out).
DEFAULTS = {"warning_months": 6, "warning_factor": 2.0, "warning_minimum": 3}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "warning_months": {
            "type": "integer",
            "minimum": 1,
            "maximum": 36,
            "description": "How many previous months make a village's own average (default 6)",
        },
        "warning_factor": {
            "type": "number",
            "exclusiveMinimum": 1,
            "description": "Warn when a month's cases exceed this many times the average "
            "(default 2.0)",
        },
        "warning_minimum": {
            "type": "integer",
            "minimum": 1,
            "description": "Never warn for fewer cases than this in a month (default 3)",
        },
    },
    "additionalProperties": False,
}

# Kinds that reach the township through the petition and hotline channels (lawsuits and
# criminal cases are registered only for the "three-none" status).
CHANNEL_KINDS = ("petition", "hotline", "online")

# Colours of the case kinds in the dashboard's chart, and how many months it shows.
KIND_COLOURS = {
    "petition": "#c5221f",
    "hotline": "#1a73e8",
    "online": "#12b5cb",
    "lawsuit": "#f29900",
    "criminal": "#5f6368",
}
TREND_MONTHS = 12

# The demo's case summaries (``make demo``).
DEMO_CASE_SUMMARIES = [
    "反映道路路灯损坏",
    "投诉邻居违章搭建",
    "反映河道垃圾未清理",
    "咨询宅基地审批政策",
    "投诉夜间施工噪音",
    "反映违章建筑被拆除问题",
]
