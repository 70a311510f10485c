"""A per-client limit on the public scan page, kept in Django's cache.

The public page answers anyone holding a link; the limit stops a script from
hammering it (or trying token after token). A fixed one-minute window per client
address is enough for that and costs one cache increment per request. Cache keys
carry the township's schema (``tenants.cache.make_key``), so the count is per
township and address. Signed-in staff are not counted (the view skips them).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

DEFAULT_PER_MINUTE = 30


def per_minute() -> int:
    """Requests allowed per client and minute (``PUBLIC_SCAN_RATE_PER_MINUTE``; 0 = no limit)."""
    return int(getattr(settings, "PUBLIC_SCAN_RATE_PER_MINUTE", DEFAULT_PER_MINUTE))


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the address our own proxy saw.

    X-Forwarded-For is trusted only where the deployment says a proxy sits in front
    (``BEHIND_TLS_PROXY`` sets ``SECURE_PROXY_SSL_HEADER``), and then only its last
    entry, the one that proxy appended; earlier entries are whatever the client sent.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, request: HttpRequest, now: float | None = None) -> bool:
    """Count this request; False once the client exceeded the limit in this minute."""
    limit = per_minute()
    if limit <= 0:
        return True
    minute = int((time.time() if now is None else now) // 60)
    key = f"ratelimit:{scope}:{client_address(request)}:{minute}"
    cache.add(key, 0, timeout=90)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=90)
        count = 1
    return count <= limit
