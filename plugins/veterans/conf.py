"""The veterans' service station's constants: its key, rule and benefit codes, settings.

Kept apart from ``plugin.py`` so the hooks, the services and the reads share them
without importing each other (and without Django: discovery reads this module).
"""

KEY = "veterans"
VOLUNTEER_RULE = "VET-VOLUNTEER"
VISIT_RULE = "VET-VISIT"
PRIORITY_SERVICE = "veteran_priority_service"
LEGAL_BASIS = (
    "《中华人民共和国退役军人保障法》（2021年1月1日起施行）：国家对退役军人给予优待，"
    "退役军人在公共服务等方面依法享受优先、优待。"
    " / Veterans Support Law of the PRC (in force since 1 January 2021): the state gives "
    "veterans preferential treatment, including priority in public services."
)

DEFAULTS = {"review_volunteering": False, "legal_basis": LEGAL_BASIS}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "review_volunteering": {
            "type": "boolean",
            "description": "Entries for volunteer service wait for the joint review (default no)",
        },
        "legal_basis": {
            "type": "string",
            "minLength": 1,
            "description": "The township's own wording of the priority services' legal basis",
        },
    },
    "additionalProperties": False,
}
