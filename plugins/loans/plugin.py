"""The loans plugin's hooks: the integrity-loan benefit, its eligibility and the freeze on red."""

from __future__ import annotations

from township_integrity import (
    BenefitType,
    Chart,
    ChartSeries,
    DashboardPanel,
    Eligibility,
    PanelTable,
    PluginMetadata,
    hookimpl,
)

KEY = "loans"
BENEFIT = "integrity_loan"

LEGAL_BASIS = (
    "依据本镇诚信积分管理办法及“鸿信贷”合作协议：诚信示范户可享受免抵押、基准利率的诚信贷款；"
    "红码“待提升户”暂停授信，未提用额度冻结，转为蓝码或绿码后恢复。"
    " / Under the township's integrity-points rules and the integrity-loan agreement with the "
    "alliance banks: households in good standing may borrow collateral-free at the base rate; "
    "red households get no new credit and their undrawn credit is frozen until they recover."
)

# Used when a township leaves a key out of its settings.
DEFAULTS = {"freeze_on_red": True, "legal_basis": LEGAL_BASIS}

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
    """Credit granted and drawn per bank (yuan), with lines and frozen undrawn credit.

    Sums per bank only (over the viewer's villages' households when narrowed).
    """
    from platform_core.alliance.models import AllianceMember
    from plugins.loans.models import CreditLine, LoanProduct
    from plugins.loans.selectors import _LINE_TOTALS, ZERO, Totals, _totals

    lines = CreditLine.objects.all()
    if village_codes is not None:
        lines = lines.filter(application__household__village__code__in=village_codes)
    rows = {
        row["application__product__bank"]: _totals(row)
        for row in lines.values("application__product__bank").annotate(**_LINE_TOTALS).order_by()
    }
    banks = AllianceMember.objects.filter(pk__in=LoanProduct.objects.values("bank")).order_by(
        "code"
    )
    totals = [(bank, rows.get(bank.pk, Totals(0, ZERO, ZERO, ZERO))) for bank in banks]
    if not totals:  # say so rather than leave the panel out
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        note = "No bank offers an integrity loan yet." if english else "尚无银行发布鸿信贷产品。"
        return [
            DashboardPanel(
                key="banks",
                title_zh="鸿信贷授信（按银行）",
                title_en="Integrity loans granted, by bank",
                warnings=(note,),
            )
        ]
    names = tuple(bank.name for bank, _ in totals)
    return [
        DashboardPanel(
            key="banks",
            title_zh="鸿信贷授信（按银行）",
            title_en="Integrity loans granted, by bank",
            chart=Chart(
                kind="grouped_bar",
                labels=names,
                series=(
                    ChartSeries(
                        "授信额度", "Granted", tuple(t.granted for _, t in totals), "#1e8e3e"
                    ),
                    ChartSeries("已用信", "Drawn", tuple(t.drawn for _, t in totals), "#1a73e8"),
                ),
                y_label_zh="元",
                y_label_en="yuan",
            ),
            table=PanelTable(
                headers_zh=("银行", "授信笔数", "授信额度（元）", "已用信（元）", "冻结未用（元）"),
                headers_en=(
                    "Bank",
                    "Credit lines",
                    "Granted (yuan)",
                    "Drawn (yuan)",
                    "Frozen undrawn (yuan)",
                ),
                rows=tuple(
                    (bank.name, t.lines, t.granted, t.drawn, t.frozen_undrawn) for bank, t in totals
                ),
            ),
        )
    ]
