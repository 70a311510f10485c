"""The veterans plugin's hooks: who it is, its rule, and the priority-service benefit.

Choices (docs/plugins/veterans.md):
- the station's activities become entries for the veteran's household: volunteer
  service ``VET-VOLUNTEER`` (+2), taking part in the station's visits (走访)
  ``VET-VISIT`` (+1); "other" activities are records only;
- ``veteran_priority_service`` (优先服务) is answered for households with a registered
  veteran only, and regardless of the integrity tier: it is a statutory entitlement
  for service rendered, which the village covenant cannot take away (a red household
  is told its tier was not considered).
"""

from __future__ import annotations

from plugins.veterans.conf import (
    KEY,
    LEGAL_BASIS,
    PRIORITY_SERVICE,
    SETTINGS_SCHEMA,
    VISIT_RULE,
    VOLUNTEER_RULE,
)
from township_integrity import BenefitType, Eligibility, PluginMetadata, RuleSpec, hookimpl


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="退役军人服务站",
        name_en="Veterans' service station",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Veteran households, service-station activities (volunteer service "
        "earns 2 points, taking part in the station's visits 1; other activities are "
        "records only) and priority services as a benefit.",
    )


@hookimpl
def township_covenant_rules(settings):
    # needs_review=False: the station records what it organised; review_volunteering asks
    # for the joint review instead.
    return [
        RuleSpec(
            VOLUNTEER_RULE,
            "退役军人参加志愿服务",
            "Veteran's volunteer service",
            "volunteering",
            2,
            needs_review=False,
        ),
        RuleSpec(
            VISIT_RULE,
            "退役军人参加服务站走访活动",
            "Veteran took part in the station's visits",
            "volunteering",
            1,
            needs_review=False,
        ),
    ]


@hookimpl
def township_benefit_types(settings):
    return [
        BenefitType(
            PRIORITY_SERVICE,
            "退役军人优先服务",
            "Priority services for veterans",
            legal_basis=settings.get("legal_basis") or LEGAL_BASIS,
        )
    ]


@hookimpl
def township_eligibility(household, benefit_code, tier, settings):
    """Veteran households may have priority services whatever their tier."""
    if benefit_code != PRIORITY_SERVICE:
        return None
    # Imported here: plugins are discovered before Django's apps (and models) are ready.
    from plugins.veterans.selectors import veterans_of

    basis = settings.get("legal_basis") or LEGAL_BASIS
    names = [v.name for v in veterans_of(household)]
    if not names:
        return Eligibility(
            False, f"household {household.code} has no registered veteran", legal_basis=basis
        )
    return Eligibility(
        True,
        f"veteran household ({'、'.join(names)}): priority services are a statutory "
        f"entitlement, given whatever the integrity tier (now {tier})",
        legal_basis=basis,
    )


@hookimpl
def township_graphql_fields(settings):
    """Veterans, activities and recording one; graphene is imported only when needed."""
    from plugins.veterans.graphql import contribution

    return contribution()
