"""Reads of mediation cases: the queue, a case's steps, statistics per village, the
three-none counts and the resident's receipt lookup."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.mediation.conf import DEFAULTS, KEY
from plugins.mediation.models import OPEN, Case, ReferredTo, Step
from township_integrity import VillageCaseCounts, enabled_settings
from township_integrity.models import Village

# A referral elsewhere -> the three-none figure it counts in (docs/plugins/mediation.md).
THREE_NONE_FIGURE = {
    ReferredTo.COURT: "lawsuits",
    ReferredTo.PETITION_OFFICE: "petitions",
    ReferredTo.POLICE: "criminal_cases",
}


def township_settings() -> dict:
    """The township's settings with defaults; PluginError when the plugin is not enabled."""
    return enabled_settings(KEY, DEFAULTS, refusal=_("dispute mediation is not enabled"))


def cases_in(village_codes: Iterable[str] | None) -> QuerySet[Case]:
    """Cases of ``village_codes`` (None: every village), oldest received first."""
    found = Case.objects.select_related("village")
    if village_codes is not None:
        found = found.filter(village__code__in=sorted(village_codes))
    return found.order_by("received_at", "pk")


def open_cases(village_codes: Iterable[str] | None) -> QuerySet[Case]:
    """Cases of those villages still waiting for the station (requested or accepted)."""
    return cases_in(village_codes).filter(status__in=OPEN)


def case_steps(case: Case) -> QuerySet[Step]:
    """The case's steps so far, oldest first."""
    return case.steps.order_by("at", "pk")


def sessions_held(case: Case) -> int:
    return case.steps.filter(kind="session").count()


def follow_up_due(case: Case) -> dt.date | None:
    """When a settled case's follow-up is due (``follow_up_days`` after the agreement)."""
    if case.settled_at is None or case.follow_up_on is not None:
        return None
    days = township_settings()["follow_up_days"]
    return timezone.localdate(case.settled_at) + dt.timedelta(days=days)


def by_receipt(receipt: str, phone_tail: str) -> Case | None:
    """The case with this receipt number whose phone ends in ``phone_tail`` (4 digits).

    The receipt alone is not enough: a receipt seen over a shoulder or guessed tells
    nothing without the applicant's phone. Unknown and mismatched read alike (None).
    """
    receipt, phone_tail = receipt.strip().upper(), phone_tail.strip()
    if not receipt or len(phone_tail) != 4 or not phone_tail.isdigit():
        return None
    return (
        Case.objects.select_related("village")
        .filter(receipt=receipt, phone__endswith=phone_tail)
        .first()
    )


def _between(field: str, start: dt.date, end: dt.date) -> Q:
    """``field`` on ``start`` .. ``end`` (inclusive local days)."""
    first = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return Q(**{f"{field}__gte": first, f"{field}__lt": after})


@dataclass(frozen=True)
class VillageStats:
    """One village's figures in a period: received, settled in the village (agreements
    reached), failed and referred elsewhere; open = requested or accepted now."""

    village_code: str
    village_name: str
    received: int
    settled: int
    referred: int
    open: int


def village_stats(
    start: dt.date, end: dt.date, village_codes: Iterable[str] | None = None
) -> list[VillageStats]:
    """Per village (every village of ``village_codes``; None: all), in village-code order."""
    villages = Village.objects.order_by("code")
    if village_codes is not None:
        villages = villages.filter(code__in=sorted(village_codes))
    # One grouped query per figure (no join multiplying rows).
    per = {
        name: dict(
            Case.objects.filter(_between(field, start, end))
            .values_list("village_id")
            .annotate(n=Count("pk"))
        )
        for name, field in (
            ("received", "received_at"),
            ("settled", "settled_at"),
            ("referred", "referred_at"),
        )
    }
    waiting = dict(
        Case.objects.filter(status__in=OPEN).values_list("village_id").annotate(n=Count("pk"))
    )
    return [
        VillageStats(
            village_code=v.code,
            village_name=v.name,
            received=per["received"].get(v.pk, 0),
            settled=per["settled"].get(v.pk, 0),
            referred=per["referred"].get(v.pk, 0),
            open=waiting.get(v.pk, 0),
        )
        for v in villages
    ]


def village_case_counts(start: dt.date, end: dt.date) -> list[VillageCaseCounts]:
    """The three-none feed: agreements reached in the period (settled in the village),
    and referrals in the period counted by where they went (court: a lawsuit; the
    petition office: a petition; the police: a criminal case)."""
    counts: dict[str, dict[str, int]] = {}
    settled = (
        Case.objects.filter(_between("settled_at", start, end))
        .values_list("village__code")
        .annotate(n=Count("pk"))
    )
    for code, n in settled:
        counts.setdefault(code, {})["settled_in_village"] = n
    referred = (
        Case.objects.filter(_between("referred_at", start, end))
        .values_list("village__code", "referred_to")
        .annotate(n=Count("pk"))
    )
    for code, to, n in referred:
        figure = THREE_NONE_FIGURE[to]
        row = counts.setdefault(code, {})
        row[figure] = row.get(figure, 0) + n
    return [VillageCaseCounts(code, **figures) for code, figures in sorted(counts.items())]
