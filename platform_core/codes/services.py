"""Household codes (一户一码): the signed token behind each QR code, its URL and the QR itself.

A token is ``<household code>.<signature>``. The signature is an HMAC (Django's
``Signer``, SHA-256) keyed by the signing key and salted with the purpose and the
township's code, so it covers both: a code can't be guessed from its neighbours
(``V01-0002`` after ``V01-0001``), altered, or replayed at another township.
The signature is cut to 22 characters (132 bits) to keep the URL, and so the QR
code, small (version 5 at error level M for a typical address); forging one
online is still hopeless, and the public page is rate-limited besides.

Door plates are printed once and hang for years, so their tokens must survive a
``SECRET_KEY`` rotation: set ``HOUSEHOLD_CODE_SIGNING_KEY`` to the old key (or
keep it in ``SECRET_KEY_FALLBACKS``).
"""

from __future__ import annotations

from io import BytesIO

import segno
from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.http import HttpRequest
from django.urls import reverse

from platform_core.households.models import Household

SALT = "platform_core.codes.household"
SEPARATOR = "."  # never in a household code (letters, digits, - and _) nor in base64url
SIGNATURE_CHARS = 22
QR_ERROR_LEVEL = "m"  # survives some dirt and wear on a door plate


class _ShortSigner(Signer):
    """A ``Signer`` whose signature is the first ``SIGNATURE_CHARS`` characters of the HMAC."""

    def signature(self, value, key=None) -> str:
        return super().signature(value, key)[:SIGNATURE_CHARS]


def _signer(township_code: str) -> Signer:
    """The signer of one township's codes: the salt names the purpose and the township."""
    key = getattr(settings, "HOUSEHOLD_CODE_SIGNING_KEY", "") or settings.SECRET_KEY
    fallbacks = list(settings.SECRET_KEY_FALLBACKS)
    if key != settings.SECRET_KEY:
        fallbacks.append(settings.SECRET_KEY)
    return _ShortSigner(
        key=key, sep=SEPARATOR, salt=f"{SALT}:{township_code}", fallback_keys=fallbacks
    )


def household_token(township, household: Household | str) -> str:
    """The token printed (as a URL) in a household's QR code."""
    code = household if isinstance(household, str) else household.code
    return _signer(township.code).sign(code)


def token_household_code(township, token: str) -> str | None:
    """The household code a token was signed for in ``township``; None if forged or foreign."""
    try:
        return _signer(township.code).unsign(token)
    except BadSignature:
        return None


def verify(township, token: str) -> Household | None:
    """The household behind a token, or None (tampered, another township's, or deleted)."""
    code = token_household_code(township, token)
    if code is None:
        return None
    return Household.objects.select_related("village").filter(code=code).first()


def scan_path(township, household: Household | str) -> str:
    """The scan page's path as the current request sees it (``/t/<code>/`` prefix included)."""
    return reverse("codes:scan", args=[household_token(township, household)])


def household_url(request_or_township: HttpRequest | object, household: Household | str) -> str:
    """Absolute URL of a household's public scan page.

    With a request: the host and prefix it came in by (what the printing staff
    member sees works for the scanner too). With a township (no request, e.g. a
    background job): its primary domain, https unless cookies are not secure
    (demo), since a printed code outlives any development prefix.
    """
    if isinstance(request_or_township, HttpRequest):
        request = request_or_township
        return request.build_absolute_uri(scan_path(request.township, household))
    township = request_or_township
    token = household_token(township, household)
    return f"{_township_origin(township)}/h/{token}/"


def _township_origin(township) -> str:
    from tenants.models import Domain

    domain = Domain.objects.filter(tenant=township).order_by("-is_primary", "domain").first()
    host = domain.domain if domain else f"{township.slug}.{settings.BASE_DOMAIN}"
    scheme = "https" if settings.SESSION_COOKIE_SECURE else "http"
    return f"{scheme}://{host}"


def qr_code(url: str) -> segno.QRCode:
    """The QR code of ``url`` (never a Micro QR: phone cameras don't all read those)."""
    return segno.make(url, error=QR_ERROR_LEVEL, micro=False)


def qr_svg(url: str, scale: int = 8) -> bytes:
    """The QR code of ``url`` as a standalone SVG document (black on white, 4-module border)."""
    out = BytesIO()
    qr_code(url).save(out, kind="svg", scale=scale, border=4, dark="#000", light="#fff")
    return out.getvalue()
