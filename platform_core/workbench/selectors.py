"""Reads of the workbench: what waits for a person this month, with counts.

Every count is narrowed the way the page it links to is narrowed (village scope,
never one's own entries to review), so a number on the home page is exactly
the number of rows the person will find behind the link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import REVIEWER_ROLES, STAFF_ROLES
from platform_core.accounts.viewer import Viewer
from platform_core.evaluation.models import Assignment, EvaluationRound
from platform_core.households.models import Household, Village
from platform_core.publication.models import HonourBoard
from platform_core.scoring.models import (
    Declaration,
    EntryStatus,
    Objection,
    RepairApplication,
    ScoreEvent,
)
from platform_core.scoring.policy import ScoringPolicy, month_end
from platform_core.scoring.selectors import (
    escalated_objections,
    is_overdue,
    objection_answer_due,
)
from platform_core.scoring.services import objection_deadline
from platform_core.workbench.access import holds_any


@dataclass(frozen=True)
class Waiting:
    """One line of the home page: what, how many, where to do it."""

    key: str
    label: str
    count: int
    url: str


def village_filter(viewer: Viewer, roles, path: str = "village__code") -> Q | None:
    """A filter to the villages where ``roles`` apply; None when there are none."""
    villages = viewer.villages(roles)
    if villages is None:
        return Q()
    if not villages:
        return None
    return Q(**{f"{path}__in": sorted(villages)})


def review_queue(viewer: Viewer) -> QuerySet[ScoreEvent]:
    """Proposed entries this viewer may review: their villages, never their own."""
    where = village_filter(viewer, REVIEWER_ROLES, "household__village__code")
    if where is None:
        return ScoreEvent.objects.none()
    queue = ScoreEvent.objects.filter(where, status=EntryStatus.PROPOSED)
    if viewer.user is not None:
        queue = queue.exclude(recorded_by_id=viewer.user.pk)
    return queue


def objection_queue(viewer: Viewer) -> QuerySet[Objection]:
    """Pending objections this viewer may decide: their villages, not on their own entries."""
    where = village_filter(viewer, REVIEWER_ROLES, "entry__household__village__code")
    if where is None:
        return Objection.objects.none()
    queue = Objection.objects.filter(where, status=Objection.Status.PENDING)
    if viewer.user is not None:
        queue = queue.exclude(entry__recorded_by_id=viewer.user.pk).exclude(
            filed_by_id=viewer.user.pk
        )
    return queue


def repair_queue(viewer: Viewer) -> QuerySet[RepairApplication]:
    """Pending repair applications this viewer may decide: their villages, never on an
    entry they recorded nor an application they filed."""
    where = village_filter(viewer, REVIEWER_ROLES, "entry__household__village__code")
    if where is None:
        return RepairApplication.objects.none()
    queue = RepairApplication.objects.filter(where, status=RepairApplication.Status.PENDING)
    if viewer.user is not None:
        queue = queue.exclude(entry__recorded_by_id=viewer.user.pk).exclude(
            applied_by_id=viewer.user.pk
        )
    return queue


def repairable(household) -> set[int]:
    """The household's deductions it may apply to repair: approved, ordinary, none pending
    (the service's own conditions, ``scoring.repair.repairable_or_refuse``)."""
    pending = RepairApplication.objects.filter(status=RepairApplication.Status.PENDING)
    return set(
        ScoreEvent.objects.filter(
            household=household,
            points__lt=0,
            kind=ScoreEvent.Kind.NORMAL,
            status=EntryStatus.APPROVED,
        )
        .exclude(pk__in=pending.values("entry_id"))
        .values_list("pk", flat=True)
    )


def ratings_due(viewer: Viewer) -> QuerySet[Assignment]:
    """This viewer's unrated assignments in open rounds."""
    if viewer.user is None:
        return Assignment.objects.none()
    return Assignment.objects.filter(
        evaluator_id=viewer.user.pk,
        rated_at__isnull=True,
        round__status=EvaluationRound.Status.OPEN,
    )


def staff_declarations(viewer: Viewer) -> QuerySet[Declaration]:
    """Declarations of the viewer's villages (staff), decided or not, never the viewer's own."""
    where = village_filter(viewer, STAFF_ROLES, "household__village__code")
    if where is None:
        return Declaration.objects.none()
    declarations = Declaration.objects.filter(where)
    if viewer.user is not None:
        declarations = declarations.exclude(declared_by_id=viewer.user.pk)
    return declarations


def declaration_queue(viewer: Viewer) -> QuerySet[Declaration]:
    """Pending declarations the viewer may confirm or decline."""
    return staff_declarations(viewer).filter(status=Declaration.Status.PENDING)


def with_deadlines(objections, policy: ScoringPolicy | None = None) -> list[Objection]:
    """The objections as a list, each with ``due`` (its answer deadline) and ``overdue``."""
    policy = policy or ScoringPolicy.of(connection.tenant)
    rows = list(objections)
    for objection in rows:
        objection.due = objection_answer_due(objection, policy)
        objection.overdue = is_overdue(objection)
    return rows


def objectionable(entries, today=None) -> dict[int, object]:
    """Of ``entries`` (their objections prefetched, best into ``objection_list``), the
    deductions a household may still object to, each with the last day to do so (the
    service's own deadline)."""
    policy = ScoringPolicy.of(connection.tenant)
    today = today or timezone.localdate()
    found = {}
    for entry in entries:
        if (
            entry.points >= 0
            or entry.kind != ScoreEvent.Kind.NORMAL
            or entry.status != EntryStatus.APPROVED
            or any(o.status == Objection.Status.PENDING for o in _objections(entry))
        ):
            continue
        deadline = objection_deadline(entry, policy)
        if today <= deadline:
            found[entry.pk] = deadline
    return found


def _objections(entry) -> Iterable[Objection]:
    found = getattr(entry, "objection_list", None)
    return entry.objections.all() if found is None else found


def waiting_for(viewer: Viewer, urls: dict[str, str]) -> list[Waiting]:
    """What waits for this person, in the order they should do it."""
    lines: list[Waiting] = []
    if holds_any(viewer, REVIEWER_ROLES):
        lines.append(
            Waiting(
                "review",
                _("Entries awaiting your review"),
                review_queue(viewer).count(),
                urls.get("review", ""),
            )
        )
        lines.append(
            Waiting(
                "objections",
                _("Objections awaiting a decision"),
                objection_queue(viewer).count(),
                urls.get("objections", ""),
            )
        )
    if holds_any(viewer, STAFF_ROLES):
        lines.append(
            Waiting(
                "declarations",
                _("Declarations to confirm"),
                declaration_queue(viewer).count(),
                urls.get("declarations", ""),
            )
        )
    if holds_any(viewer, (Role.PARTY_MEMBER, Role.GROUP_LEADER)):
        lines.append(
            Waiting(
                "rate",
                _("Households to rate this month"),
                ratings_due(viewer).values("round", "household").distinct().count(),
                urls.get("rate", ""),
            )
        )
    if viewer.household_codes:
        open_objections = Objection.objects.filter(
            entry__household__code__in=sorted(viewer.household_codes),
            status=Objection.Status.PENDING,
        ).count()
        lines.append(
            Waiting(
                "mine",
                _("Your objections awaiting the council"),
                open_objections,
                urls.get("mine", ""),
            )
        )
    if holds_any(viewer, (Role.TOWNSHIP_ADMIN,)) and viewer.township is not None:
        from platform_core.accounts.selectors import staff_of

        objections_url = urls.get("objections", "")
        lines.append(
            Waiting(
                "escalated",
                _("Overdue objections escalated to you"),
                escalated_objections().count(),
                f"{objections_url}?overdue=1" if objections_url else "",
            )
        )

        staff_url = urls.get("staff", "")
        lines.append(
            Waiting(
                "invited",
                _("People invited who have not signed in yet"),
                staff_of(viewer.township, never_signed_in=True).count(),
                f"{staff_url}?never=1" if staff_url else "",
            )
        )
    return lines


@dataclass(frozen=True)
class VillageProgress:
    """Where one village stands in a month's evaluation (the month page's row).

    Read here, not in evaluation: a row counts the ledger's and the publication's
    records too, and those apps sit above evaluation.
    """

    code: str
    name: str
    status: str  # "" (no round yet), "open" or "finalised"
    assigned: int
    rated: int
    awaiting_review: int
    open_objections: int
    board_published: bool


def month_progress(
    period: dt.date, village_codes: list[str] | None = None
) -> list[VillageProgress]:
    """Every (or the given) village's progress in ``period``, in six queries whatever the size."""
    period = period.replace(day=1)
    villages = Village.objects.order_by("code")
    if village_codes is not None:
        villages = villages.filter(code__in=village_codes)
    villages = list(villages)
    ids = [v.pk for v in villages]
    rounds = dict(
        EvaluationRound.objects.filter(period=period, village_id__in=ids).values_list(
            "village_id", "status"
        )
    )
    assignments = {
        row["round__village_id"]: row
        for row in Assignment.objects.filter(round__period=period, round__village_id__in=ids)
        .values("round__village_id")
        .annotate(
            assigned=Count("household", distinct=True),
            rated=Count("household", distinct=True, filter=Q(rated_at__isnull=False)),
        )
    }
    waiting = dict(
        ScoreEvent.objects.filter(
            status=EntryStatus.PROPOSED,
            occurred_on__range=(period, month_end(period)),
            household__village_id__in=ids,
        )
        .values("household__village_id")
        .annotate(n=Count("id"))
        .values_list("household__village_id", "n")
    )
    objections = dict(
        Objection.objects.filter(
            status=Objection.Status.PENDING, entry__household__village_id__in=ids
        )
        .values("entry__household__village_id")
        .annotate(n=Count("id"))
        .values_list("entry__household__village_id", "n")
    )
    quarter = (period.month - 1) // 3 + 1
    boards = set(
        HonourBoard.objects.filter(
            year=period.year, quarter=quarter, village_id__in=ids
        ).values_list("village_id", flat=True)
    )
    return [
        VillageProgress(
            code=v.code,
            name=v.name,
            status=rounds.get(v.pk, ""),
            assigned=assignments.get(v.pk, {}).get("assigned", 0),
            rated=assignments.get(v.pk, {}).get("rated", 0),
            awaiting_review=waiting.get(v.pk, 0),
            open_objections=objections.get(v.pk, 0),
            board_published=v.pk in boards,
        )
        for v in villages
    ]


def staff_subjects(viewer: Viewer) -> QuerySet[Household]:
    """Households, merchants and firms of the villages where the viewer is staff."""
    villages = viewer.villages(STAFF_ROLES)
    queryset = Household.subjects.select_related("village", "grid")
    if villages is None:
        return queryset
    return queryset.filter(village__code__in=sorted(villages))


def subject_page(subject: Household) -> str:
    """A subject's workbench page: a household's, or a merchant's or firm's."""
    if subject.is_household:
        return reverse("work:household", args=[subject.code])
    return reverse("work:enterprise", args=[subject.code])
