"""Public honour-board pages (红榜) and their printable PDF.

Boards are public: anyone may read them, signed in or not. They show what was
stored when the board was published (masked names, the month it is based on),
never a household's full name, and households to improve only where the board
includes them (``includes_red``, the township's policy at publishing time).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform_core.evaluation.selectors import current_postings, posted_month
from platform_core.publication import pdf, selectors
from platform_core.scoring.covenant import RED_LIST_BASIS
from platform_core.scoring.policy import parse_period


def board_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publication/board_index.html",
        {"township": request.township, "boards": selectors.published_boards()},
    )


def board_page(request: HttpRequest, village: str, year: int, quarter: int) -> HttpResponse:
    found = selectors.listing(village, year, quarter)
    if found is None:
        return render(request, "publication/board_missing.html", status=404)
    return render(
        request,
        "publication/board.html",
        {"township": request.township, "listing": found, "red_list_basis": RED_LIST_BASIS},
    )


def board_pdf(request: HttpRequest, village: str, year: int, quarter: int) -> HttpResponse:
    found = selectors.listing(village, year, quarter)
    if found is None:
        return render(request, "publication/board_missing.html", status=404)
    body = pdf.board_pdf(
        request.township.name, found.board, found.models, found.to_improve, found.enterprises
    )
    response = HttpResponse(body, content_type="application/pdf")
    name = f"honour-board-{found.board.village.code}-{year}-Q{quarter}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- public posting of a month's results (公示) --------------------------------


def posting_index(request: HttpRequest) -> HttpResponse:
    """Every village's current posting, newest month first (no sign-in)."""
    return render(
        request,
        "publication/posting_index.html",
        {"township": request.township, "postings": current_postings()},
    )


def _posted(village: str, month: str):
    """The village's posting of ``month`` (YYYY-MM); None for none or a malformed month."""
    try:
        period = parse_period(month)
    except ValueError:
        return None
    return posted_month(village, period)


def posting_page(request: HttpRequest, village: str, month: str) -> HttpResponse:
    """A village's month results as posted: masked names, scores, tiers and the period."""
    found = _posted(village, month)
    if found is None:
        return render(request, "publication/posting_missing.html", status=404)
    return render(
        request, "publication/posting.html", {"township": request.township, "posted": found}
    )


def posting_pdf(request: HttpRequest, village: str, month: str) -> HttpResponse:
    """The posting as a printable A4 PDF, to be put up in the village."""
    found = _posted(village, month)
    if found is None:
        return render(request, "publication/posting_missing.html", status=404)
    body = pdf.posting_pdf(request.township.name, found)
    response = HttpResponse(body, content_type="application/pdf")
    name = f"posting-{found.posting.village.code}-{found.posting.period:%Y-%m}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
