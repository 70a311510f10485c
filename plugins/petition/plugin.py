"""The petition plugin's hooks: who it is, its settings and the deductions it brings."""

from __future__ import annotations

from township_integrity import PluginMetadata, RuleSpec, hookimpl

KEY = "petition"

# A reviewer's determination -> the rule its deduction is recorded under.
RULE_FOR_DETERMINATION = {
    "unreasonable": "PET-UNREASONABLE",
    "repeated": "PET-REPEATED",
    "skip_level": "PET-SKIP-LEVEL",
}

# Defaults of the early warning (used when a township leaves a key out).
DEFAULTS = {"warning_months": 6, "warning_factor": 2.0, "warning_minimum": 3}

SETTINGS_SCHEMA = {
    "type": "object",
    "properties": {
        "warning_months": {
            "type": "integer",
            "minimum": 1,
            "maximum": 36,
            "description": "How many previous months make a village's own average (default 6)",
        },
        "warning_factor": {
            "type": "number",
            "exclusiveMinimum": 1,
            "description": "Warn when a month's cases exceed this many times the average "
            "(default 2.0)",
        },
        "warning_minimum": {
            "type": "integer",
            "minimum": 1,
            "description": "Never warn for fewer cases than this in a month (default 3)",
        },
    },
    "additionalProperties": False,
}


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="信访与热线",
        name_en="Petitions and hotline",
        version="1.0.0",
        core_versions=">=0.3,<1",
        settings_schema=SETTINGS_SCHEMA,
        description="Petition, 12345-hotline and online cases in a closed loop; a reviewer's "
        "determination of an unreasonable, repeated or skip-level petition is a deduction.",
    )


@hookimpl
def township_covenant_rules(settings):
    # needs_review=False: the reviewer's determination is itself the review.
    return [
        RuleSpec(
            "PET-UNREASONABLE",
            "无理信访",
            "Unreasonable petition",
            "prohibition",
            -10,
            needs_review=False,
        ),
        RuleSpec(
            "PET-REPEATED",
            "缠访（重复信访）",
            "Repeated petition on a settled matter",
            "prohibition",
            -10,
            needs_review=False,
        ),
        RuleSpec(
            "PET-SKIP-LEVEL",
            "越级上访",
            "Skip-level petition",
            "prohibition",
            -10,
            needs_review=False,
        ),
    ]


# Kinds that reach the township through the petition and hotline channels (lawsuits and
# criminal cases are registered only for the "three-none" status).
CHANNEL_KINDS = ("petition", "hotline", "online")


@hookimpl
def township_statistics(period, settings):
    """For the county: cases received in the month, and cases up to its end not closed yet."""
    import datetime as dt

    from django.utils import timezone

    from platform_core.scoring.policy import month_end
    from plugins.petition.models import Case, Status

    start, end = (
        timezone.make_aware(dt.datetime.combine(day, dt.time()))
        for day in (period, month_end(period) + dt.timedelta(days=1))
    )
    channel = Case.objects.filter(kind__in=CHANNEL_KINDS, received_at__lt=end)
    return {
        "hotline_cases": channel.filter(received_at__gte=start).count(),
        "hotline_open": channel.exclude(status=Status.CLOSED).count(),
    }


@hookimpl
def township_graphql_fields(settings):
    """Cases, villages' status, warnings and the loop's steps; graphene is imported lazily."""
    from plugins.petition.graphql import contribution

    return contribution()
