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

# Deadlines per kind, in whole working days from the day a case is received (due at
# the end of the N-th working day; township_integrity.services.working_deadline):
# acknowledge (签收: the case is assigned) and answer (responded). Hotline and online:
# the FixMyStreet Zurich anchor, acknowledged in 1 working day and answered in 6.
# Petitions: 信访工作条例 Art. 31 (accept or not within 15 days) and Art. 35 (handle
# within 60 days). Lawsuits and criminal cases run elsewhere: no deadline here.
DEFAULT_DEADLINES = {
    "hotline": {"acknowledge_days": 1, "handling_days": 6},
    "online": {"acknowledge_days": 1, "handling_days": 6},
    "petition": {"acknowledge_days": 15, "handling_days": 60},
}

# Defaults of the settings (used when a township leaves a key out; a township's
# ``deadlines`` replaces the default of each kind it names and keeps the others).
DEFAULTS = {
    "warning_months": 6,
    "warning_factor": 2.0,
    "warning_minimum": 3,
    "deadlines": DEFAULT_DEADLINES,
    "repeat_days": 30,
    "reopen_days": 15,
    "follow_up_days": 3,
}

_DAYS = {"type": "integer", "minimum": 1, "maximum": 365}
_KIND_DEADLINES = {
    "type": "object",
    "properties": {
        "acknowledge_days": {
            **_DAYS,
            "description": "Working days to acknowledge (assign) a case; leave out for none",
        },
        "handling_days": {
            **_DAYS,
            "description": "Working days to answer (respond to) a case; leave out for none",
        },
    },
    "additionalProperties": False,
}

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
        "deadlines": {
            "type": "object",
            "description": "Deadlines per case kind in working days from receipt "
            "(default hotline and online 1/6, petition 15/60; lawsuit and criminal none)",
            "properties": {
                kind: _KIND_DEADLINES
                for kind in ("petition", "hotline", "online", "lawsuit", "criminal")
            },
            "additionalProperties": False,
        },
        "repeat_days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 365,
            "description": "Offer for merging a case of the same household and topic received "
            "within this many days (default 30)",
        },
        "reopen_days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 365,
            "description": "A dissatisfied citizen's case may be reopened within this many "
            "days of closing (default 15)",
        },
        "follow_up_days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 60,
            "description": "The follow-up call is due within this many working days of the "
            "response (default 3)",
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
