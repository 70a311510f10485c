"""Pages of household codes: the public scan page, QR codes and door plates (staff)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from platform_core import ratelimit
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.accounts.viewer import Viewer, viewer_of
from platform_core.codes import pdf, selectors, services

SCAN_SCOPE = "scan"


@never_cache  # what it shows depends on who asks; no shared cache may keep it
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind a household's QR code (public; more for its staff and itself)."""
    viewer = viewer_of(request)
    if not viewer.is_staff and not ratelimit.allow(SCAN_SCOPE, request):
        context = {"per_minute": ratelimit.per_minute()}
        response = render(request, "codes/rate_limited.html", context, status=429)
        response["Retry-After"] = "60"
        return response
    household = services.verify(request.township, token)
    if household is None:
        return render(request, "codes/invalid.html", status=404)
    page = selectors.scan_page(household, viewer, request.township)
    response = render(request, "codes/scan.html", {"page": page, "township": request.township})
    response["X-Robots-Tag"] = "noindex, nofollow"  # a household's page is no search result
    return response


def _refusal(request: HttpRequest) -> HttpResponse:
    """Anonymous visitors are sent to sign in; signed-in people without the role get 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "codes/denied.html", status=403)


def _not_found(request: HttpRequest, viewer: Viewer) -> HttpResponse:
    """Unknown codes are named as such only to staff; others learn nothing from them."""
    if not viewer.is_staff:
        return _refusal(request)
    return render(request, "codes/not_found.html", status=404)


def qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    """A household's QR code as SVG, for staff of its village."""
    viewer = viewer_of(request)
    household = selectors.household_by_code(code)
    if household is None:
        return _not_found(request, viewer)
    if not viewer.has(STAFF_ROLES, household.village.code):
        return _refusal(request)
    svg = services.qr_svg(services.household_url(request, household))
    return HttpResponse(svg, content_type="image/svg+xml")


def door_plate(request: HttpRequest, code: str) -> HttpResponse:
    """One household's door plate (A6 PDF), for staff of its village."""
    viewer = viewer_of(request)
    household = selectors.household_by_code(code)
    if household is None:
        return _not_found(request, viewer)
    if not viewer.has(STAFF_ROLES, household.village.code):
        return _refusal(request)
    plate = selectors.plate(household, request.township)
    body = pdf.door_plates_pdf(
        request.township.name,
        [plate],
        lambda household_code: services.household_url(request, household_code),
        title=f"{request.township.name} {plate.village_name} {plate.household_code}",
    )
    return _pdf(body, f"door-plate-{household.code}.pdf")


def village_door_plates(request: HttpRequest, code: str) -> HttpResponse:
    """Every door plate of a village in one PDF (one page per household), for its staff."""
    viewer = viewer_of(request)
    village = selectors.village_by_code(code)
    if village is None:
        return _not_found(request, viewer)
    if not viewer.has(STAFF_ROLES, village.code):
        return _refusal(request)
    body = pdf.door_plates_pdf(
        request.township.name,
        selectors.village_plates(village, request.township),
        lambda household_code: services.household_url(request, household_code),
        title=f"{request.township.name} {village.name}",
    )
    return _pdf(body, f"door-plates-{village.code}.pdf")


def _pdf(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
