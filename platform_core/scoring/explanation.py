"""The explanation of a household's tier on request (PIPL Art. 24): one read, every page.

``explain(household)`` gathers what the tier rests on: the score card (score, tier,
index, points per rule) and every entry counted on the day, each with its rule and
legal basis, the covenant version it was scored under, its evidence, who recorded
and reviewed it, its dates (occurred, approved, notified, counts from), the cap
applied, and its objections and repair applications with their deadlines and
decisions; besides, the approved entries that do not count yet (their response
window runs). The workbench's printable page renders it (docs/scoring.md,
"Explanation on request").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone

from platform_core.households.models import Household
from platform_core.scoring.models import (
    COUNTED_STATUSES,
    EvidencePhoto,
    FormalFinding,
    Objection,
    RepairApplication,
    ScoreEvent,
)
from platform_core.scoring.policy import ScoringPolicy
from platform_core.scoring.selectors import ScoreCard, counted_entries, score_card
from platform_core.scoring.services import objection_deadline


@dataclass(frozen=True)
class ExplainedEntry:
    """One ledger entry as the explanation shows it."""

    entry: ScoreEvent
    counted: int  # what it adds to the score: its effect after caps, else its points
    basis: str
    approved_on: dt.date | None
    objection_until: dt.date | None  # last day to object (deductions only)
    finding: FormalFinding | None
    notices: list = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    repairs: list[RepairApplication] = field(default_factory=list)
    photos: list[EvidencePhoto] = field(default_factory=list)


@dataclass(frozen=True)
class Explanation:
    """Why a household has its tier on ``as_of``."""

    household: Household
    as_of: dt.date
    policy: ScoringPolicy
    card: ScoreCard
    entries: list[ExplainedEntry]
    waiting: list[ExplainedEntry]  # approved, not counting yet (response window)
    generated_at: dt.datetime


def _with_everything(entries):
    related = ["rule", "covenant_version", "corrects__rule"]
    prefetch = [
        Prefetch("objections", queryset=Objection.objects.order_by("filed_at")),
        Prefetch("repair_applications", queryset=RepairApplication.objects.order_by("applied_at")),
        Prefetch("photos", queryset=EvidencePhoto.objects.only("id", "entry_id")),
    ]
    if hasattr(ScoreEvent, "notices"):  # the notices app's Notice.entry (related_name)
        prefetch.append("notices")
    return entries.select_related(*related).prefetch_related(*prefetch)


def _findings(entries: list[ScoreEvent]) -> dict[int, FormalFinding]:
    ids = [e.pk for e in entries if e.rule.requires_finding]
    return {f.entry_id: f for f in FormalFinding.objects.filter(entry_id__in=ids)} if ids else {}


def _explained(entry: ScoreEvent, finding, policy: ScoringPolicy) -> ExplainedEntry:
    deduction = entry.points < 0 and entry.kind == ScoreEvent.Kind.NORMAL
    notices = list(entry.notices.all()) if hasattr(entry, "notices") else []
    return ExplainedEntry(
        entry=entry,
        counted=entry.effect if entry.effect is not None else entry.points,
        basis=entry.rule.basis,
        approved_on=timezone.localdate(entry.reviewed_at) if entry.reviewed_at else None,
        objection_until=objection_deadline(entry, policy) if deduction else None,
        finding=finding,
        notices=notices,
        objections=list(entry.objections.all()),
        repairs=list(entry.repair_applications.all()),
        photos=list(entry.photos.all()),
    )


def explain(
    household: Household, as_of: dt.date | None = None, policy: ScoringPolicy | None = None
) -> Explanation:
    """The explanation of ``household``'s tier on ``as_of`` (default: today)."""
    policy = policy or ScoringPolicy.of(connection.tenant)
    as_of = as_of or timezone.localdate()
    counted = list(
        _with_everything(counted_entries(household, as_of, policy)).order_by("occurred_on", "id")
    )
    waiting = list(
        _with_everything(
            ScoreEvent.objects.filter(
                household=household,
                status__in=COUNTED_STATUSES,
                occurred_on__lte=as_of,
                counts_from__gt=as_of,
            )
        ).order_by("counts_from", "id")
    )
    findings = _findings(counted + waiting)
    return Explanation(
        household=household,
        as_of=as_of,
        policy=policy,
        card=score_card(household, as_of, policy),
        entries=[_explained(e, findings.get(e.pk), policy) for e in counted],
        waiting=[_explained(e, findings.get(e.pk), policy) for e in waiting],
        generated_at=timezone.now(),
    )
