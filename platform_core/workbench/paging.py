"""Pages of a workbench list: ``?page=`` and ``?size=`` (bounded), the same everywhere."""

from __future__ import annotations

from django.core.paginator import Page, Paginator

DEFAULT_SIZE = 25
MAX_SIZE = 100


def page_of(queryset, request, default: int = DEFAULT_SIZE) -> Page:
    """The requested page of ``queryset``; a bad or missing number gives the first page."""
    try:
        size = int(request.GET.get("size") or default)
    except ValueError:
        size = default
    size = min(max(size, 1), MAX_SIZE)
    return Paginator(queryset, size).get_page(request.GET.get("page"))
