"""The mediation plugin's hooks: who it is and where it plugs into the platform.

Each hook hands over to the module that does the work (imported when called: this
module is loaded with the plugin, before Django's apps are ready).
"""

from __future__ import annotations

from plugins.mediation.conf import KEY, SETTINGS_SCHEMA
from township_integrity import PluginMetadata, hookimpl


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="解纷码与和治楼调解",
        name_en="Dispute code and village mediation",
        version="1.0.0",
        core_versions=">=0.6,<0.7",
        settings_schema=SETTINGS_SCHEMA,
        description="Residents ask for mediation from a public dispute code; village "
        "mediation stations take the case to an agreement (or refer it), and disputes "
        "settled in the village count towards the three-none status.",
    )


@hookimpl
def township_urls():
    """The dispute code at ``mediation/`` (public; ``plugins.mediation.public``)."""
    from plugins.mediation.public import urls

    return [urls()]


@hookimpl
def township_workbench_screens():
    """The stations' queue, statistics and dispute codes (``plugins.mediation.workbench``)."""
    from plugins.mediation.workbench import screens

    return screens()


@hookimpl
def township_graphql_fields(settings):
    """``mediationCases`` and ``mediationStats``; graphene is imported lazily."""
    from plugins.mediation.graphql import contribution

    return contribution()


@hookimpl
def township_village_case_counts(period_start, period_end, settings):
    """Agreements reached in the period (settled in the village); referrals by where they
    went: court → lawsuits, petition office → petitions, police → criminal cases."""
    from plugins.mediation.selectors import village_case_counts

    return village_case_counts(period_start, period_end)


@hookimpl
def township_demo_data(actor, rng, months):
    """A handful of cases per village station, for ``make demo``."""
    from plugins.mediation.demo import seed_demo_cases

    return seed_demo_cases(actor, rng, months)
