"""A village's quarterly honour board (红榜) as a printable A4 PDF.

Like the door plates (``platform_core.codes.pdf``), the printed board is put up in
the village for everyone, so its words are fixed and bilingual rather than in the
language of whoever downloaded it. It lists masked names only, as stored on the
board when it was published, and households to improve only where the board
includes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from django.utils import timezone
from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from platform_core.codes.pdf import GREY, INK, TIER_COLOURS, draw_text, fit
from platform_core.evaluation.selectors import PostedMonth
from platform_core.publication.models import HonourBoard

WIDTH, HEIGHT = A4
MARGIN = 18 * mm
COLUMNS = 5
ROW = 8.5 * mm
NAME_SIZE = 14
ENTERPRISE_COLUMNS = 2  # registered names are long


class _Pages:
    """A canvas with a cursor that starts a new page (with the board's running head)
    when the next line doesn't fit."""

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

    def finish(self) -> None:
        self._footer()
        self.canvas.showPage()

    def _footer(self) -> None:
        self.canvas.setFillColor(GREY)
        draw_text(self.canvas, f"- {self.page} -", WIDTH / 2, MARGIN / 2, 9, centred=True)


def _title(pages: _Pages, township_name: str, board: HonourBoard) -> None:
    canvas = pages.canvas
    canvas.setFillColor(INK)
    heading = f"{township_name} {board.village.name}"
    draw_text(
        canvas,
        heading,
        WIDTH / 2,
        pages.y - 8 * mm,
        fit(heading, 22, WIDTH - 2 * MARGIN),
        centred=True,
    )
    title = (
        f"{board.year} 年第 {board.quarter} 季度诚信榜  Honour board {board.year} Q{board.quarter}"
    )
    draw_text(
        canvas,
        title,
        WIDTH / 2,
        pages.y - 17 * mm,
        fit(title, 14, WIDTH - 2 * MARGIN),
        centred=True,
    )
    canvas.setFillColor(GREY)
    based = f"依据 {board.based_on:%Y-%m} 月评定  Based on the evaluation of {board.based_on:%Y-%m}"
    # The township publishes; the clerk's e-mail stays off a public notice.
    published = f"发布  Published {timezone.localdate(board.published_at):%Y-%m-%d}"
    draw_text(canvas, based, WIDTH / 2, pages.y - 25 * mm, 10, centred=True)
    draw_text(canvas, published, WIDTH / 2, pages.y - 30.5 * mm, 10, centred=True)
    pages.y -= 40 * mm


def _section(
    pages: _Pages, heading: str, colour: str, names: Sequence[str], columns: int = COLUMNS
) -> None:
    """A coloured band with the heading, then the names in a grid, row by row."""
    canvas = pages.canvas
    pages.need(12 * mm + ROW)
    canvas.setFillColor(HexColor(colour))
    canvas.rect(MARGIN, pages.y - 10 * mm, WIDTH - 2 * MARGIN, 10 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    draw_text(canvas, f"{heading} ({len(names)})", MARGIN + 4 * mm, pages.y - 7 * mm, 13)
    pages.y -= 12 * mm
    canvas.setFillColor(INK)
    if not names:
        pages.need(ROW)
        draw_text(canvas, "本季度无  None this quarter", MARGIN + 4 * mm, pages.y - 6 * mm, 11)
        pages.y -= ROW
    cell = (WIDTH - 2 * MARGIN) / columns
    for start in range(0, len(names), columns):
        pages.need(ROW)
        canvas.setFillColor(INK)
        for column, name in enumerate(names[start : start + columns]):
            x = MARGIN + column * cell + cell / 2
            draw_text(
                canvas, name, x, pages.y - 6 * mm, fit(name, NAME_SIZE, cell - 4 * mm), centred=True
            )
        pages.y -= ROW
    pages.y -= 6 * mm


def board_pdf(
    township_name: str,
    board: HonourBoard,
    models: Sequence[str],
    to_improve: Sequence[str] | None,
    enterprises: Sequence[str] = (),
) -> bytes:
    """The printable board: model households, then (None: not on this board) those to
    improve, then (when the board lists any) integrity merchants and firms by name."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{township_name} {board.village.name} {board.year} Q{board.quarter}")
    pages = _Pages(canvas, f"{township_name} {board.village.name} {board.year} Q{board.quarter}")
    _title(pages, township_name, board)
    _section(pages, "诚信示范户  Model households", TIER_COLOURS["green"], models)
    if to_improve is not None:
        _section(pages, "待提升户  Households to improve", TIER_COLOURS["red"], to_improve)
    if enterprises:
        _section(
            pages,
            "诚信商户、诚信企业  Integrity merchants and firms",
            TIER_COLOURS["green"],
            enterprises,
            ENTERPRISE_COLUMNS,
        )
    pages.finish()
    canvas.save()
    return buffer.getvalue()


POSTED_TIERS = {"green": "绿 Green", "blue": "蓝 Blue", "red": "红 Red"}
POSTING_COLUMNS = 3  # (name, score, tier) triples per line


def posting_pdf(township_name: str, posted: PostedMonth) -> bytes:
    """A village's month results as posted (公示): masked names, scores, tiers, the period.

    Like the board, its words are fixed and bilingual: it is put up in the village.
    """
    posting = posted.posting
    month = f"{posting.period:%Y-%m}"
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    head = f"{township_name} {posting.village.name} {month}"
    canvas.setTitle(head)
    pages = _Pages(canvas, head)
    canvas.setFillColor(INK)
    heading = f"{township_name} {posting.village.name}"
    draw_text(
        canvas,
        heading,
        WIDTH / 2,
        pages.y - 8 * mm,
        fit(heading, 22, WIDTH - 2 * MARGIN),
        centred=True,
    )
    title = f"{month} 月诚信积分评定结果公示  Results of {month}, posted for comment"
    draw_text(
        canvas,
        title,
        WIDTH / 2,
        pages.y - 17 * mm,
        fit(title, 14, WIDTH - 2 * MARGIN),
        centred=True,
    )
    canvas.setFillColor(GREY)
    period = (
        f"公示期 {posting.posted_on:%Y-%m-%d} 至 {posting.ends_on:%Y-%m-%d}"
        f"（{posting.working_days} 个工作日）  Posted {posting.posted_on:%Y-%m-%d} "
        f"until {posting.ends_on:%Y-%m-%d} ({posting.working_days} working days)"
    )
    draw_text(
        canvas,
        period,
        WIDTH / 2,
        pages.y - 25 * mm,
        fit(period, 10, WIDTH - 2 * MARGIN),
        centred=True,
    )
    comment = (
        "如有异议，请在公示期内向村委会反映  Objections to the village committee before it ends"
    )
    draw_text(
        canvas,
        comment,
        WIDTH / 2,
        pages.y - 30.5 * mm,
        fit(comment, 10, WIDTH - 2 * MARGIN),
        centred=True,
    )
    pages.y -= 40 * mm
    _posted_lines(canvas, pages, posted.lines)
    if posted.unnamed_red:
        pages.need(2 * ROW)
        canvas.setFillColor(GREY)
        note = (
            f"另有待提升户 {posted.unnamed_red} 户不公开姓名  "
            f"{posted.unnamed_red} households to improve are not named"
        )
        draw_text(canvas, note, MARGIN, pages.y - 8 * mm, 10)
        pages.y -= 2 * ROW
    if posted.businesses or posted.unnamed_red_businesses:
        # Merchants and firms after the households, in a section of their own.
        pages.need(3 * ROW)
        canvas.setFillColor(INK)
        section = "诚信商户、企业  Merchants and firms"
        draw_text(canvas, section, MARGIN, pages.y - 8 * mm, 14)
        pages.y -= 2 * ROW
        _posted_lines(canvas, pages, posted.businesses, name_width=60 * mm, columns=2)
        if posted.unnamed_red_businesses:
            pages.need(2 * ROW)
            canvas.setFillColor(GREY)
            count = posted.unnamed_red_businesses
            note = f"另有待提升商户、企业 {count} 家不公开名称  {count} to improve are not named"
            draw_text(canvas, note, MARGIN, pages.y - 8 * mm, 10)
            pages.y -= 2 * ROW
    pages.finish()
    canvas.save()
    return buffer.getvalue()


def _posted_lines(
    canvas, pages, lines, *, name_width: float = 20 * mm, columns: int = POSTING_COLUMNS
) -> None:
    """Posted (name, score, tier) lines, ``columns`` to a row, each with its tier colour."""
    cell = (WIDTH - 2 * MARGIN) / columns
    for start in range(0, len(lines), columns):
        pages.need(ROW)
        for column, line in enumerate(lines[start : start + columns]):
            x = MARGIN + column * cell
            canvas.setFillColor(HexColor(TIER_COLOURS[line.tier]))
            canvas.rect(x + 1 * mm, pages.y - 6.5 * mm, 3 * mm, 5 * mm, stroke=0, fill=1)
            canvas.setFillColor(INK)
            name_size = fit(line.name, 12, name_width)
            draw_text(canvas, line.name, x + 6 * mm, pages.y - 6 * mm, name_size)
            draw_text(
                canvas,
                f"{line.score}  {POSTED_TIERS[line.tier]}",
                x + 8 * mm + name_width,
                pages.y - 6 * mm,
                10,
            )
        pages.y -= ROW
