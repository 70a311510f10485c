"""The petition plugin's hooks: who it is, its rules, and where it plugs into the platform.

Each hook hands over to the module that does the work (imported when called: this
module is loaded with the plugin, before Django's apps are ready).
"""

from __future__ import annotations

from plugins.petition.conf import KEY, PETITION_BASIS, SETTINGS_SCHEMA
from township_integrity import (
    FeedSource,
    PeriodicTask,
    PluginMetadata,
    RuleSpec,
    StatisticsColumn,
    hookimpl,
)


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
    # needs_review=False: the reviewer's determination is itself the review; it is
    # recorded only on a formal finding after the petitioner was warned (due process).
    return [
        RuleSpec(
            "PET-UNREASONABLE",
            "无理信访",
            "Unreasonable petition",
            "prohibition",
            -10,
            needs_review=False,
            basis=PETITION_BASIS,
            requires_finding=True,
        ),
        RuleSpec(
            "PET-REPEATED",
            "缠访（重复信访）",
            "Repeated petition on a settled matter",
            "prohibition",
            -10,
            needs_review=False,
            basis=PETITION_BASIS,
            requires_finding=True,
        ),
        RuleSpec(
            "PET-SKIP-LEVEL",
            "越级上访",
            "Skip-level petition",
            "prohibition",
            -10,
            needs_review=False,
            basis=PETITION_BASIS,
            requires_finding=True,
        ),
    ]


@hookimpl
def township_statistics(period, settings):
    """For the county: cases received in the month, cases up to its end not closed yet,
    and this year's hotline, online and petition cases beside the same days last year."""
    from plugins.petition.selectors import channel_figures, year_on_year_figures

    return {**channel_figures(period), **year_on_year_figures(period)}


@hookimpl
def township_statistics_columns():
    """The figures of ``township_statistics`` the county's table shows; the year-on-year
    ones are also stated on the dashboards ("12345热线同比下降38.8%")."""
    return [
        StatisticsColumn("hotline_cases", "信访与热线案件", "Hotline cases"),
        StatisticsColumn("hotline_open", "未办结案件", "Open cases"),
        StatisticsColumn("hotline_year", "12345热线", "12345 hotline cases", year_on_year=True),
        StatisticsColumn("online_year", "网信件", "Online complaints", year_on_year=True),
        StatisticsColumn("petitions_year", "信访件", "Petitions", year_on_year=True),
    ]


@hookimpl
def township_village_case_counts(period_start, period_end, settings):
    """Petitions, lawsuits and criminal cases per village, for the three-none status."""
    from plugins.petition.selectors import village_case_counts

    return village_case_counts(period_start, period_end)


@hookimpl
def township_evaluation_finalised(period, village_ids, settings):
    """Log the early warnings of the villages whose month was just finalised."""
    from plugins.petition.services import announce_early_warnings

    announce_early_warnings(period, village_ids)


@hookimpl
def township_periodic_tasks():
    """Hourly: escalate overdue cases to the township's administrators (``tasks.py``)."""
    return [PeriodicTask("overdue cases", "petition.escalate_overdue", "0 * * * *")]


@hookimpl
def township_feed_sources(settings):
    """The 12345 hotline's case files (CSV, XLSX or JSON), as ``import_cases`` reads them."""
    from django.utils.translation import gettext_lazy as _

    from plugins.petition.imports import import_hotline_file

    return [
        FeedSource(key="hotline", name=_("12345 hotline cases"), import_file=import_hotline_file)
    ]


@hookimpl
def township_workbench_screens():
    """The plugin's queue in the township workbench (``plugins.petition.workbench``)."""
    from plugins.petition.workbench import screens

    return screens()


@hookimpl
def township_graphql_fields(settings):
    """Cases, villages' status, warnings and the loop's steps; graphene is imported lazily."""
    from plugins.petition.graphql import contribution

    return contribution()


@hookimpl
def township_dashboard_panels(village_codes, settings):
    """Cases per month by kind (the last 12 months); villages' three-none status and warnings."""
    from plugins.petition.dashboard import panels

    return panels(village_codes)


@hookimpl
def township_demo_data(actor, rng, months):
    """Half a year of petition and hotline cases, for ``make demo``."""
    from plugins.petition.demo import seed_demo_cases

    return seed_demo_cases(actor, rng, months)


@hookimpl
def township_urls():
    """Public addresses: Open311 GeoReport v2 at ``open311/v2/`` (also on the county's
    address with ``jurisdiction_id``; ``plugins.petition.open311``) and the public
    progress tracker at ``cases/`` (``plugins.petition.public``)."""
    from plugins.petition.open311 import plugin_urls as open311_urls
    from plugins.petition.public import urls as tracker_urls

    return [open311_urls(), tracker_urls()]


@hookimpl
def township_open_datasets(settings):
    """Cases per village, kind and month; overdue and satisfaction rates (open data)."""
    from plugins.petition.opendata import datasets

    return datasets()
