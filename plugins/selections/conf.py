"""The selections plugin's constants: its key, the default award rule and its settings.

Kept apart from ``plugin.py`` so the hooks, services and reads share them without
importing each other (and without Django: discovery reads this module).
"""

KEY = "selections"
# The township covenant's rule for a "most beautiful" honour (获评"最美"系列荣誉, +10).
DEFAULT_RULE = "VO-03"

DEFAULTS = {"rule_code": DEFAULT_RULE, "review_awards": False}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "rule_code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 32,
            "description": "The covenant rule a new round awards under (default VO-03)",
        },
        "review_awards": {
            "type": "boolean",
            "description": "Award entries wait for the joint review as well (default no: "
            "the committee vote and the public posting are their review)",
        },
    },
    "additionalProperties": False,
}
