"""The loans plugin's hooks: the integrity-loan benefit, its eligibility and the freeze on red.

Modules with models are imported inside the hooks: discovery imports this module
before Django's models are ready.
"""

from __future__ import annotations

from plugins.loans.conf import BENEFIT, DEFAULTS, KEY, LEGAL_BASIS
from township_integrity import BenefitType, Eligibility, PluginMetadata, hookimpl

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "freeze_on_red": {
            "type": "boolean",
            "default": True,
            "description": "Freeze the undrawn credit of households that turn red (default on)",
        },
        "legal_basis": {
            "type": "string",
            "minLength": 1,
            "description": "The township's own wording of the basis shown in eligibility answers",
        },
    },
    "additionalProperties": False,
}


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="鸿信贷（诚信贷款）",
        name_en="Integrity loans",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Collateral-free loans of the alliance banks with a credit limit per tier; "
        "undrawn credit is frozen while a household is red.",
    )


def _basis(settings: dict) -> str:
    return settings.get("legal_basis", LEGAL_BASIS)


@hookimpl
def township_benefit_types(settings):
    return [BenefitType(BENEFIT, "鸿信贷（诚信贷款）", "Integrity loan", _basis(settings))]


@hookimpl
def township_eligibility(household, benefit_code, tier, settings):
    """Red: refused. Green/blue: eligible up to the best limit the active products give the tier."""
    if benefit_code != BENEFIT:
        return None
    basis = _basis(settings)
    if tier == "red":
        return Eligibility(
            eligible=False,
            reason="红码待提升户：暂停鸿信贷授信 / Integrity loan: no credit for a household "
            "to improve (red)",
            legal_basis=basis,
        )
    from plugins.loans.selectors import best_limit

    limit = best_limit(tier)
    if not limit:
        return Eligibility(
            eligible=False,
            reason=f"没有银行为{tier}户提供鸿信贷额度 / Integrity loan: no active product "
            f"gives credit to tier {tier}",
            legal_basis=basis,
        )
    return Eligibility(
        eligible=True,
        reason=f"鸿信贷可授信额度最高{limit}元（{tier}） / Integrity loan: credit up to "
        f"{limit} yuan for tier {tier}",
        legal_basis=basis,
    )


@hookimpl
def township_tier_changes(period, changes, settings):
    """Turning red freezes a household's undrawn lines; leaving red unfreezes them."""
    from plugins.loans.services import follow_tiers

    follow_tiers(period, changes, {**DEFAULTS, **settings})


@hookimpl
def township_workbench_screens():
    """The plugin's queue in the township workbench (``plugins.loans.workbench``)."""
    from plugins.loans.workbench import screens

    return screens()


@hookimpl
def township_graphql_fields(settings):
    """Products, applications, lines and totals; graphene is imported only when needed."""
    from plugins.loans.graphql import contribution

    return contribution()


@hookimpl
def township_dashboard_panels(village_codes, settings):
    """Credit granted and drawn per bank (``plugins.loans.dashboard``)."""
    from plugins.loans.dashboard import bank_panels

    return bank_panels(village_codes)
