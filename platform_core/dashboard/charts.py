"""Charts drawn on the server as inline SVG: stacked bars, grouped bars and lines.

No JavaScript and nothing fetched from elsewhere, so the dashboards work offline
and on any phone: the ``<svg>`` has a ``viewBox`` and is as wide as its box.

This module computes a chart's geometry, its legend and its numbers (a
``Drawing``); the words around them — ``<title>``, ``<desc>`` and the axis labels —
are written in the template ``dashboard/_chart.html``, where they are translated
(``{% include "dashboard/_chart.html" with chart=drawing title=... %}``, or
``drawing.svg(title=...)`` from Python). Every bar or point carries
``data-series``, ``data-label`` and ``data-value`` so tests and assistive tools can
read the figures, and the ``<desc>`` lists them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from platform_core.plugins.types import Chart

KINDS = ("stacked_bar", "grouped_bar", "line")
TIERS = ("green", "blue", "red")
TIER_COLOURS = {"green": "#1e8e3e", "blue": "#1a73e8", "red": "#c5221f"}
# Colours of series that bring none (plugins may leave a series' colour empty).
PALETTE = ("#1a73e8", "#f29900", "#12b5cb", "#9334e6", "#e8710a", "#5f6368", "#1e8e3e", "#c5221f")

WIDTH = 440
PLOT_HEIGHT = 190
FONT = 12  # px in the viewBox; the template sets it on the <svg>
LEGEND_ROW = 18
MAX_LABEL = 14  # characters of an x label before it is shortened


@dataclass(frozen=True)
class Line:
    """One series as drawn: its (translated) name, a number per label, its colour."""

    name: str
    values: tuple
    colour: str = ""
    key: str = ""  # data-series; default "s<n>"


@dataclass(frozen=True)
class Drawing:
    """A laid-out chart: the SVG body and where the template puts the axis labels."""

    key: str
    kind: str
    width: int
    height: int
    body: SafeString
    summary: str  # every figure in words, for <desc>
    mid_x: str
    mid_y: str
    x_label_y: str

    def svg(self, title: str, desc: str = "", x_label: str = "", y_label: str = "") -> SafeString:
        """The whole ``<svg>`` (the same markup the template include gives)."""
        return mark_safe(
            render_to_string(
                "dashboard/_chart.html",
                {
                    "chart": self,
                    "title": title,
                    "desc": desc,
                    "x_label": x_label,
                    "y_label": y_label,
                },
            )
        )


def number(value) -> str:
    """A figure as written in data attributes and descriptions: ``12``, ``2.5``, ``100000``."""
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}" if value != value.to_integral() else str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def tick(value: float) -> str:
    """An axis tick: thousands separated, no needless decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float = FONT) -> float:
    """Rough width of ``text``: CJK characters are square, others about 0.6 em."""
    return sum(size if ord(c) > 0x2E80 else size * 0.6 for c in text)


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def nice_scale(maximum: float, whole: bool) -> tuple[float, list[float]]:
    """(top of the axis, tick values): 1-2-2.5-5 steps, about four of them."""
    if maximum <= 0:
        return 1.0, [0.0, 1.0]
    raw = maximum / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1.0, math.ceil(step))
    top = math.ceil(maximum / step - 1e-9) * step
    count = round(top / step)
    return top, [i * step for i in range(count + 1)]


def draw(kind: str, key: str, labels, series: list[Line]) -> Drawing:
    """Lay out a chart of ``kind`` (stacked_bar, grouped_bar or line)."""
    if kind not in KINDS:
        raise ValueError(f"chart kind {kind!r} is not one of {', '.join(KINDS)}")
    labels = [str(label) for label in labels]
    series = [
        Line(
            s.name,
            tuple(s.values),
            escape(s.colour or PALETTE[n % len(PALETTE)]),
            s.key or f"s{n + 1}",
        )
        for n, s in enumerate(series)
    ]
    floats = [[float(v) for v in s.values] for s in series]
    whole = all(float(v).is_integer() for s in series for v in s.values)
    if kind == "stacked_bar":
        maximum = max((sum(col) for col in zip(*floats, strict=True)), default=0)
    else:
        maximum = max((v for values in floats for v in values), default=0)
    top, ticks = nice_scale(maximum, whole)

    # Legend rows across the top.
    legend, x, y = [], 0.0, FONT + 2
    left = max(text_width(tick(t)) for t in ticks) + 8 + FONT + 8  # ticks and the y label
    right_edge = WIDTH - 8
    for s in series:
        item = 10 + 5 + text_width(s.name) + 16
        if x and left + x + item > right_edge:
            x, y = 0.0, y + LEGEND_ROW
        legend.append((left + x, y, s))
        x += item
    plot_top = y + 14
    plot_left, plot_right = left, WIDTH - 12
    plot_bottom = plot_top + PLOT_HEIGHT
    count = max(len(labels), 1)
    band = (plot_right - plot_left) / count
    shown = [_short(label) for label in labels]
    widest = max((text_width(label) for label in shown), default=0)
    rotate = widest > band - 4
    label_depth = widest * 0.71 + FONT if rotate else FONT + 4
    x_label_y = plot_bottom + 8 + label_depth + FONT + 4
    height = math.ceil(x_label_y + 6)

    def y_of(value: float) -> float:
        return plot_bottom - (value / top) * PLOT_HEIGHT

    parts = ['<g class="grid" stroke="#e4e7eb" stroke-width="1">']
    for t in ticks:
        parts.append(
            f'<line x1="{_f(plot_left)}" x2="{_f(plot_right)}" y1="{_f(y_of(t))}" '
            f'y2="{_f(y_of(t))}"/>'
        )
    parts.append('</g><g class="ticks" fill="#52606d" text-anchor="end">')
    for t in ticks:
        parts.append(
            f'<text x="{_f(plot_left - 6)}" y="{_f(y_of(t) + FONT * 0.35)}">{tick(t)}</text>'
        )
    parts.append("</g>")
    parts.append(
        f'<line class="axis" x1="{_f(plot_left)}" x2="{_f(plot_right)}" '
        f'y1="{_f(plot_bottom)}" y2="{_f(plot_bottom)}" stroke="#9aa5b1"/>'
    )

    def mark(s: Line, label: str, value, shape: str) -> str:
        words = f"{s.name} · {label}: {number(value)}"
        return (
            f'<{shape[0]} data-series="{escape(s.key)}" data-label="{escape(label)}" '
            f'data-value="{number(value)}" {shape[1]}><title>{escape(words)}</title>'
            f"</{shape[0]}>"
        )

    parts.append('<g class="marks">')
    for i, label in enumerate(labels):
        centre = plot_left + band * (i + 0.5)
        if kind == "stacked_bar":
            width = min(band * 0.7, 48)
            base = 0.0
            for s, values in zip(series, floats, strict=True):
                y0, y1 = y_of(base), y_of(base + values[i])
                base += values[i]
                parts.append(
                    mark(
                        s,
                        label,
                        s.values[i],
                        (
                            "rect",
                            f'x="{_f(centre - width / 2)}" y="{_f(y1)}" width="{_f(width)}" '
                            f'height="{_f(y0 - y1)}" fill="{s.colour}"',
                        ),
                    )
                )
            if band >= 28 and base > 0:
                total = sum(s.values[i] for s in series)
                parts.append(
                    f'<text class="total" x="{_f(centre)}" y="{_f(y_of(base) - 4)}" '
                    f'text-anchor="middle" font-size="{FONT - 2}" fill="#52606d">'
                    f"{tick(float(total))}</text>"
                )
        elif kind == "grouped_bar":
            group = min(band * 0.8, 28 * len(series))
            width = group / len(series)
            for n, (s, values) in enumerate(zip(series, floats, strict=True)):
                y1 = y_of(values[i])
                parts.append(
                    mark(
                        s,
                        label,
                        s.values[i],
                        (
                            "rect",
                            f'x="{_f(centre - group / 2 + n * width)}" y="{_f(y1)}" '
                            f'width="{_f(width * 0.92)}" height="{_f(plot_bottom - y1)}" '
                            f'fill="{s.colour}"',
                        ),
                    )
                )
    if kind == "line":
        for s, values in zip(series, floats, strict=True):
            points = [(plot_left + band * (i + 0.5), y_of(v)) for i, v in enumerate(values)]
            parts.append(
                f'<polyline fill="none" stroke="{s.colour}" stroke-width="2" points="'
                + " ".join(f"{_f(px)},{_f(py)}" for px, py in points)
                + '"/>'
            )
            for (px, py), label, value in zip(points, labels, s.values, strict=True):
                parts.append(
                    mark(
                        s,
                        label,
                        value,
                        ("circle", f'cx="{_f(px)}" cy="{_f(py)}" r="3" fill="{s.colour}"'),
                    )
                )
    parts.append('</g><g class="x-labels" fill="#52606d">')
    for i, label in enumerate(shown):
        centre = plot_left + band * (i + 0.5)
        full = escape(labels[i])
        if rotate:
            parts.append(
                f'<text x="{_f(centre)}" y="{_f(plot_bottom + 14)}" text-anchor="end" '
                f'transform="rotate(-45 {_f(centre)} {_f(plot_bottom + 14)})">'
                f"<title>{full}</title>{escape(label)}</text>"
            )
        else:
            parts.append(
                f'<text x="{_f(centre)}" y="{_f(plot_bottom + 8 + FONT)}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append('</g><g class="legend">')
    for lx, ly, s in legend:
        parts.append(
            f'<g data-series="{escape(s.key)}"><rect x="{_f(lx)}" y="{_f(ly - 10)}" width="10" '
            f'height="10" fill="{s.colour}"/><text x="{_f(lx + 15)}" y="{_f(ly)}">'
            f"{escape(s.name)}</text></g>"
        )
    parts.append("</g>")
    summary = "; ".join(
        f"{label}: " + ", ".join(f"{s.name} {number(s.values[i])}" for s in series)
        for i, label in enumerate(labels)
    )
    return Drawing(
        key=key,
        kind=kind,
        width=WIDTH,
        height=height,
        body=mark_safe("".join(parts)),
        summary=summary,
        mid_x=_f((plot_left + plot_right) / 2),
        mid_y=_f((plot_top + plot_bottom) / 2),
        x_label_y=_f(x_label_y),
    )


# --- what the dashboards draw ---------------------------------------------------------


def tier_lines(rows) -> list[Line]:
    """Green, blue and red series (tier colours, the tiers' own names) from ``TierCounts``."""
    from platform_core.evaluation.models import Tier

    return [
        Line(str(Tier(tier).label), tuple(getattr(row, tier) for row in rows), colour, tier)
        for tier, colour in TIER_COLOURS.items()
    ]


def tier_chart(key: str, labels, rows, kind: str = "stacked_bar") -> Drawing:
    """Households per tier for each label (a month, a village, a township)."""
    return draw(kind, key, labels, tier_lines(rows))


@dataclass(frozen=True)
class ShownPanel:
    """A plugin's ``DashboardPanel`` in the request's language, its chart drawn."""

    plugin: str
    key: str  # "<plugin>-<panel key>": the data-chart of its chart
    title: str
    drawing: Drawing | None
    y_label: str
    headers: tuple
    rows: tuple
    warnings: tuple


def show_panel(plugin: str, panel, zh: bool) -> ShownPanel:
    """Pick the panel's words for the language and draw its chart."""
    key = f"{plugin}-{panel.key}"
    chart: Chart | None = panel.chart
    drawing, y_label = None, ""
    if chart is not None:
        lines = [
            Line(
                s.name_zh if zh else s.name_en,
                tuple(s.values),
                s.colour,
                slugify(s.name_en) or f"s{n + 1}",
            )
            for n, s in enumerate(chart.series)
        ]
        drawing = draw(chart.kind, key, chart.labels, lines)
        y_label = chart.y_label_zh if zh else chart.y_label_en
    table = panel.table
    return ShownPanel(
        plugin=plugin,
        key=key,
        title=panel.title_zh if zh else panel.title_en,
        drawing=drawing,
        y_label=y_label,
        headers=tuple((table.headers_zh if zh else table.headers_en) if table else ()),
        rows=tuple(tuple(row) for row in table.rows) if table else (),
        warnings=tuple(panel.warnings),
    )


# --- running totals (``platform_core.dashboard.totals``) ------------------------------


@dataclass(frozen=True)
class TotalsCharts:
    boards: Drawing | None  # distinct households commended and exposed per board year
    three_none: Drawing | None  # three-none villages per month (months with data)
    three_none_years: Drawing | None  # per year (this one to date)
    year_on_year: Drawing | None  # each plugin figure: this year to date, same days last year


def totals_charts(prefix: str, totals, zh: bool) -> TotalsCharts:
    """The charts of a ``RunningTotals``; ``prefix`` keeps their keys apart per page."""
    from django.utils.translation import gettext as _

    boards = totals.boards.years
    months = [m for m in totals.months if m.three_none is not None]
    years = [y for y in totals.years if y.three_none is not None]
    figures = totals.year_on_year
    return TotalsCharts(
        boards=draw(
            "grouped_bar",
            f"{prefix}-boards-by-year",
            [str(y.year) for y in boards],
            [
                Line(
                    _("Model households commended"),
                    tuple(y.commended for y in boards),
                    TIER_COLOURS["green"],
                    "commended",
                ),
                Line(
                    _("Households to improve exposed"),
                    tuple(y.exposed for y in boards),
                    TIER_COLOURS["red"],
                    "exposed",
                ),
            ],
        )
        if boards
        else None,
        three_none=_three_none_chart(f"{prefix}-three-none-by-month", months),
        three_none_years=_three_none_chart(f"{prefix}-three-none-by-year", years),
        year_on_year=draw(
            "grouped_bar",
            f"{prefix}-year-on-year",
            [f.label(zh) for f in figures],
            [
                Line(
                    _("Same days last year"),
                    tuple(f.last_year for f in figures),
                    "#9aa5b1",
                    "last-year",
                ),
                Line(
                    _("This year to date"),
                    tuple(f.this_year for f in figures),
                    "#1a73e8",
                    "this-year",
                ),
            ],
        )
        if figures
        else None,
    )


def _three_none_chart(key: str, counts: list) -> Drawing | None:
    """Three-none villages beside all villages per period (``ThreeNoneCount``s with data)."""
    from django.utils.translation import gettext as _

    if not counts:
        return None
    return draw(
        "grouped_bar",
        key,
        [c.label for c in counts],
        [
            Line(
                _("Three-none villages"),
                tuple(c.three_none for c in counts),
                TIER_COLOURS["green"],
                "three-none",
            ),
            Line(_("Villages"), tuple(c.villages for c in counts), "#9aa5b1", "villages"),
        ],
    )
