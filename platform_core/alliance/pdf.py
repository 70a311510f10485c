"""The published integrity dividends (《诚信红利十条》) as a printable A4 PDF.

Like the honour boards (``platform_core.publication.pdf``), the list is put up in the
township for everyone, so its fixed words are bilingual rather than in the language of
whoever downloaded it; the township's own texts are printed as it wrote them (Chinese,
and English where given). Chinese is set in reportlab's built-in CID font
(``platform_core.codes.pdf``): no font file is shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from django.utils import timezone
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from platform_core.alliance.models import DividendCatalogue
from platform_core.alliance.selectors import DividendRow
from platform_core.codes.pdf import GREY, INK, TIER_COLOURS, draw_text, fit, text_width

WIDTH, HEIGHT = A4
MARGIN = 18 * mm
TEXT_WIDTH = WIDTH - 2 * MARGIN - 12 * mm
LINE = 5.5 * mm

TIER_WORDS = {"green": "绿 Green", "blue": "蓝 Blue", "red": "红 Red"}
SUBJECT_WORDS = {
    "household": "诚信农户 Households",
    "merchant": "诚信商户 Merchants",
    "firm": "诚信企业 Firms",
}


def wrap(text: str, size: float, room: float) -> list[str]:
    """``text`` cut into lines no wider than ``room`` (at any character: Chinese has no
    spaces; a Latin word is kept whole where it fits on a line of its own)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in _words(paragraph):
            if text_width(line + word, size) <= room or not line:
                line += word
            else:
                lines.append(line.rstrip())
                line = word.lstrip()
            while text_width(line, size) > room and len(line) > 1:  # one over-long word
                cut = len(line) - 1
                while cut > 1 and text_width(line[:cut], size) > room:
                    cut -= 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def _words(text: str) -> list[str]:
    """Latin words with their following space, and each other character alone."""
    words, word = [], ""
    for char in text:
        if char.isascii() and not char.isspace():
            word += char
            continue
        if word:
            words.append(word)
            word = ""
        if char.isspace() and words:
            words[-1] += char
        elif not char.isspace():
            words.append(char)
    if word:
        words.append(word)
    return words


class _Pages:
    """A canvas with a cursor that starts a new page (with a running head) when needed."""

    def __init__(self, canvas: Canvas, running_head: str) -> None:
        self.canvas = canvas
        self.running_head = running_head
        self.page = 1
        self.y = HEIGHT - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN + 10 * mm:
            self._footer()
            self.canvas.showPage()
            self.page += 1
            self.canvas.setFillColor(GREY)
            draw_text(self.canvas, self.running_head, MARGIN, HEIGHT - MARGIN, 9)
            self.y = HEIGHT - MARGIN - 10 * mm

    def lines(self, texts: Sequence[str], size: float, x: float, colour=INK) -> None:
        for text in texts:
            self.need(LINE)
            self.canvas.setFillColor(colour)
            draw_text(self.canvas, text, x, self.y - 4 * mm, size)
            self.y -= LINE

    def finish(self) -> None:
        self._footer()
        self.canvas.showPage()

    def _footer(self) -> None:
        self.canvas.setFillColor(GREY)
        draw_text(self.canvas, f"- {self.page} -", WIDTH / 2, MARGIN / 2, 9, centred=True)


def dividends_pdf(
    township_name: str, catalogue: DividendCatalogue, rows: Sequence[DividendRow]
) -> bytes:
    """The published version: each dividend with who offers it, to whom, and its basis."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    head = f"{township_name} 诚信红利十条 v{catalogue.version}"
    canvas.setTitle(head)
    pages = _Pages(canvas, head)
    canvas.setFillColor(INK)
    heading = f"{township_name}《诚信红利十条》"
    draw_text(
        canvas, heading, WIDTH / 2, pages.y - 8 * mm, fit(heading, 22, WIDTH - 2 * MARGIN), True
    )
    title = "Ten integrity dividends of the 鸿信+ alliance"
    draw_text(canvas, title, WIDTH / 2, pages.y - 17 * mm, fit(title, 14, WIDTH - 2 * MARGIN), True)
    canvas.setFillColor(GREY)
    day = f"{timezone.localdate(catalogue.published_at):%Y-%m-%d}"
    published = (
        f"第 {catalogue.version} 版，{day} 发布  Version {catalogue.version}, published {day}"
    )
    draw_text(canvas, published, WIDTH / 2, pages.y - 25 * mm, 10, centred=True)
    pages.y -= 34 * mm
    x = MARGIN + 12 * mm
    for row in rows:
        d = row.dividend
        title_lines = wrap(d.title_zh, 13, TEXT_WIDTH)
        pages.need(LINE * (len(title_lines) + 3))
        canvas.setFillColor(HexColor(TIER_COLOURS["green"]))
        canvas.circle(MARGIN + 4 * mm, pages.y - 3 * mm, 4 * mm, stroke=0, fill=1)
        canvas.setFillColor(HexColor("#ffffff"))
        draw_text(canvas, str(d.number), MARGIN + 4 * mm, pages.y - 4.5 * mm, 11, centred=True)
        pages.lines(title_lines, 13, x)
        if d.title_en:
            pages.lines(wrap(d.title_en, 10, TEXT_WIDTH), 10, x, GREY)
        pages.lines(wrap(d.gives_zh, 10, TEXT_WIDTH), 10, x)
        if d.gives_en:
            pages.lines(wrap(d.gives_en, 9, TEXT_WIDTH), 9, x, GREY)
        who = "、".join(TIER_WORDS.get(t, t) for t in d.tiers)
        kinds = "、".join(SUBJECT_WORDS.get(k, k) for k in d.subject_kinds)
        offer = f"提供 Offered by: {d.member.name}    适用 For: {kinds} ({who})"
        pages.lines(wrap(offer, 9, TEXT_WIDTH), 9, x, GREY)
        pages.lines(wrap(f"依据 Basis: {d.basis}", 9, TEXT_WIDTH), 9, x, GREY)
        pages.y -= 3 * mm
    pages.finish()
    canvas.save()
    return buffer.getvalue()
