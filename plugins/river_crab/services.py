"""Cooperatives, members, compliance inspections (which become entries) and harvests.

A failed aspect of an inspection costs the member's household ``RC-VIOLATION``; a
day on which all three aspects of a member were checked and passed earns one
``RC-COMPLIANT`` (whether the aspects were recorded together or one by one).
Entries carry an external id, so nothing is recorded twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plugins.river_crab.conf import COMPLIANT_RULE, KEY, VIOLATION_RULE
from plugins.river_crab.models import (
    ASPECT_ZH,
    Aspect,
    ComplianceInspection,
    Cooperative,
    Harvest,
    Member,
)
from plugins.river_crab.selectors import township_settings
from township_integrity.errors import PluginError
from township_integrity.models import Household, LedgerEntry, Rule, Village
from township_integrity.roles import ADMIN_ROLES, STAFF_ROLES
from township_integrity.services import Actor, record_entry, require_role


def create_cooperative(*, name: str, by: Actor, village: Village | None = None) -> Cooperative:
    """Register a cooperative (names are unique in the township)."""
    township_settings()
    require_role(
        by,
        ADMIN_ROLES,
        village_code=village.code if village else None,
        what=_("register cooperatives"),
    )
    name = name.strip()
    if not name:
        raise PluginError(_("a cooperative needs a name"))
    if Cooperative.objects.filter(name=name).exists():
        raise PluginError(
            _("cooperative %(cooperative)s is already registered") % {"cooperative": name}
        )
    return Cooperative.objects.create(name=name, village=village)


def add_member(
    cooperative: Cooperative,
    household: Household,
    *,
    pond_mu: Decimal | str,
    joined_on: dt.date,
    by: Actor,
) -> Member:
    """Enrol a household in a cooperative with its pond area (mu)."""
    township_settings()
    require_role(
        by, ADMIN_ROLES, village_code=household.village.code, what=_("enrol cooperative members")
    )
    area = _amount(pond_mu, _("pond area (mu)"))
    if area <= 0:
        raise PluginError(_pond_area_refusal(area))
    if joined_on > timezone.localdate():
        raise PluginError(_("joined on %(date)s is in the future") % {"date": joined_on})
    if Member.objects.filter(cooperative=cooperative, household=household).exists():
        raise PluginError(
            _("household %(household)s is already a member of %(cooperative)s")
            % {"household": household.code, "cooperative": cooperative}
        )
    return Member.objects.create(
        cooperative=cooperative, household=household, pond_mu=area, joined_on=joined_on
    )


def record_inspection(
    member: Member,
    *,
    inspected_on: dt.date,
    results: dict[str, bool],
    inspector: Actor,
    note: str = "",
) -> list[ComplianceInspection]:
    """Record the aspects checked on one day (``{"water_quality": True, ...}``) and their entries.

    Each failed aspect records ``RC-VIOLATION``; when the day's aspects (with any
    recorded earlier that day) cover all three and all passed, ``RC-COMPLIANT`` is
    recorded once (unless ``reward_compliance`` is off). With ``review_inspections``
    the entries wait for the joint review. An aspect is checked once per member a day.
    """
    settings = township_settings()
    household = member.household
    require_role(
        inspector,
        STAFF_ROLES,
        village_code=household.village.code,
        what=_("record crab-farming inspections"),
    )
    _check_inspection(member, inspected_on, results)
    review = settings["review_inspections"] or None
    try:
        with transaction.atomic():
            checks = []
            for aspect, passed in results.items():
                check = ComplianceInspection.objects.create(
                    member=member,
                    inspected_on=inspected_on,
                    aspect=aspect,
                    passed=passed,
                    inspector=inspector.user,
                    inspector_label=inspector.label,
                    note=note.strip(),
                )
                if not passed:
                    check.entry = _violation(check, inspector, review)
                    check.save(update_fields=["entry"])
                checks.append(check)
            if settings["reward_compliance"]:
                _reward_if_compliant(member, inspected_on, inspector, review)
    except IntegrityError:  # the same record, at the same moment, by someone else
        raise PluginError(
            _("an inspection of %(member)s on %(date)s was just recorded; check the list")
            % {"member": member, "date": inspected_on}
        ) from None
    for check in checks:
        check.refresh_from_db(fields=["entry"])
    return checks


def _check_inspection(member: Member, day: dt.date, results: dict[str, bool]) -> None:
    if not results:
        raise PluginError(_("an inspection records at least one aspect"))
    unknown = [a for a in results if a not in Aspect.values]
    if unknown:
        raise PluginError(
            _("inspection aspect %(aspect)s: use %(choices)s (水质/用药记录/质量认证)")
            % {"aspect": repr(unknown[0]), "choices": ", ".join(Aspect.values)}
        )
    if any(not isinstance(passed, bool) for passed in results.values()):
        raise PluginError(_("each aspect is recorded as passed (true) or failed (false)"))
    if day > timezone.localdate():
        raise PluginError(_("inspection date %(date)s is in the future") % {"date": day})
    if day < member.joined_on:
        raise PluginError(
            _(
                "inspection date %(date)s is before household %(household)s joined "
                "%(cooperative)s (%(joined)s)"
            )
            % {
                "date": day,
                "household": member.household.code,
                "cooperative": member.cooperative,
                "joined": member.joined_on,
            }
        )
    done = ComplianceInspection.objects.filter(
        member=member, inspected_on=day, aspect__in=list(results)
    ).values_list("aspect", flat=True)
    if done:
        named = ", ".join(ASPECT_ZH[a] for a in sorted(done))
        raise PluginError(
            _(
                "household %(household)s (%(cooperative)s) was already checked "
                "for %(aspects)s on %(date)s"
            )
            % {
                "household": member.household.code,
                "cooperative": member.cooperative,
                "aspects": named,
                "date": day,
            }
        )


def _violation(check: ComplianceInspection, inspector: Actor, review: bool | None) -> LedgerEntry:
    evidence = (
        f"crab-farming inspection {check.pk} on {check.inspected_on} ({check.member.cooperative}): "
        f"{ASPECT_ZH[check.aspect]} failed"
    )
    if check.note:
        evidence += f"; {check.note}"
    return record_entry(
        household=check.member.household,
        rule=_rule(VIOLATION_RULE),
        occurred_on=check.inspected_on,
        recorder=inspector,
        source=KEY,
        external_id=f"inspection:{check.pk}",
        evidence=evidence,
        review=review,
    )


def _reward_if_compliant(
    member: Member, day: dt.date, inspector: Actor, review: bool | None
) -> None:
    checks = ComplianceInspection.objects.filter(member=member, inspected_on=day)
    passed = {c.aspect for c in checks if c.passed}
    if len(passed) != len(Aspect.values) or any(not c.passed for c in checks):
        return
    entry = record_entry(
        household=member.household,
        rule=_rule(COMPLIANT_RULE),
        occurred_on=day,
        recorder=inspector,
        source=KEY,
        external_id=f"compliant:{member.pk}:{day:%Y-%m-%d}",
        evidence=(
            f"crab-farming inspection on {day} ({member.cooperative}): "
            "水质、用药记录、质量认证 all passed"
        ),
        review=review,
    )
    checks.update(entry=entry)


def record_harvest(
    member: Member,
    *,
    year: int,
    yield_jin: Decimal | str,
    revenue: Decimal | str,
    cost: Decimal | str,
    by: Actor,
    pond_mu: Decimal | str | None = None,
) -> Harvest:
    """Record a member's harvest of a year (yield in jin, money in yuan); once per year.

    The pond area defaults to the member's current area and is kept with the harvest,
    so a later change of the pond does not rewrite past years' figures per mu.
    """
    township_settings()
    require_role(
        by, STAFF_ROLES, village_code=member.household.village.code, what=_("record crab harvests")
    )
    if year > timezone.localdate().year:
        raise PluginError(_("harvest year %(year)s is in the future") % {"year": year})
    if year < member.joined_on.year:
        raise PluginError(
            _(
                "harvest year %(year)s is before household %(household)s joined "
                "%(cooperative)s (%(joined)s)"
            )
            % {
                "year": year,
                "household": member.household.code,
                "cooperative": member.cooperative,
                "joined": member.joined_on,
            }
        )
    area = member.pond_mu if pond_mu is None else _amount(pond_mu, _("pond area (mu)"))
    names = (_("yield (jin)"), _("revenue (yuan)"), _("cost (yuan)"))
    amounts = {
        names[0]: _amount(yield_jin, names[0]),
        names[1]: _amount(revenue, names[1]),
        names[2]: _amount(cost, names[2]),
    }
    if area <= 0:
        raise PluginError(_pond_area_refusal(area))
    negative = [name for name, value in amounts.items() if value < 0]
    if negative:
        raise PluginError(_("%(what)s cannot be negative") % {"what": negative[0]})
    if Harvest.objects.filter(member=member, year=year).exists():
        raise PluginError(
            _(
                "the %(year)s harvest of household %(household)s (%(cooperative)s) "
                "is already recorded"
            )
            % {
                "year": year,
                "household": member.household.code,
                "cooperative": member.cooperative,
            }
        )
    yield_, revenue_, cost_ = amounts.values()
    return Harvest.objects.create(
        member=member,
        year=year,
        pond_mu=area,
        yield_jin=yield_,
        revenue=revenue_,
        cost=cost_,
        recorded_by=by.user,
        recorded_by_label=by.label,
    )


def _amount(value, what: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PluginError(_not_a_number(what, value)) from None
    if not amount.is_finite():
        raise PluginError(_not_a_number(what, value))
    return amount


def _not_a_number(what: str, value) -> str:
    return _("%(what)s %(value)s is not a number") % {"what": what, "value": repr(value)}


def _pond_area_refusal(area: Decimal) -> str:
    return _("pond area %(area)s mu: it must be more than 0") % {"area": area}


def _rule(code: str) -> Rule:
    rule = Rule.objects.filter(code=code).first()
    if rule is None:
        raise PluginError(
            _("rule %(rule)s is missing from the covenant; enable the plugin again")
            % {"rule": code}
        )
    return rule
