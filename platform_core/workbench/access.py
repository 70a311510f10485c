"""Who may open a workbench page: the request's Viewer, asked once per request.

A page names the roles it serves; a person without one of them gets a 403 page
that says so, an anonymous visitor the sign-in page. Village scope is not
decided here but by the selectors and services the page calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from platform_core.accounts.viewer import Viewer, viewer_of


def workbench_page(roles: Iterable[str]) -> Callable:
    """Decorate a view so that only viewers holding one of ``roles`` reach it.

    The view receives ``request.viewer`` built; the response is never cached by a
    shared cache (pages show personal data).
    """
    roles = tuple(roles)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("login"))
            viewer = viewer_of(request)
            if not holds_any(viewer, roles):
                return refuse(request)
            response = view(request, *args, **kwargs)
            response.headers.setdefault("Cache-Control", "private, no-store")
            return response

        guarded.workbench_roles = roles
        return guarded

    return decorate


def holds_any(viewer: Viewer, roles: Iterable[str]) -> bool:
    """Holds one of ``roles`` somewhere in the township (in any village, or everywhere)."""
    return viewer.has_somewhere(roles)


def refuse(request, status: int = 403):
    """The page a person sees for a workbench page that is not theirs."""
    return render(request, "workbench/denied.html", {"viewer": viewer_of(request)}, status=status)
