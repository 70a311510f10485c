"""Route each request to its township's schema, by path or by host name.

* Path routing (development, one host): ``/t/<9-digit code>/...``. The prefix
  becomes the script name, so ``reverse()`` builds links inside the township.
* Host routing (production): ``<slug>.<BASE_DOMAIN>`` or any Domain row.

Anything else is the county site on the public schema. A suspended township
answers 403 with a page saying so. Lookups are cached (see tenants.selectors).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.shortcuts import render
from django.urls import set_script_prefix, set_urlconf

from tenants import selectors
from tenants.models import Township

PATH_PREFIX = re.compile(r"^/t/(?P<code>[^/]+)(?P<rest>/.*)?$")


class TownshipRoutingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        request.township = None
        match = PATH_PREFIX.match(request.path_info)
        if match:
            township = selectors.township_for_code(match["code"])
            if township is None:
                return self._unknown(request, match["code"])
            self._strip_prefix(request, match)
        else:
            try:
                host = request.get_host().split(":")[0]
            except DisallowedHost:
                return self._unknown(request, "?", status=400)
            township = selectors.township_for_host(host)
            if township is None and host.endswith("." + settings.BASE_DOMAIN):
                return self._unknown(request, host)

        if township is None:
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            # No township's /t/<code> prefix left over from an earlier request of this
            # thread (the WSGI handler resets it; the test client does not).
            set_script_prefix(request.META.get("SCRIPT_NAME", "") + "/")
            return self.get_response(request)
        if township.status != Township.Status.ACTIVE:
            return render(request, "tenants/suspended.html", {"township": township}, status=403)

        request.township = request.tenant = township
        connection.set_tenant(township)
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()

    @staticmethod
    def _strip_prefix(request, match) -> None:
        prefix = f"/t/{match['code']}"
        request.path_info = match["rest"] or "/"
        request.META["SCRIPT_NAME"] = request.META.get("SCRIPT_NAME", "") + prefix
        set_script_prefix(request.META["SCRIPT_NAME"] + "/")

    @staticmethod
    def _unknown(request, what: str, status: int = 404):
        return render(request, "tenants/unknown.html", {"what": what}, status=status)
