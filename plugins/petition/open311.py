"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for the township's cases.

One endpoint per township, ``/t/<code>/open311/v2/`` (and ``/open311/v2/`` on the
township's host), also served on the county's address with ``jurisdiction_id`` = the
township code (mounted through the core's ``township_urls`` hook). Every method in
both formats, ``.json`` and ``.xml``:

* ``GET services`` and ``GET services/<service_code>`` — the case kinds that reach the
  township through a channel (petition, hotline, online) and their attributes;
* ``POST requests`` — a new case through ``services.receive_case``, by the person of
  an API token of the township (``api_key``);
* ``GET requests`` and ``GET requests/<service_request_id>`` — status, status notes,
  times and the village. No personal data: no names, phones, household codes or
  summaries; the address is the village. docs/open311.md says what maps to what.

Errors take the spec's shape: ``[{"code": 400, "description": "..."}]`` in JSON,
``<errors><error><code/><description/></error></errors>`` in XML, with HTTP 400 for a
bad parameter, 403 for a missing or refused ``api_key`` and 404 for an unknown
service, request or jurisdiction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from xml.sax.saxutils import escape

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from plugins.petition.models import Kind
from plugins.petition.open311_selectors import (
    CLOSED_STATUSES,
    MAX_DAYS,
    MAX_REQUESTS,
    SERVICE_CODES,
    RequestFilter,
    service_request,
    service_requests,
    villages,
)
from plugins.petition.selectors import township_settings
from township_integrity.errors import NotAllowed, PlatformError, PluginError
from township_integrity.models import Household, Village

PREFIX = "open311/v2/"
FORMATS = ("json", "xml")
# XML: the element of each item of a list, by the list's element (the spec's examples).
ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
}
DESCRIPTION_LIMIT = 4000  # the spec: free-form text limited to 4,000 characters
REFERENCE_LIMIT = 64  # Case.reference


class Open311Error(Exception):
    """A refusal in the spec's error shape: the HTTP status and a description."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# --- rendering -------------------------------------------------------------------------


def render(data, root: str, fmt: str, status: int = 200) -> HttpResponse:
    """``data`` as JSON, or as XML under ``root`` (lists: one ``ITEMS[root]`` per item)."""
    if fmt == "xml":
        parts = ['<?xml version="1.0" encoding="utf-8"?>\n']
        _xml(root, data, parts)
        return HttpResponse(
            "".join(parts).encode(), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


# Characters XML 1.0 cannot carry (control characters but tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(tag: str, value, parts: list[str]) -> None:
    """The spec's schemaless XML, written straight into ``parts`` (1000 requests of 17
    fields are 18,000 elements: an element tree costs more than the query)."""
    if isinstance(value, dict):
        parts.append(f"<{tag}>")
        for key, item in value.items():
            _xml(key, item, parts)
        parts.append(f"</{tag}>")
    elif isinstance(value, list):
        parts.append(f"<{tag}>")
        item_tag = ITEMS[tag]
        for item in value:
            _xml(item_tag, item, parts)
        parts.append(f"</{tag}>")
    elif value is None or value == "":
        parts.append(f"<{tag}/>")
    elif isinstance(value, bool):
        parts.append(f"<{tag}>{'true' if value else 'false'}</{tag}>")
    else:
        parts.append(f"<{tag}>{escape(_NOT_XML.sub('', str(value)))}</{tag}>")


def error_response(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The spec's error answer, in the format the address asks for (JSON by default).

    Also the ``county_error`` of the core's mount (an unknown or missing jurisdiction).
    """
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render([{"code": status, "description": message}], "errors", fmt, status=status)


# --- parameters ------------------------------------------------------------------------


def _param(request: HttpRequest, name: str) -> str:
    """A parameter's value (body first for a POST); empty counts as not given (spec)."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name, "")
    return value.strip()


def _listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_w3(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """A W3C date-time (time zone required) or a date (the township's local midnight;
    for ``end``, the end of that day)."""
    try:
        if "T" not in value:
            day = dt.date.fromisoformat(value)
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time()))
            return moment + dt.timedelta(days=1) if end else moment
        moment = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise Open311Error(
            400,
            _("%(name)s %(value)s is not a W3C date-time such as 2010-01-01T00:00:00Z")
            % {"name": name, "value": repr(value)},
        ) from None
    if moment.tzinfo is None:
        raise Open311Error(
            400,
            _("%(name)s %(value)s needs its time zone (Z or an offset such as +08:00)")
            % {"name": name, "value": repr(value)},
        )
    return moment


def _whole(value: str, name: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise Open311Error(
            400,
            _("%(name)s %(value)s: give a whole number from %(low)s to %(high)s")
            % {"name": name, "value": repr(value), "low": low, "high": high},
        )
    return int(value)


def request_filter(request: HttpRequest) -> RequestFilter:
    """``GET requests``' parameters, each refused with its name when wrong."""
    size = _param(request, "page_size")
    limit = _whole(size, "page_size", 1, MAX_REQUESTS) if size else MAX_REQUESTS
    page = _param(request, "page")
    offset = (_whole(page, "page", 1, 10**6) - 1) * limit if page else 0
    ids = _param(request, "service_request_id")
    if ids:
        listed = _listed(ids)
        if len(listed) > MAX_REQUESTS:
            raise Open311Error(
                400,
                _("service_request_id: at most %(limit)s ids at once") % {"limit": MAX_REQUESTS},
            )
        for value in listed:
            if not value.isdigit():
                raise Open311Error(
                    400,
                    _("service_request_id %(value)s: give request ids, comma separated")
                    % {"value": repr(value)},
                )
        return RequestFilter(ids=tuple(int(v) for v in listed), limit=limit, offset=offset)
    codes = _listed(_param(request, "service_code")) or list(SERVICE_CODES)
    for code in codes:
        if code not in SERVICE_CODES:
            raise Open311Error(
                400,
                _("service_code %(code)s: use one of %(choices)s")
                % {"code": repr(code), "choices": ", ".join(SERVICE_CODES)},
            )
    statuses = _listed(_param(request, "status")) or ["open", "closed"]
    for status in statuses:
        if status not in ("open", "closed"):
            raise Open311Error(
                400, _("status %(status)s: use open or closed") % {"status": repr(status)}
            )
    start, end = _param(request, "start_date"), _param(request, "end_date")
    # A date as end_date includes that day: its span counts from the day's midnight.
    whole_day = dt.timedelta(days=1) if end and "T" not in end else dt.timedelta(0)
    start = parse_w3(start, "start_date") if start else None
    end = parse_w3(end, "end_date", end=True) if end else None
    span = dt.timedelta(days=MAX_DAYS)
    if start is None and end is None:
        end = timezone.now() + dt.timedelta(seconds=1)
        start = end - span
    elif start is None:
        start = end - span
    elif end is None:
        end = start + span
    if end <= start:
        raise Open311Error(400, _("end_date must be after start_date"))
    if end - whole_day - start > span:
        raise Open311Error(
            400,
            _("start_date and end_date may not span more than %(days)s days") % {"days": MAX_DAYS},
        )
    return RequestFilter(
        codes=tuple(codes),
        start=start,
        end=end,
        statuses=tuple(statuses),
        limit=limit,
        offset=offset,
    )


# --- the answers -----------------------------------------------------------------------


def _w3(moment: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """A W3C date-time in the township's time zone (``zone``: the current one)."""
    if moment is None:
        return None
    return moment.astimezone(zone or timezone.get_current_timezone()).isoformat(timespec="seconds")


def _service_names() -> dict[str, str]:
    return {code: str(label) for code, label in Kind.choices if code in SERVICE_CODES}


def _service_descriptions() -> dict[str, str]:
    return {
        "petition": _("A petition (信访) to the township: a matter raised with the government."),
        "hotline": _("A 12345 hotline work order passed to the township."),
        "online": _("A complaint or request received online (网信件)."),
    }


def service_list() -> list[dict]:
    """``GET services``: one service per case kind served."""
    names, descriptions = _service_names(), _service_descriptions()
    return [
        {
            "service_code": code,
            "service_name": names[code],
            "description": descriptions[code],
            "metadata": True,  # the village attribute is required
            "type": "realtime",
            "keywords": KEYWORDS[code],
            "group": _("Petitions and hotline"),
        }
        for code in SERVICE_CODES
    ]


KEYWORDS = {
    "petition": "信访, petition",
    "hotline": "12345, 热线, hotline",
    "online": "网信件, 网上投诉, online",
}


def service_definition(code: str) -> dict:
    """``GET services/<code>``: the attributes a POST gives (the village is required)."""
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "village",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": None,
                "order": 1,
                "description": _("The village the matter concerns."),
                "values": [{"key": v.code, "name": v.name} for v in villages()],
            },
            {
                "variable": True,
                "code": "reference",
                "datatype": "string",
                "required": False,
                "datatype_description": _("Up to 64 characters."),
                "order": 2,
                "description": _(
                    "Your case number (e.g. the 12345 work order's); one is given when empty."
                ),
                "values": [],
            },
            {
                "variable": True,
                "code": "household_code",
                "datatype": "string",
                "required": False,
                "datatype_description": _("A household code such as V01-0001."),
                "order": 3,
                "description": _("The household of the person raising the matter, if known."),
                "values": [],
            },
        ],
    }


def request_list(rows: list[dict]) -> list[dict]:
    """The requests as the spec lists their fields (absent ones null; docs/open311.md)."""
    names, agency, zone = _service_names(), connection.tenant.name, timezone.get_current_timezone()
    return [request_fields(row, names, agency, zone) for row in rows]


def request_fields(row: dict, names: dict[str, str], agency: str, zone: dt.tzinfo) -> dict:
    """One request's fields (``names``: the service names; ``agency``: the township)."""
    return {
        "service_request_id": row["id"],
        "status": "closed" if row["status"] in CLOSED_STATUSES else "open",
        "status_notes": (
            _("Merged into request %(id)s.") % {"id": row["merged_into_id"]}
            if row["status"] == "merged"
            else row["last_note"] or None
        ),
        "service_name": names[row["kind"]],
        "service_code": row["kind"],
        "description": None,  # the summary may hold personal data: never public
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _w3(row["received_at"], zone),
        "updated_datetime": _w3(row["last_at"] or row["received_at"], zone),
        "expected_datetime": _w3(row["handling_due"], zone),
        "address": row["village_name"],
        "address_id": row["village_code"],
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def create_request(request: HttpRequest) -> list[dict]:
    """``POST requests``: a case received now, by the API token's person."""
    from plugins.petition.services import receive_case
    from township_integrity.services import actor_for_api_key

    key = _param(request, "api_key")
    if not key:
        raise Open311Error(403, _("api_key is missing: posting a request needs an API token"))
    try:
        actor = actor_for_api_key(key)
    except NotAllowed as refused:
        raise Open311Error(403, _("api_key refused: %(why)s") % {"why": refused}) from None
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code is missing: GET services lists them"))
    if code not in SERVICE_CODES:
        raise Open311Error(404, _("service_code %(code)s was not found") % {"code": repr(code)})
    village_code = _param(request, "attribute[village]")
    if not village_code:
        raise Open311Error(
            400,
            _("attribute[village] is missing: the village the matter concerns (GET %(path)s)")
            % {"path": f"services/{code}"},
        )
    village = Village.objects.filter(code=village_code).first()
    if village is None:
        raise Open311Error(
            400,
            _("attribute[village] %(code)s: no such village here") % {"code": repr(village_code)},
        )
    description = _param(request, "description")
    if not description:
        raise Open311Error(400, _("description is missing: say what the matter is"))
    if len(description) > DESCRIPTION_LIMIT:
        raise Open311Error(
            400,
            _("description is longer than %(limit)s characters") % {"limit": DESCRIPTION_LIMIT},
        )
    household = None
    household_code = _param(request, "attribute[household_code]")
    if household_code:
        household = Household.objects.filter(code=household_code, village=village).first()
        if household is None:
            raise Open311Error(
                400,
                _("attribute[household_code] %(code)s: no such household in %(village)s")
                % {"code": repr(household_code), "village": village.name},
            )
    reference = _param(request, "attribute[reference]") or _new_reference()
    if len(reference) > REFERENCE_LIMIT:
        raise Open311Error(
            400,
            _("attribute[reference] is longer than %(limit)s characters")
            % {"limit": REFERENCE_LIMIT},
        )
    try:
        case = receive_case(
            kind=code,
            reference=reference,
            village=village,
            household=household,
            petitioner_name=(_param(request, "last_name") + _param(request, "first_name"))[:50],
            summary=_summary(request, description),
            received_at=timezone.now(),
            by=actor,
        )
    except NotAllowed as refused:
        raise Open311Error(403, _("api_key refused: %(why)s") % {"why": refused}) from None
    except PlatformError as refused:
        raise Open311Error(400, str(refused)) from None
    notice = None
    if case.handling_due is not None:
        notice = _("To be answered by %(when)s (working days).") % {
            "when": f"{timezone.localtime(case.handling_due):%Y-%m-%d %H:%M}"
        }
    return [{"service_request_id": case.pk, "service_notice": notice, "account_id": None}]


def _new_reference() -> str:
    return f"O311-{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}"


def _summary(request: HttpRequest, description: str) -> str:
    """The case's summary: the description, then where and how to reach the person (kept
    with the case for its handlers; never in a public answer)."""
    lines = [description]
    for name, label in (
        ("address_string", _("Location")),
        ("phone", _("Phone")),
        ("email", _("E-mail")),
    ):
        value = _param(request, name)
        if value:
            lines.append(f"{label}: {value[:200]}")
    return "\n".join(lines)


# --- views -----------------------------------------------------------------------------


def _serve(request: HttpRequest, fmt: str, root: str, methods: tuple[str, ...], answer):
    """Checks shared by every method, then ``answer()`` rendered under ``root``."""
    if fmt not in FORMATS:
        return render(
            [{"code": 404, "description": _("format %(fmt)s: use json or xml") % {"fmt": fmt}}],
            "errors",
            "json",
            status=404,
        )
    if request.method not in methods:
        response = error_response(
            request, 405, _("use %(methods)s here") % {"methods": " or ".join(methods)}
        )
        response["Allow"] = ", ".join(methods)
        return response
    try:
        jurisdiction = _param(request, "jurisdiction_id")
        if jurisdiction and jurisdiction != connection.tenant.code:
            raise Open311Error(
                404,
                _("jurisdiction_id %(code)s was not found at this address")
                % {"code": repr(jurisdiction)},
            )
        try:
            township_settings()
        except PluginError:
            raise Open311Error(404, _("this township offers no Open311 service")) from None
        return render(answer(), root, fmt)
    except Open311Error as refused:
        return render(
            [{"code": refused.status, "description": refused.description}],
            "errors",
            fmt,
            status=refused.status,
        )


@csrf_exempt
def services_view(request: HttpRequest, fmt: str) -> HttpResponse:
    return _serve(request, fmt, "services", ("GET",), service_list)


@csrf_exempt
def service_definition_view(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    def answer():
        if code not in SERVICE_CODES:
            raise Open311Error(404, _("service_code %(code)s was not found") % {"code": repr(code)})
        return service_definition(code)

    return _serve(request, fmt, "service_definition", ("GET",), answer)


@csrf_exempt
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    def answer():
        if request.method == "POST":
            return create_request(request)
        return request_list(service_requests(request_filter(request)))

    return _serve(request, fmt, "service_requests", ("GET", "POST"), answer)


@csrf_exempt
def request_view(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    def answer():
        row = service_request(int(request_id)) if request_id.isdigit() else None
        if row is None:
            raise Open311Error(
                404,
                _("service_request_id %(id)s was not found") % {"id": repr(request_id)},
            )
        return request_list([row])

    return _serve(request, fmt, "service_requests", ("GET",), answer)


PATTERNS = (
    re_path(r"^services\.(?P<fmt>\w+)$", services_view, name="open311-services"),
    re_path(
        r"^services/(?P<code>[^/.]+)\.(?P<fmt>\w+)$",
        service_definition_view,
        name="open311-service",
    ),
    re_path(r"^requests\.(?P<fmt>\w+)$", requests_view, name="open311-requests"),
    re_path(
        r"^requests/(?P<request_id>[^/.]+)\.(?P<fmt>\w+)$", request_view, name="open311-request"
    ),
)


def plugin_urls():
    """The endpoint for the core's ``township_urls`` hook (also on the county's address)."""
    from township_integrity import PluginUrls

    return PluginUrls(
        prefix=PREFIX,
        patterns=PATTERNS,
        county_parameter="jurisdiction_id",
        county_error=error_response,
    )
