"""The points_shop plugin's hooks: who it is, its settings and the exchange benefit.

Modules with models are imported inside the hooks: discovery imports this module
before Django's models are ready.
"""

from __future__ import annotations

from plugins.points_shop.conf import BENEFIT, KEY
from township_integrity import BenefitType, Eligibility, PluginMetadata, hookimpl

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "other_villages": {
            "type": "boolean",
            "description": "Households may also exchange in other villages' shops "
            "(default: only in their own village's shops)",
        },
        "max_points_per_order": {
            "type": "integer",
            "minimum": 1,
            "description": "Refuse an order worth more points than this (default: no limit)",
        },
    },
    "additionalProperties": False,
}


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="积分兑换超市",
        name_en="Points exchange shop",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Village shops exchange goods for wallet points; the integrity score is "
        "never touched. Orders are all-or-nothing and a monthly statement per shop.",
    )


@hookimpl
def township_benefit_types(settings):
    return [BenefitType(BENEFIT, "积分兑换", "Points exchange")]


@hookimpl
def township_eligibility(household, benefit_code, tier, settings):
    """Any tier may exchange: the wallet holds points already earned, not the score."""
    if benefit_code != BENEFIT:
        return None
    from township_integrity.services import wallet_balance

    balance = wallet_balance(household)
    if balance <= 0:
        return Eligibility(False, f"household {household.code} has no wallet points to exchange")
    return Eligibility(True, f"household {household.code} has {balance} wallet points")


@hookimpl
def township_graphql_fields(settings):
    """Shops, orders, wallets and placing an order; graphene is imported only when needed."""
    from plugins.points_shop.graphql import contribution

    return contribution()
