"""Integrity loans' constants: the key, the benefit, its legal basis and setting defaults.

Here, not in ``plugin.py``, so the hooks, selectors and services all read them
without importing each other. No Django models here: discovery imports
``plugin.py``, and so this module, before they are ready (the role tuples, which
need the role model, are in ``services.py``).
"""

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
