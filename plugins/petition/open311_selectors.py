"""Reads behind the Open311 GeoReport v2 endpoint: services and service requests.

Only what a public response may carry is read: the case's kind, status, times, village
and the last step's time and note (scrubbed of the case's personal data). Names,
households, summaries and determinations are never selected for the answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, QuerySet

from plugins.petition.conf import CHANNEL_KINDS
from plugins.petition.models import Case, CaseStep
from township_integrity.models import Village

# The service codes: the kinds that reach the township through a channel (a lawsuit or
# a criminal case is registered only for the three-none status; never served here).
SERVICE_CODES = CHANNEL_KINDS
# Open311 knows two statuses: a merged case is answered through its main case.
CLOSED_STATUSES = ("closed", "merged")
# The spec's default query volume: 90 days or the first 1000 requests.
MAX_DAYS = 90
MAX_REQUESTS = 1000

# What a staff note may carry that a public answer must not: phone numbers, ID card
# numbers and other long digit runs (7 digits or more, spaces and dashes allowed).
_DIGITS = re.compile(r"\d[\d \-]{5,}\d")
HIDDEN = "***"


@dataclass(frozen=True)
class RequestFilter:
    """The parsed query of ``GET requests`` (``ids`` overrides everything else)."""

    ids: tuple[int, ...] | None = None
    codes: tuple[str, ...] = SERVICE_CODES
    start: dt.datetime | None = None
    end: dt.datetime | None = None  # exclusive
    statuses: tuple[str, ...] = ("open", "closed")
    limit: int = MAX_REQUESTS
    offset: int = 0


def villages() -> list[Village]:
    """The township's villages by code: the values of the ``village`` attribute."""
    return list(Village.objects.order_by("code"))


# The columns of a page (aliases: the village's and the household's codes differ).
FIELDS = ("id", "kind", "status", "received_at", "handling_due", "merged_into_id")
ALIASES = {
    "village_code": F("village__code"),
    "village_name": F("village__name"),
    "petitioner": F("petitioner_name"),
    "household_code": F("household__code"),
}
# The page's cases with their latest steps in one statement: the page as the ORM
# writes it, the latest step of each of its cases at once (DISTINCT ON) — a subquery
# per case, or model instances, cost several times the fetch on a page of 1000.
PAGE_SQL = """
WITH page AS ({page}),
last AS (
    SELECT DISTINCT ON (case_id) case_id, at FROM {steps}
    WHERE case_id IN (SELECT id FROM page)
    ORDER BY case_id, at DESC, id DESC
),
noted AS (
    SELECT DISTINCT ON (case_id) case_id, note FROM {steps}
    WHERE case_id IN (SELECT id FROM page) AND note <> '' AND status IN ({statuses})
    ORDER BY case_id, at DESC, id DESC
)
SELECT page.*, last.at AS last_at, noted.note AS last_note
FROM page
LEFT JOIN last ON last.case_id = page.id
LEFT JOIN noted ON noted.case_id = page.id
ORDER BY page.received_at DESC, page.id DESC
"""
# Steps whose notes staff write about the handling (what was done, where it went): the
# status notes. Not a follow-up's (the citizen's own words at the call) nor a merge's
# (it names case numbers; a merged request says which request it joined instead).
NOTED_STATUSES = ("received", "assigned", "handling", "transferred", "responded", "closed")


def _page(cases: QuerySet) -> list[dict]:
    """The rows of ``cases`` (already filtered and sliced) with their latest step's time
    and the latest staff note."""
    sql, params = cases.values(*FIELDS, **ALIASES).query.sql_with_params()
    statement = PAGE_SQL.format(
        page=sql,
        steps=CaseStep._meta.db_table,
        statuses=", ".join(["%s"] * len(NOTED_STATUSES)),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, *NOTED_STATUSES))
        names = [column.name for column in cursor.description]
        return [public_row(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def service_requests(query: RequestFilter) -> list[dict]:
    """The rows of the matching requests, newest received first (one statement)."""
    found = Case.objects.filter(kind__in=SERVICE_CODES)
    if query.ids is not None:
        found = found.filter(pk__in=query.ids)
    else:
        found = found.filter(kind__in=query.codes)
        if query.start is not None:
            found = found.filter(received_at__gte=query.start)
        if query.end is not None:
            found = found.filter(received_at__lt=query.end)
        if set(query.statuses) == {"closed"}:
            found = found.filter(status__in=CLOSED_STATUSES)
        elif set(query.statuses) == {"open"}:
            found = found.exclude(status__in=CLOSED_STATUSES)
    found = found.order_by("-received_at", "-pk")
    return _page(found[query.offset : query.offset + query.limit])


def service_request(pk: int) -> dict | None:
    """One request's row, or None when no such request (or not a served kind) is here."""
    rows = _page(Case.objects.filter(kind__in=SERVICE_CODES, pk=pk))
    return rows[0] if rows else None


def public_row(row: dict) -> dict:
    """The row with the note scrubbed and the personal fields dropped."""
    name, household = row.pop("petitioner"), row.pop("household_code")
    row["last_note"] = scrub(row["last_note"] or "", name, household)
    return row


def scrub(note: str, *personal: str | None) -> str:
    """``note`` without the case's own personal values and any phone-like digit run."""
    for value in personal:
        if value and value.strip():
            note = note.replace(value.strip(), HIDDEN)
    return _DIGITS.sub(HIDDEN, note).strip()
