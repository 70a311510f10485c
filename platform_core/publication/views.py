"""Public honour-board pages (红榜) and their printable PDF.

Boards are public: anyone may read them, signed in or not. They show what was
stored when the board was published (masked names, the month it is based on),
never a household's full name, and households to improve only where the board
includes them (``includes_red``, the township's policy at publishing time).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from platform_core.households.models import Village
from platform_core.publication import pdf, selectors
from platform_core.publication.models import BoardEntry, HonourBoard


@dataclass(frozen=True)
class Listing:
    """A board as the public sees it: masked names by kind (``to_improve`` None: not shown)."""

    board: HonourBoard
    models: list[str]
    to_improve: list[str] | None


def published_boards() -> QuerySet[HonourBoard]:
    """Every published board of the township, newest quarter first, with its counts."""
    return (
        HonourBoard.objects.select_related("village")
        .annotate(
            model_count=Count("entries", filter=Q(entries__kind=BoardEntry.Kind.MODEL)),
            improve_count=Count("entries", filter=Q(entries__kind=BoardEntry.Kind.IMPROVE)),
        )
        .order_by("-year", "-quarter", "village__code")
    )


def listing(village_code: str, year: int, quarter: int) -> Listing | None:
    """The published board of a village and quarter; None when there is none."""
    village = Village.objects.filter(code=village_code).first()
    board = selectors.board(village, year, quarter) if village else None
    if board is None:
        return None
    models, to_improve = [], []
    for entry in selectors.board_entries(board):
        (models if entry.kind == BoardEntry.Kind.MODEL else to_improve).append(entry.masked_name)
    return Listing(board, models, to_improve if board.includes_red else None)


def board_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "publication/board_index.html",
        {"township": request.township, "boards": published_boards()},
    )


def board_page(request: HttpRequest, village: str, year: int, quarter: int) -> HttpResponse:
    found = listing(village, year, quarter)
    if found is None:
        return render(request, "publication/board_missing.html", status=404)
    return render(
        request, "publication/board.html", {"township": request.township, "listing": found}
    )


def board_pdf(request: HttpRequest, village: str, year: int, quarter: int) -> HttpResponse:
    found = listing(village, year, quarter)
    if found is None:
        return render(request, "publication/board_missing.html", status=404)
    body = pdf.board_pdf(request.township.name, found.board, found.models, found.to_improve)
    response = HttpResponse(body, content_type="application/pdf")
    name = f"honour-board-{found.board.village.code}-{year}-Q{quarter}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
