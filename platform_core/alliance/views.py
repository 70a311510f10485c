"""The public page of the township's integrity dividends (《诚信红利十条》) and its PDF.

Public like the honour boards: anyone may read them, signed in or not. They show the
latest published version only; a draft is never shown here.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from platform_core.alliance import pdf, selectors


def dividends_page(request: HttpRequest) -> HttpResponse:
    catalogue = selectors.published_catalogue()
    context = {
        "township": request.township,
        "catalogue": catalogue,
        "rows": selectors.dividend_rows(catalogue, request.township),
        "english": not (get_language() or "").startswith("zh"),
    }
    return render(request, "alliance/dividends.html", context)


def dividends_pdf(request: HttpRequest) -> HttpResponse:
    catalogue = selectors.published_catalogue()
    if catalogue is None:
        return render(
            request,
            "alliance/dividends.html",
            {"township": request.township, "catalogue": None},
            status=404,
        )
    rows = selectors.dividend_rows(catalogue, request.township)
    response = HttpResponse(
        pdf.dividends_pdf(request.township.name, catalogue, rows), content_type="application/pdf"
    )
    name = f"integrity-dividends-v{catalogue.version}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
