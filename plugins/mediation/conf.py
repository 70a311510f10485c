"""The mediation plugin's key, settings and fixed choices (imported by every other module)."""

from __future__ import annotations

KEY = "mediation"

# Defaults of the settings (used when a township leaves a key out).
DEFAULTS = {
    "max_scan_kb": 5120,
    "follow_up_days": 30,
}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "max_scan_kb": {
            "type": "integer",
            "minimum": 100,
            "maximum": 20480,
            "description": "Largest signed-agreement scan accepted, in KiB (default 5120)",
        },
        "follow_up_days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 365,
            "description": "The follow-up of an agreement is due this many days after it "
            "(default 30); shown in the queue",
        },
    },
    "additionalProperties": False,
}

# The rate-limit scope of the public dispute code (township_integrity.services).
RATE_SCOPE = "mediation"

# Signed-scan types, recognised by their first bytes (never by the name or the header
# the browser sends): PDF, JPEG, PNG.
SCAN_SIGNATURES = {
    b"%PDF-": ("pdf", "application/pdf"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
}

# The demo's dispute descriptions per category (``make demo``).
DEMO_DISPUTES = {
    "neighbours": ["邻居排水管道堵塞，污水流入我家院子", "邻居违建围墙占用通道"],
    "land": ["承包地边界争议，对方多种了两垄", "宅基地界址不清"],
    "family": ["兄弟间赡养老人费用分担纠纷", "婚后房产分割争议"],
    "debts": ["借款三万元到期未还", "装修款尾款拖欠"],
    "labour": ["工地工资拖欠两个月", "雇工受伤医疗费争议"],
    "other": ["养狗扰民，多次沟通无果"],
}
