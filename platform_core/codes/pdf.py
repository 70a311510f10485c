"""Door plates (门牌) as PDF: one A6 page per household, QR code drawn as vector squares.

Plates are printed once and hang on a door for years, read by villagers and
visitors alike, so their words are fixed and bilingual (Chinese first, English
below) instead of following the language of whoever printed them.

Chinese is set in reportlab's built-in CID font ``STSong-Light`` and Latin text in
Helvetica: PDF viewers supply both, so no font file is shipped and a 600-page batch
stays small. The QR
code is drawn from segno's module matrix, one rectangle per run of dark modules,
so it prints sharp at any size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from io import BytesIO

from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from platform_core.codes.selectors import Plate, Standing
from platform_core.codes.services import qr_code

FONT = "STSong-Light"
LATIN = "Helvetica"
QUIET_ZONE = 4  # modules of white around a QR code, as the standard asks

# The same colours as the pages (tier-green, tier-blue, tier-red in base.html).
TIER_COLOURS = {"green": "#1e8e3e", "blue": "#1a73e8", "red": "#c5221f", "": "#6b7280"}
TIER_WORDS = {
    "green": ("绿色 · 诚信示范户", "GREEN · Model household"),
    "blue": ("蓝色", "BLUE"),
    "red": ("红色 · 待提升户", "RED · Household to improve"),
    "": ("待评定", "NOT YET EVALUATED"),
}
INK = HexColor("#1f2933")
GREY = HexColor("#52606d")


def cjk_font() -> str:
    """Register the built-in Chinese font once; its name for ``setFont``."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@lru_cache(maxsize=4096)
def _font_of(char: str) -> str:
    """Latin text in Helvetica (every viewer has it, with exact widths), the rest in the
    Chinese font, whose Latin glyphs viewers substitute with uneven spacing."""
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return cjk_font()
    return LATIN


def _segments(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (font, run) pieces of one font each."""
    pieces: list[tuple[str, str]] = []
    for char in text:
        font = _font_of(char)
        if pieces and pieces[-1][0] == font:
            pieces[-1] = (font, pieces[-1][1] + char)
        else:
            pieces.append((font, char))
    return pieces


def text_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in _segments(text))


def draw_text(canvas: Canvas, text: str, x: float, y: float, size: float, centred=False) -> None:
    """Mixed Chinese and Latin text at (x, y), or centred on x."""
    if centred:
        x -= text_width(text, size) / 2
    for font, run in _segments(text):
        canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)


def fit(text: str, size: float, room: float, smallest: float = 6) -> float:
    """The largest font size up to ``size`` at which ``text`` fits in ``room`` points."""
    while size > smallest and text_width(text, size) > room:
        size -= 0.5
    return size


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of ``url`` as filled squares in a ``size`` square at (x, y), quiet zone
    included (four modules of white on each side).

    The squares are written as PDF ``re`` operators in module units (one rectangle per
    run of dark modules in a row) under a scaling transform: whole numbers, so a plate's
    code costs a few hundred short operators rather than formatted floats.
    """
    matrix = qr_code(url).matrix
    modules = len(matrix) + 2 * QUIET_ZONE
    canvas.saveState()
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.translate(x, y)
    canvas.scale(size / modules, size / modules)
    canvas.setFillColor(black)
    canvas.addLiteral("\n".join(_runs(matrix, modules)) + "\nf")
    canvas.restoreState()


def _runs(matrix, modules: int) -> Iterator[str]:
    """``x y w 1 re`` for each horizontal run of dark modules (PDF's y axis points up)."""
    for row_number, row in enumerate(matrix):
        bottom = modules - QUIET_ZONE - row_number - 1
        column, width = 0, len(row)
        while column < width:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            yield f"{start + QUIET_ZONE} {bottom} {column - start} 1 re"


def _centred(canvas: Canvas, text: str, y: float, size: float, colour=INK) -> None:
    """Centred text, shrunk to fit the plate's width (long village or township names)."""
    width, _height = A6
    canvas.setFillColor(colour)
    draw_text(canvas, text, width / 2, y, fit(text, size, width - 16 * mm), centred=True)


def _validity(standing: Standing) -> tuple[str, str]:
    """Two lines: the month the tier comes from, and from when until when it holds."""
    if not standing.evaluated:
        return "尚未评定  Not evaluated yet", ""
    span = f"{standing.valid_from:%Y-%m-%d} – {standing.valid_until:%Y-%m-%d}"
    return f"{standing.period:%Y-%m} 月评定  Evaluated for {standing.period:%Y-%m}", (
        f"有效期  Valid {span}"
    )


def draw_plate(canvas: Canvas, township_name: str, plate: Plate, url: str) -> None:
    """One door plate on the current page."""
    width, height = A6
    _centred(canvas, township_name, height - 16 * mm, 16)
    _centred(canvas, plate.village_name, height - 23 * mm, 12, GREY)
    band_top = height - 28 * mm
    canvas.setFillColor(HexColor(TIER_COLOURS.get(plate.standing.tier, TIER_COLOURS[""])))
    canvas.rect(0, band_top - 20 * mm, width, 20 * mm, stroke=0, fill=1)
    chinese, english = TIER_WORDS.get(plate.standing.tier, TIER_WORDS[""])
    _centred(canvas, chinese, band_top - 10 * mm, 16, white)
    _centred(canvas, english, band_top - 16 * mm, 10, white)
    qr_size = 60 * mm
    qr_top = band_top - 22 * mm
    draw_qr(canvas, url, (width - qr_size) / 2, qr_top - qr_size, qr_size)
    _centred(canvas, f"户码 {plate.household_code}", qr_top - qr_size - 5 * mm, 13)
    _centred(canvas, f"户主 {plate.masked_name}", qr_top - qr_size - 11 * mm, 11)
    evaluated, valid = _validity(plate.standing)
    _centred(canvas, evaluated, 16 * mm, 8, GREY)
    _centred(canvas, valid, 12 * mm, 8, GREY)
    _centred(canvas, "扫码查看诚信档案  Scan to check this household's standing", 6 * mm, 7, GREY)


def door_plates_pdf(
    township_name: str, plates: Iterable[Plate], url_for: Callable[[str], str], title: str
) -> bytes:
    """A PDF with one A6 page per plate; ``url_for(household_code)`` is its QR code's URL."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A6, pageCompression=1)
    canvas.setTitle(title)
    cjk_font()
    pages = 0
    for plate in plates:
        draw_plate(canvas, township_name, plate, url_for(plate.household_code))
        canvas.showPage()
        pages += 1
    if not pages:  # a village without households: one page saying so, not a broken file
        _centred(canvas, "本村暂无农户 No households in this village", A6[1] / 2, 10)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
