"""The integrity_card plugin's hooks: the card as a benefit for green households only.

A card is suspended as soon as a finalised month leaves its household blue or red;
with ``reactivate_on_green`` (the default) it works again when the household is
green in a later finalised month, without extending its validity.

Modules with models are imported inside the hooks: discovery imports this module
before Django's models are ready.
"""

from __future__ import annotations

from plugins.integrity_card.conf import BENEFIT_CODE, DEFAULTS, KEY
from township_integrity import BenefitType, Eligibility, PluginMetadata, hookimpl

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "validity_months": {
            "type": "integer",
            "minimum": 1,
            "maximum": 120,
            "description": "How long a new card is valid, in months (default 12)",
        },
        "reactivate_on_green": {
            "type": "boolean",
            "description": "A card suspended for the tier works again when the household "
            "is green again and the card has not expired (default true)",
        },
    },
    "additionalProperties": False,
}

LEGAL_BASIS = (
    "依据本镇诚信积分管理办法：鸿信卡发放给绿码诚信示范户，不再是绿码时暂停使用。"
    " / Under the township's integrity-points rules the card is for model (green) "
    "households and is suspended when a household is no longer green."
)


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="鸿信卡",
        name_en="Integrity card",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Cards for model households, suspended when they are no longer green; "
        "alliance members attach discounts, free check-ups and hiring fast lanes, and "
        "every card check by a clerk is logged.",
    )


@hookimpl
def township_benefit_types(settings):
    return [BenefitType(BENEFIT_CODE, "鸿信卡", "Integrity card", LEGAL_BASIS)]


@hookimpl
def township_eligibility(household, benefit_code, tier, settings):
    if benefit_code != BENEFIT_CODE:
        return None
    if tier == "green":
        return Eligibility(
            True,
            "绿码诚信示范户可持鸿信卡 / a model (green) household may hold the card",
            LEGAL_BASIS,
        )
    return Eligibility(
        False,
        f"鸿信卡仅限绿码诚信示范户（当前{tier}） / the card is for green households only "
        f"(tier {tier})",
        LEGAL_BASIS,
    )


@hookimpl
def township_tier_changes(period, changes, settings):
    """Suspend the cards of households that left green; maybe reactivate them on return."""
    from plugins.integrity_card.services import follow_tiers

    follow_tiers(period, changes, {**DEFAULTS, **settings})


@hookimpl
def township_evaluation_finalised(period, village_ids, settings):
    """A monthly sweep: cards past their validity become expired."""
    from plugins.integrity_card.services import expire_due_cards

    expire_due_cards()


@hookimpl
def township_workbench_screens():
    """The plugin's queue in the township workbench (``plugins.integrity_card.workbench``)."""
    from plugins.integrity_card.workbench import screens

    return screens()


@hookimpl
def township_graphql_fields(settings):
    """Cards, the clerk's logged check and issuing; graphene is imported only when needed."""
    from plugins.integrity_card.graphql import contribution

    return contribution()
