"""Credit repair (信用修复): a household applies after corrective action; the council decides.

The rule (docs/scoring.md, "Credit repair"; the NDRC credit-repair rules):
- only an approved, ordinary deduction can be repaired, one application pending at a
  time; the household applies for its own entry, or staff of its village for it;
- the council (the reviewers) decides with a reason, never the person who recorded the
  deduction nor the one who filed the application;
- granting keeps the deduction and adds a repair entry that cancels it: the opposite
  points (and effect after caps), the deduction's date, counting from the decision day
  on. The deduction turns ``repaired`` (the ledger guard allows that only once its
  approved repair entry exists), so it stops counting towards the tier, the record of
  deductions, restrictions and boards from then on, and the past stays as it was.
- the household's standing is recomputed at once (``signals.standing_changed``).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.access import REVIEWER_ROLES, STAFF_ROLES, actor_access
from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.scoring.models import EntryStatus, RepairApplication, ScoreEvent
from platform_core.scoring.services import LedgerError, require_role, value_word
from platform_core.scoring.signals import standing_changed

#: At most this many volunteering hours on one application (a typing error guard).
MAX_HOURS = 2000
REPAIR_SOURCE = "repair"


def apply_for_repair(
    entry: ScoreEvent,
    *,
    by: Actor,
    action: str,
    evidence: str,
    hours: int | None = None,
) -> RepairApplication:
    """The household (its own deduction) or its village's staff apply for repair."""
    village_code = entry.household.village.code
    require_role(
        by, (Role.HOUSEHOLD, *STAFF_ROLES), village_code=village_code, what=_("apply for repair")
    )
    _require_own_or_staff(by, entry)
    repairable_or_refuse(entry)
    if action not in RepairApplication.Action.values:
        raise LedgerError(
            _("unknown corrective action %(action)s; use one of: %(choices)s")
            % {"action": action, "choices": ", ".join(RepairApplication.Action.values)},
            field="action",
        )
    if hours is not None and not 0 < hours <= MAX_HOURS:
        raise LedgerError(
            _("volunteering hours must be between 1 and %(most)s") % {"most": MAX_HOURS},
            field="hours",
        )
    if action == RepairApplication.Action.VOLUNTEERING and hours is None:
        raise LedgerError(_("say how many hours were volunteered"), field="hours")
    if not evidence.strip():
        raise LedgerError(
            _("evidence is required: say what was done, where, and who can confirm it"),
            field="evidence",
        )
    pending = _("entry %(entry)s already has a repair application awaiting the council") % {
        "entry": entry.pk
    }
    if RepairApplication.objects.filter(
        entry=entry, status=RepairApplication.Status.PENDING
    ).exists():
        raise LedgerError(pending, field="entry")
    try:
        with transaction.atomic():
            return RepairApplication.objects.create(
                entry=entry,
                action=action,
                hours=hours,
                evidence=evidence.strip(),
                applied_by=by.user,
                applied_by_label=by.label,
            )
    except IntegrityError:  # applied at the same moment by someone else
        raise LedgerError(pending, field="entry") from None


def repairable_or_refuse(entry: ScoreEvent) -> None:
    """Refuse an entry that is not an approved ordinary deduction (the reason says which)."""
    if entry.points >= 0 or entry.kind != ScoreEvent.Kind.NORMAL:
        raise LedgerError(_("only deductions can be repaired"), field="entry")
    if entry.status != EntryStatus.APPROVED:
        raise LedgerError(
            _("entry %(entry)s is %(status)s; only approved deductions can be repaired")
            % {"entry": entry.pk, "status": value_word(entry.status)},
            field="entry",
        )


def _require_own_or_staff(by: Actor, entry: ScoreEvent) -> None:
    """A household applies only for its own entries; staff for any in their villages."""
    if by.user is None:
        return
    access = actor_access(by, connection.tenant)
    if access.holds(STAFF_ROLES, entry.household.village.code):
        return
    if not access.speaks_for(entry.household.code):
        raise NotAllowed(
            _("%(who)s may apply for repair only for their own household") % {"who": by.label}
        )


def decide_repair(
    application: RepairApplication,
    *,
    by: Actor,
    grant: bool,
    reason: str,
    today: dt.date | None = None,
) -> RepairApplication:
    """The council grants (the deduction is repaired from ``today`` on) or refuses."""
    if not reason.strip():
        raise LedgerError(_("the council's decision needs a reason"), field="reason")
    today = today or timezone.localdate()
    with transaction.atomic():
        application = RepairApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != RepairApplication.Status.PENDING:
            raise LedgerError(
                _("repair application %(application)s was already decided (%(status)s)")
                % {"application": application.pk, "status": application.get_status_display()}
            )
        entry = ScoreEvent.objects.select_for_update().select_related("household__village")
        entry = entry.get(pk=application.entry_id)
        require_role(
            by, REVIEWER_ROLES, village_code=entry.household.village.code, what=_("decide repairs")
        )
        if by.same_person(entry.recorded_by_id, entry.recorded_by_label):
            raise NotAllowed(_("the person who recorded the deduction cannot decide its repair"))
        if by.same_person(application.applied_by_id, application.applied_by_label):
            raise NotAllowed(_("the person who applied for the repair cannot decide it"))
        now = timezone.now()
        if grant:
            repairable_or_refuse(entry)
            application.repair_entry = _repair_entry(entry, application, by, reason, today, now)
            ScoreEvent.objects.filter(pk=entry.pk).update(status=EntryStatus.REPAIRED)
        application.status = (
            RepairApplication.Status.GRANTED if grant else RepairApplication.Status.REFUSED
        )
        application.decided_by = by.user
        application.decided_by_label = by.label
        application.decided_at = now
        application.decision_reason = reason.strip()
        application.save()
        if grant:
            household = entry.household
            words = _("credit repair of entry %(entry)s granted: %(reason)s") % {
                "entry": entry.pk,
                "reason": reason.strip(),
            }
            transaction.on_commit(
                lambda: standing_changed.send(
                    sender=RepairApplication, household=household, reason=words, by=by
                )
            )
    return application


def _repair_entry(entry, application, by: Actor, reason: str, today, now) -> ScoreEvent:
    """The entry that cancels a deduction from the decision day on (never before the
    deduction itself counts, so the pair is never a gain)."""
    effect = entry.effect if entry.effect is not None else entry.points
    counts_from = max(today, entry.counts_from) if entry.counts_from else today
    return ScoreEvent.objects.create(
        household_id=entry.household_id,
        rule_id=entry.rule_id,
        points=-entry.points,
        effect=-effect,
        covenant_version_id=entry.covenant_version_id,
        occurred_on=entry.occurred_on,
        counts_from=counts_from,
        source=REPAIR_SOURCE,
        external_id=f"repair:{entry.pk}",
        evidence=application.evidence,
        note=f"repair application {application.pk}: {reason.strip()}",
        kind=ScoreEvent.Kind.REPAIR,
        status=EntryStatus.APPROVED,
        corrects=entry,
        recorded_by=by.user,
        recorded_by_label=by.label,
        reviewed_by=by.user,
        reviewed_by_label=by.label,
        reviewed_at=now,
        review_note=reason.strip(),
    )
