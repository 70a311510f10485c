"""The petition plugin's open datasets: cases and rates per village and month.

Counts and rates only (``township_open_datasets``): no petitioner, household, case
number or summary. Figures are live — they change as cases are handled — so their
rows carry the export's date as ``published``. Only the petition, 12345-hotline and
online channels are counted (lawsuits and criminal cases are registered for the
three-none status only), and a case merged into another counts once, as that one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.db.models import Count, DateField, Q, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from plugins.petition.conf import CHANNEL_KINDS
from plugins.petition.loop import months_between, satisfaction_rates
from plugins.petition.models import Case, Status
from plugins.petition.selectors import overdue_q, received_between
from township_integrity import OpenColumn, OpenDataset
from township_integrity.models import Village
from township_integrity.services import month_end

MONTH = OpenColumn("month", "月份（YYYY-MM）", "Month (YYYY-MM)", "month")
VILLAGE_CODE = OpenColumn("village_code", "村代码", "Village code", "code")
VILLAGE_NAME = OpenColumn("village_name", "村名称", "Village name", "label")
RECEIVED = OpenColumn("received", "当月受理件数", "Cases received in the month", "count")
OVERDUE = OpenColumn(
    "overdue",
    "其中超期件数：未按时签收或未按时答复（含至今仍未签收、答复且已过期限的）",
    "Of these, cases that missed their acknowledgement or answer deadline (late, or "
    "still waiting past it)",
    "count",
)


def datasets() -> list[OpenDataset]:
    """``cases`` (per village, kind and month) and ``case_rates`` (per village and month)."""
    return [
        OpenDataset(
            key="cases",
            title_zh="信访与热线案件数（按村、类型、月份）",
            title_en="Petition and hotline cases by village, kind and month",
            columns=(
                MONTH,
                VILLAGE_CODE,
                VILLAGE_NAME,
                OpenColumn(
                    "kind",
                    "类型：petition 信访，hotline 12345热线，online 网信件",
                    "Kind: petition, hotline (12345), online",
                    "code",
                ),
                RECEIVED,
                OpenColumn(
                    "closed", "其中至今已办结件数", "Of these, cases closed by now", "count"
                ),
                OVERDUE,
            ),
            rows=case_rows,
        ),
        OpenDataset(
            key="case_rates",
            title_zh="信访与热线超期率和满意率（按村、月份）",
            title_en="Overdue and satisfaction rates of cases by village and month",
            columns=(
                MONTH,
                VILLAGE_CODE,
                VILLAGE_NAME,
                RECEIVED,
                OVERDUE,
                OpenColumn(
                    "overdue_rate",
                    "超期率：超期件数 ÷ 受理件数（无受理为空）",
                    "Overdue rate: overdue ÷ received (empty without cases)",
                    "rate",
                ),
                OpenColumn(
                    "followed_up",
                    "当月回访件数",
                    "Follow-up calls made in the month",
                    "count",
                ),
                OpenColumn(
                    "satisfaction_rate",
                    "满意率：满意与基本满意的回访 ÷ 回访件数（无回访为空）",
                    "Satisfaction rate: satisfied and basically satisfied follow-ups ÷ "
                    "follow-ups (empty without follow-ups)",
                    "rate",
                ),
            ),
            rows=rate_rows,
        ),
    ]


def _overdue(now: dt.datetime) -> Q:
    """Missed a deadline: acknowledged or answered after it, or not yet and it has passed
    (``overdue_q``: overdue now, a reopened case's new deadline included)."""
    missed = Q(acknowledge_due__lt=Coalesce("acknowledged_at", Value(now))) | Q(
        handling_due__lt=Coalesce("responded_at", Value(now))
    )
    return missed | overdue_q(now)


def _received(first: dt.date, last: dt.date):
    return Case.objects.filter(
        received_between(first, month_end(last)),
        kind__in=CHANNEL_KINDS,
        merged_into__isnull=True,
    ).annotate(month=TruncMonth("received_at", output_field=DateField()))


def case_rows(first: dt.date, last: dt.date) -> Iterator[dict]:
    """Per month of receipt, village and kind with cases: received, closed by now, overdue."""
    rows = (
        _received(first, last)
        .values_list("month", "village__code", "village__name", "kind")
        .annotate(
            received=Count("pk"),
            closed=Count("pk", filter=Q(status=Status.CLOSED)),
            overdue=Count("pk", filter=_overdue(timezone.now())),
        )
        .order_by("month", "village__code", "kind")
    )
    for month, code, name, kind, received, closed, overdue in rows:
        yield {
            "month": month,
            "village_code": code,
            "village_name": name,
            "kind": kind,
            "received": received,
            "closed": closed,
            "overdue": overdue,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rate_rows(first: dt.date, last: dt.date) -> Iterator[dict]:
    """Every village and month: received, overdue and its rate; follow-up calls and the
    share satisfied (``loop.satisfaction_rates``, the dashboard's rule: every call in
    the month it was made, satisfied or basically satisfied over all calls)."""
    received = {
        (month, village): (n, late)
        for month, village, n, late in _received(first, last)
        .values_list("month", "village_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=_overdue(timezone.now())))
        .order_by()
    }
    asked = {
        (rate.month, rate.village.pk): (rate.followed_up, rate.satisfied)
        for rate in satisfaction_rates(first, last)
    }
    months = months_between(first, last)
    villages = list(Village.objects.order_by("code").values_list("pk", "code", "name"))
    for month in months:
        for pk, code, name in villages:
            n, late = received.get((month, pk), (0, 0))
            calls, ok = asked.get((month, pk), (0, 0))
            yield {
                "month": month,
                "village_code": code,
                "village_name": name,
                "received": n,
                "overdue": late,
                "overdue_rate": _rate(late, n),
                "followed_up": calls,
                "satisfaction_rate": _rate(ok, calls),
            }
