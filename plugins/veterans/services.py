"""Registering veterans and recording the service station's activities.

Volunteer service records ``VET-VOLUNTEER`` (+2) and taking part in the station's
visits ``VET-VISIT`` (+1) for the veteran's household (once per activity, by its
external id); other activities are records only.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.veterans.conf import KEY, VISIT_RULE, VOLUNTEER_RULE
from plugins.veterans.models import KIND_ZH, ActivityKind, ServiceActivity, Veteran
from plugins.veterans.selectors import township_settings
from township_integrity.errors import PluginError
from township_integrity.models import Household, Rule
from township_integrity.roles import ADMIN_ROLES, STAFF_ROLES
from township_integrity.services import Actor, record_entry, require_role

# The activities that earn points, and the rule each records.
RULE_FOR_KIND = {
    ActivityKind.VOLUNTEER_SERVICE: VOLUNTEER_RULE,
    ActivityKind.VISIT: VISIT_RULE,
}


def register_veteran(
    household: Household,
    *,
    name: str,
    discharged_year: int,
    by: Actor,
    service_branch: str = "",
) -> Veteran:
    """Register a veteran of a household (a name once per household)."""
    township_settings()
    require_role(by, ADMIN_ROLES, village_code=household.village.code, what=_("register veterans"))
    name = name.strip()
    if not name:
        raise PluginError(_("a veteran needs a name"))
    if discharged_year > timezone.localdate().year:
        raise PluginError(_("discharge year %(year)s is in the future") % {"year": discharged_year})
    if Veteran.objects.filter(household=household, name=name).exists():
        raise PluginError(
            _("%(name)s of household %(household)s is already registered")
            % {"name": name, "household": household.code}
        )
    return Veteran.objects.create(
        household=household,
        name=name,
        service_branch=service_branch.strip(),
        discharged_year=discharged_year,
    )


def record_activity(
    veteran: Veteran, *, kind: str, on: dt.date, by: Actor, note: str = ""
) -> ServiceActivity:
    """Record a station activity; volunteer service and visits also record an entry.

    With ``review_volunteering`` the entry waits for the joint review. An activity of
    a kind is recorded once per veteran a day.
    """
    settings = township_settings()
    household = veteran.household
    require_role(
        by, STAFF_ROLES, village_code=household.village.code, what=_("record station activities")
    )
    if kind not in ActivityKind.values:
        raise PluginError(
            _("activity kind %(kind)s: use one of %(choices)s")
            % {"kind": repr(kind), "choices": ", ".join(ActivityKind.values)}
        )
    if on > timezone.localdate():
        raise PluginError(_("activity date %(date)s is in the future") % {"date": on})
    if kind == ActivityKind.VOLUNTEER_SERVICE and not note.strip():
        raise PluginError(_("volunteer service needs a note saying what was done (the evidence)"))
    if ServiceActivity.objects.filter(veteran=veteran, kind=kind, on=on).exists():
        raise PluginError(
            _("%(activity)s of %(name)s on %(date)s is already recorded")
            % {"activity": KIND_ZH[kind], "name": veteran.name, "date": on}
        )
    try:
        with transaction.atomic():
            activity = ServiceActivity.objects.create(
                veteran=veteran, kind=kind, on=on, by=by.user, by_label=by.label, note=note.strip()
            )
            rule = RULE_FOR_KIND.get(kind)
            if rule is not None:
                activity.entry = record_entry(
                    household=household,
                    rule=_rule(rule),
                    occurred_on=on,
                    recorder=by,
                    source=KEY,
                    external_id=f"activity:{activity.pk}",
                    evidence=f"veteran {veteran.name}: {KIND_ZH[kind]} on {on}: {activity.note}",
                    review=settings["review_volunteering"] or None,
                )
                activity.save(update_fields=["entry"])
    except IntegrityError:  # the same record, at the same moment, by someone else
        raise PluginError(
            _("%(activity)s of %(name)s on %(date)s was just recorded")
            % {"activity": KIND_ZH[kind], "name": veteran.name, "date": on}
        ) from None
    return activity


def _rule(code: str) -> Rule:
    rule = Rule.objects.filter(code=code).first()
    if rule is None:
        raise PluginError(
            _("rule %(rule)s is missing from the covenant; enable the plugin again")
            % {"rule": code}
        )
    return rule
