"""The four restrictions on households to improve (红码待提升户), answered by eligibility.

The seed: red households are limited in bank loans, army enlistment, party
admission and house-building permits. Each is a benefit type a township switches
on in the settings; the eligibility answer for a red household says which rule
restricts it and on what basis (the township may word the basis itself).
"""

from __future__ import annotations

from plugins.restrictions.conf import (
    KEY,
    RESTRICTIONS,
    SETTINGS_SCHEMA,
    legal_basis,
    switched_on,
)
from township_integrity import BenefitType, Eligibility, PluginMetadata, hookimpl


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


@hookimpl
def township_benefit_types(settings):
    return [
        BenefitType(code, RESTRICTIONS[code][0], RESTRICTIONS[code][1], legal_basis(code, settings))
        for code in switched_on(settings)
    ]


@hookimpl
def township_eligibility(household, benefit_code, tier, settings):
    if benefit_code not in switched_on(settings):
        return None
    zh, en, _ = RESTRICTIONS[benefit_code]
    if tier == "red":
        return Eligibility(
            eligible=False,
            reason=f"红码待提升户：{zh}受限 / {en}: restricted for a household to improve (red)",
            legal_basis=legal_basis(benefit_code, settings),
        )
    return Eligibility(
        eligible=True,
        reason=f"{zh}不受限（{tier}） / {en}: no restriction for tier {tier}",
        legal_basis=legal_basis(benefit_code, settings),
    )
