"""The restrictions' constants: the plugin's key, the four restrictions, the settings.

Kept apart from ``plugin.py`` so the hooks hold only hook implementations; reading
the settings (which restrictions, on what basis) is here too.
"""

KEY = "restrictions"

# code -> (title zh, title en, default legal basis)
RESTRICTIONS = {
    "bank_loan": (
        "银行借贷",
        "Bank loans",
        "依据本镇村规民约及诚信积分管理办法：红码“待提升户”在银行借贷方面予以限制。"
        " / Under the village covenant and the township's integrity-points rules, "
        "households to improve (red) are restricted in bank lending.",
    ),
    "army_enlistment": (
        "参军",
        "Army enlistment",
        "依据本镇村规民约及诚信积分管理办法：红码“待提升户”家庭成员参军政审时予以限制。"
        " / Under the village covenant and the township's integrity-points rules, "
        "enlistment vetting of members of red households is restricted.",
    ),
    "party_admission": (
        "入党",
        "Party admission",
        "依据本镇村规民约及诚信积分管理办法：红码“待提升户”家庭成员入党考察时予以限制。"
        " / Under the village covenant and the township's integrity-points rules, "
        "party admission of members of red households is restricted.",
    ),
    "building_permit": (
        "农民建房",
        "House-building permits",
        "依据本镇村规民约及诚信积分管理办法：红码“待提升户”在农民建房审批方面予以限制。"
        " / Under the village covenant and the township's integrity-points rules, "
        "house-building permits for red households are restricted.",
    ),
}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "switched_on": {
            "type": "array",
            "items": {"enum": list(RESTRICTIONS)},
            "uniqueItems": True,
            "description": "Restrictions the township applies (default: all four)",
        },
        "legal_basis": {
            "type": "object",
            "propertyNames": {"enum": list(RESTRICTIONS)},
            "additionalProperties": {"type": "string", "minLength": 1},
            "description": "The township's own wording of the basis, per restriction",
        },
    },
    "additionalProperties": False,
}


def switched_on(settings: dict) -> list[str]:
    """The restrictions the township applies (all four unless it says otherwise)."""
    return settings.get("switched_on", list(RESTRICTIONS))


def legal_basis(code: str, settings: dict) -> str:
    """The basis of restriction ``code``: the township's own wording, else the default."""
    return settings.get("legal_basis", {}).get(code, RESTRICTIONS[code][2])
