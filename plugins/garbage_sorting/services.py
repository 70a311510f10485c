"""Recording garbage-sorting inspections (each becomes a ledger entry by rule)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.garbage_sorting.conf import KEY, RULE_FOR_RESULT
from plugins.garbage_sorting.models import Inspection
from township_integrity import enabled_settings
from township_integrity.errors import PluginError
from township_integrity.models import Household, Rule
from township_integrity.roles import STAFF_ROLES
from township_integrity.services import Actor, record_entry, require_role


def record_inspection(
    household: Household,
    *,
    inspected_on: dt.date,
    result: str,
    inspector: Actor,
    photo_ref: str = "",
) -> Inspection:
    """Record an inspection and its entry; a household's second inspection that day is refused.

    Staff of the household's village inspect (the operator of an import is not
    checked), never on a future date, whether or not an entry follows.

    Correct sorting earns an entry only when the township's ``record_correct``
    setting is on; with ``review_inspections`` the entries wait for the joint review.
    """
    settings = _settings()
    require_role(
        inspector, STAFF_ROLES, village_code=household.village.code, what=_("record inspections")
    )
    if inspected_on > timezone.localdate():
        raise PluginError(
            _("the inspection date %(date)s is in the future") % {"date": inspected_on},
            field="inspected_on",
        )
    if result not in RULE_FOR_RESULT:
        raise PluginError(
            _("inspection result %(result)s: use correct, wrong or not_sorted")
            % {"result": repr(result)}
        )
    if Inspection.objects.filter(household=household, inspected_on=inspected_on).exists():
        raise PluginError(
            _("household %(household)s was already inspected on %(date)s")
            % {"household": household.code, "date": inspected_on}
        )
    with transaction.atomic():
        inspection = Inspection.objects.create(
            household=household,
            inspected_on=inspected_on,
            result=result,
            inspector=inspector.user,
            inspector_label=inspector.label,
            photo_ref=photo_ref,
        )
        if result != "correct" or settings.get("record_correct", True):
            evidence = f"garbage-sorting inspection {inspection.pk} on {inspected_on}"
            if photo_ref:
                evidence += f", photo {photo_ref}"
            inspection.entry = record_entry(
                household=household,
                rule=Rule.objects.get(code=RULE_FOR_RESULT[result]),
                occurred_on=inspected_on,
                recorder=inspector,
                source=KEY,
                external_id=f"inspection:{inspection.pk}",
                evidence=evidence,
                review=settings.get("review_inspections", False) or None,
            )
            inspection.save(update_fields=["entry"])
    return inspection


def _settings() -> dict:
    return enabled_settings(KEY, refusal=_("garbage sorting is not enabled"))
