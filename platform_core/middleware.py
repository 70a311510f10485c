"""Refuse NUL characters in a request's path, query string and form fields, at the edge.

PostgreSQL cannot store or compare text holding NUL (0x00), so such a value would
reach the database as a server error wherever a page looks it up (a household code
in a URL, a search box, an uploaded file's name). No legitimate client sends one:
the request is answered 400 before any view runs. JSON and GraphQL bodies are
checked by the GraphQL endpoint itself (every text argument and variable).
"""

from __future__ import annotations

import json

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _

NUL = "\x00"


class RefuseNulMiddleware:
    """400 for a NUL in the path, a query parameter, a form field or an upload's name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = _nul_in(request)
        if where is None:
            return self.get_response(request)
        message = _("%(where)s may not contain NUL characters.") % {"where": where}
        if request.path.rstrip("/").endswith("graphql"):
            body = {"errors": [{"message": message, "extensions": {"code": "BAD_INPUT"}}]}
            return HttpResponse(
                json.dumps(body, ensure_ascii=False), status=400, content_type="application/json"
            )
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _nul_in(request) -> str | None:
    """The name of the first place holding a NUL, or None."""
    if NUL in request.path_info:
        return _("The address")
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return name.replace(NUL, "")
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "")
        for name, upload in request.FILES.items():
            if NUL in name or NUL in (upload.name or ""):
                return name.replace(NUL, "")
    return None
