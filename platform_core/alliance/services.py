"""Eligibility checks (always logged) and grants by alliance members.

The answer comes from the township's enabled plugins (``township_eligibility``);
a benefit no enabled plugin offers is refused with that reason.
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from platform_core.accounts.models import Role
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.actors import Actor
from platform_core.alliance.models import AllianceMember, EligibilityCheck, Grant
from platform_core.alliance.selectors import current_tier
from platform_core.errors import PlatformError
from platform_core.households.models import Household
from platform_core.plugins.selectors import answered_eligibility
from platform_core.scoring.services import require_role

# Who may ask whether a household may have a benefit: staff, and alliance clerks.
CHECK_ROLES = (Role.ALLIANCE_MEMBER, *STAFF_ROLES)


class AllianceError(PlatformError):
    pass


def add_member(*, code: str, name: str, kind: str, contact: str = "", by: Actor) -> AllianceMember:
    """Add (or update and reactivate) an institution of the alliance.

    Only township administrators do (``by``; an operator, with no user, is not checked).
    """
    require_role(by, (Role.TOWNSHIP_ADMIN,), village_code=None, what=_("add alliance members"))
    if kind not in AllianceMember.Kind.values:
        raise AllianceError(
            _("kind %(kind)s: use one of %(choices)s")
            % {"kind": repr(kind), "choices": ", ".join(AllianceMember.Kind.values)}
        )
    member, _created = AllianceMember.objects.update_or_create(
        code=code, defaults={"name": name, "kind": kind, "contact": contact, "active": True}
    )
    return member


def check_eligibility(
    household: Household, benefit_code: str, *, by: Actor, member: AllianceMember | None = None
) -> EligibilityCheck:
    """Answer whether the household may have the benefit now, and log who asked.

    Staff and alliance clerks may ask; a clerk asking for an institution must work there.
    """
    require_role(
        by,
        CHECK_ROLES,
        village_code=household.village.code,
        what=_("check eligibility"),
        institution=member.code if member else None,
    )
    tier = current_tier(household)
    key, answer = answered_eligibility(connection.tenant, household, benefit_code, tier) or (
        "",
        None,
    )
    return EligibilityCheck.objects.create(
        household=household,
        benefit_code=benefit_code,
        tier=tier,
        eligible=bool(answer and answer.eligible),
        reason=answer.reason if answer else f"no enabled module offers {benefit_code!r} here",
        legal_basis=answer.legal_basis if answer else "",
        answered_by=key,
        member=member,
        checked_by=by.user,
        checked_by_label=by.label,
    )


def grant(
    member: AllianceMember, household: Household, benefit_code: str, *, by: Actor, note: str = ""
) -> Grant:
    """Grant a benefit after a fresh eligibility check; refused if not eligible.

    The check is written first, on its own, so a refusal stays in the log. An
    alliance clerk grants only for their own institution.
    """
    require_role(
        by,
        (Role.ALLIANCE_MEMBER, Role.TOWNSHIP_ADMIN),
        village_code=household.village.code,
        what=_("grant benefits of %(member)s") % {"member": member.name},
        institution=member.code,
    )
    check = check_eligibility(household, benefit_code, by=by, member=member)
    if not check.eligible:
        raise AllianceError(
            _("household %(household)s may not have %(benefit)s: %(reason)s")
            % {"household": household.code, "benefit": benefit_code, "reason": check.reason}
        )
    return Grant.objects.create(
        member=member,
        household=household,
        benefit_code=benefit_code,
        eligibility_check=check,
        note=note,
        granted_by_label=by.label,
    )
