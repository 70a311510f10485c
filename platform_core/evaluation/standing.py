"""The household's standing recomputed at once, between finalised months.

An upheld objection or a granted credit repair changes what counts from the
decision on. Waiting for the next finalised month would keep a loan frozen or a
card suspended for weeks on a deduction the council has already cancelled, so
the standing is recomputed now (docs/scoring.md, "Objections on a deadline"):
the latest finalised month's figures on the corrected ledger, as of that month's
last day, recorded as a ``StandingCorrection`` with its reason. The month's
snapshot is kept as it was. When the tier moves, the plugins hear it exactly as
from a finalised month (``tier_changed``, ``township_tier_changes`` and
``township_tier_changed``), so freezes and suspensions are lifted the same day;
restrictions answer from ``current_tier``, which honours the correction.

The ledger (scoring) sits below evaluation: its decisions send
``scoring.signals.standing_changed`` and ``evaluation.receivers`` calls
:func:`recompute_standing`.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.accounts.access import REVIEWER_ROLES
from platform_core.actors import Actor
from platform_core.evaluation.models import StandingCorrection, TierChange
from platform_core.evaluation.selectors import official_standing
from platform_core.evaluation.signals import tier_changed
from platform_core.households.models import Household
from platform_core.plugins.manager import hooks_for
from platform_core.plugins.types import TierMove
from platform_core.scoring.policy import ScoringPolicy, month_end
from platform_core.scoring.selectors import score_card
from platform_core.scoring.services import LedgerError, require_role

log = logging.getLogger(__name__)


def recompute_standing(
    household: Household, *, reason: str, by: Actor, policy: ScoringPolicy | None = None
) -> StandingCorrection | None:
    """Recompute the household's official standing now, on the corrected ledger.

    Returns the correction recorded for its latest finalised month (also when the
    tier stays the same: the score may have moved), or None for a household never
    finalised, whose tier is read live from the ledger anyway. A changed tier is
    announced to the plugins after the transaction commits. The council (or an
    operator) acts: ``by`` needs a reviewing role in the household's village.
    """
    if not reason.strip():
        raise LedgerError(_("a recomputed standing needs its reason"), field="reason")
    require_role(
        by,
        REVIEWER_ROLES,
        village_code=household.village.code,
        what=_("recompute a household's standing"),
    )
    policy = policy or ScoringPolicy.of(connection.tenant)
    with transaction.atomic():
        # One recomputation of a household at a time: the later one sees the earlier.
        Household.subjects.select_for_update().filter(pk=household.pk).exists()
        before = official_standing(household)
        if before is None:
            return None
        # Repairs granted by today count too (a repair counts from its decision day).
        card = score_card(
            household,
            as_of=month_end(before.period),
            policy=policy,
            repaired_by=timezone.localdate(),
        )
        correction = StandingCorrection.objects.create(
            household=household,
            period=before.period,
            score=card.score,
            tier=card.tier,
            old_tier=before.tier,
            deductions=card.deductions,
            index=card.index,
            reason=reason,
            made_by_label=by.label,
        )
        # The plugins' tier hooks are about households; a merchant's or firm's standing
        # is read through ``current_tier`` (docs/subjects.md).
        if correction.tier != correction.old_tier and household.is_household:
            transaction.on_commit(lambda: announce(correction))
    log.info(
        "standing of %s for %s recomputed: %s -> %s (%s)",
        household.code,
        f"{before.period:%Y-%m}",
        before.tier,
        correction.tier,
        reason,
    )
    return correction


def announce(correction: StandingCorrection) -> None:
    """Tell the listeners and the enabled plugins that the household's tier moved."""
    change = TierChange(  # not stored: the month's own tier changes stay as finalised
        period=correction.period,
        household=correction.household,
        old_tier=correction.old_tier,
        new_tier=correction.tier,
    )
    if tier_changed.has_listeners():
        tier_changed.send(sender=StandingCorrection, change=change)
    hooks = hooks_for(connection.tenant)
    if hooks.implementers("township_tier_changes"):
        move = TierMove(correction.household_id, correction.old_tier, correction.tier)
        hooks.notify("township_tier_changes", period=correction.period, changes=[move])
    if hooks.implementers("township_tier_changed"):
        hooks.notify("township_tier_changed", change=change)
