"""``status``: townships, pending migrations, queue depth and the last evaluation of each.

``python manage.py status`` prints tables; ``--json`` prints one JSON object (the
shape is ``platform_core.ops.platform_status``).
"""

from __future__ import annotations

import json
import unicodedata

from django.core.management.base import BaseCommand

from platform_core import ops


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)]
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _pending(count: int | None) -> str:
    return "no schema" if count is None else str(count)


def render(status: dict) -> str:
    townships = status["townships"]
    lines = [f"Townships: {len(townships)}"]
    rows = []
    for t in townships:
        last = t["last_evaluation"] or {}
        rows.append(
            [
                t["code"],
                t["name"],
                t["status"],
                ", ".join(t["plugins"]) or "-",
                _pending(t["pending_migrations"]),
                last.get("month") or "-",
                (last.get("finalised_at") or "-").replace("T", " ")[:19],
            ]
        )
    header = ["CODE", "NAME", "STATUS", "PLUGINS", "PENDING", "LAST MONTH", "FINALISED AT"]
    lines += _table(header, rows) if rows else ["(none)"]
    lines.append("")
    for key, label in (("public", "Public schema"), ("template", "Template schema")):
        part = status[key]
        lines.append(
            f"{label} ({part['schema']}): {_pending(part['pending_migrations'])} pending migrations"
        )
        lines += [f"  {name}" for name in part["pending"] or []]
    broker = status["broker"]
    depth = broker["queue_depth"]
    reachable = {True: "reachable", False: "UNREACHABLE", None: "not checked"}[broker["reachable"]]
    detail = "" if broker["detail"] == "ok" else f" ({broker['detail']})"
    lines.append(f"Broker: {broker['transport']} {broker['url']}: {reachable}{detail}")
    lines.append(
        f"Queue {broker['queue']}: {'unknown' if depth is None else depth} messages waiting"
    )
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Show townships (status, plugins, pending migrations, last finalised month), "
        "the public and template schemas' pending migrations, the broker and queue depth."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, **options):
        status = ops.platform_status()
        if options["json"]:
            self.stdout.write(json.dumps(status, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(status))
