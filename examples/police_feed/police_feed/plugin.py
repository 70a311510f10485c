"""The police-feed plugin's hooks: who it is, its rule, its feed, screen and GraphQL field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from police_feed.conf import FEED_KEY, KEY, RULE_BASIS, RULE_CODE, SETTINGS_SCHEMA
from township_integrity import FeedSource, PluginMetadata, RuleSpec, hookimpl


@hookimpl
def township_plugin_metadata():
    return PluginMetadata(
        key=KEY,
        name_zh="公安警情通报",
        name_en="Police alerts",
        version="0.1.0",
        core_versions=">=0.6,<0.7",
        settings_schema=SETTINGS_SCHEMA,
        description="Police alerts of public-order offences from a file feed; confirmed "
        "offences become proposed deductions citing their legal basis.",
    )


@hookimpl
def township_covenant_rules(settings):
    # needs_review: a police alert is evidence, the village's reviewers still decide.
    return [
        RuleSpec(
            RULE_CODE,
            "治安违法行为（公安通报）",
            "Public-order offence reported by the police",
            "public_safety",
            settings.get("points", -5),
            needs_review=True,
            basis=RULE_BASIS,
        )
    ]


@hookimpl
def township_feed_sources(settings):
    from police_feed.services import import_alerts

    return [
        FeedSource(
            key=FEED_KEY,
            name=_("Police alerts"),
            import_file=import_alerts,
            patterns=("*.csv", "*.xlsx", "*.json"),
        )
    ]


@hookimpl
def township_workbench_screens():
    from police_feed.workbench import screens

    return screens()


@hookimpl
def township_graphql_fields(settings):
    from police_feed.graphql import contribution

    return contribution()
