"""The four restrictions on households to improve (红码待提升户), answered by eligibility.

The seed: red households are limited in bank loans, army enlistment, party
admission and house-building permits. Each is a benefit type a township switches
on in the settings; the eligibility answer for a red household says which rule
restricts it and on what basis (the township may word the basis itself).
"""

from __future__ import annotations

from township_integrity import BenefitType, Eligibility, PluginMetadata, hookimpl

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


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="待提升户限制",
        name_en="Restrictions for households to improve",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Bank loans, enlistment, party admission and building permits, "
        "restricted for red households where the township switches them on.",
    )


def _switched_on(settings: dict) -> list[str]:
    return settings.get("switched_on", list(RESTRICTIONS))


def _basis(code: str, settings: dict) -> str:
    return settings.get("legal_basis", {}).get(code, RESTRICTIONS[code][2])


@hookimpl
def township_benefit_types(settings):
    return [
        BenefitType(code, RESTRICTIONS[code][0], RESTRICTIONS[code][1], _basis(code, settings))
        for code in _switched_on(settings)
    ]


@hookimpl
def township_eligibility(household, benefit_code, tier, settings):
    if benefit_code not in _switched_on(settings):
        return None
    zh, en, _ = RESTRICTIONS[benefit_code]
    if tier == "red":
        return Eligibility(
            eligible=False,
            reason=f"红码待提升户：{zh}受限 / {en}: restricted for a household to improve (red)",
            legal_basis=_basis(benefit_code, settings),
        )
    return Eligibility(
        eligible=True,
        reason=f"{zh}不受限（{tier}） / {en}: no restriction for tier {tier}",
        legal_basis=_basis(benefit_code, settings),
    )
