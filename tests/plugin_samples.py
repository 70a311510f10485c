"""Plugins used by the plugin-system tests, found through fake entry points."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from township_integrity import (
    BenefitType,
    Eligibility,
    FeedOutcome,
    FeedSource,
    GraphQLContribution,
    PeriodicTask,
    PluginMetadata,
    PluginUrls,
    RuleSpec,
    ScoreEventSpec,
    hookimpl,
)


class Recorder:
    """Implements every hook and remembers each call (township schema, hook name)."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def _note(self, hook: str) -> None:
        from django.db import connection

        self.calls.append((connection.schema_name, hook))

    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata(
            key="sample_recorder",
            name_zh="记录器",
            name_en="Recorder",
            version="1.2.3",
            core_versions=">=0.3",
            settings_schema={
                "type": "object",
                "properties": {
                    "households": {"type": "array", "items": {"type": "string"}},
                    "bonus": {"type": "integer", "minimum": 1, "maximum": 5},
                    "review": {"type": "boolean"},
                },
                "additionalProperties": False,
            },
        )

    @hookimpl
    def township_covenant_rules(self, settings):
        self._note("township_covenant_rules")
        return [
            RuleSpec("SAMPLE-1", "示例", "Sample", "other", 1, needs_review=False),
            RuleSpec("SAMPLE-REVIEW", "示例待审", "Sample to review", "other", 1),
        ]

    @hookimpl
    def township_score_events(self, period_start, period_end, settings):
        self._note("township_score_events")
        rule = "SAMPLE-REVIEW" if settings.get("review") else "SAMPLE-1"
        return [
            ScoreEventSpec(
                code,
                rule,
                period_end,
                f"{code}:{period_end}",
                "sample",
                points=settings.get("bonus"),
            )
            for code in settings.get("households", [])
        ]

    @hookimpl
    def township_benefit_types(self, settings):
        self._note("township_benefit_types")
        return [BenefitType("sample_discount", "示例折扣", "Sample discount")]

    @hookimpl
    def township_eligibility(self, household, benefit_code, tier, settings):
        self._note("township_eligibility")
        if benefit_code != "sample_discount":
            return None
        return Eligibility(tier == "green", f"tier is {tier}")

    @hookimpl
    def township_tier_changed(self, change, settings):
        self._note("township_tier_changed")

    @hookimpl
    def township_tier_changes(self, period, changes, settings):
        self._note("township_tier_changes")

    @hookimpl
    def township_evaluation_finalised(self, period, village_ids, settings):
        self._note("township_evaluation_finalised")

    @hookimpl
    def township_graphql_fields(self, settings):
        self._note("township_graphql_fields")
        return GraphQLContribution()

    @hookimpl
    def township_periodic_tasks(self):
        return [PeriodicTask("sample nightly", "platform_core.heartbeat", "0 2 * * *")]

    @hookimpl
    def township_feed_sources(self, settings):
        self._note("township_feed_sources")
        return [FeedSource("sample", "Sample feed", pull=lambda actor: FeedOutcome(0))]

    @hookimpl
    def township_urls(self):
        page = path("", lambda request: HttpResponse("recorder"), name="page")
        return [PluginUrls("sample-recorder/", (page,))]


recorder = Recorder()


class NeedsRecorder:
    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata(
            "sample_dependent", "依赖", "Dependent", "1.0", ">=0.3", depends_on=("sample_recorder",)
        )


class Incompatible:
    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata("sample_old", "旧", "Old", "0.1", core_versions="<0.1")


class WrongArguments:
    @hookimpl
    def township_tier_changed(self, change, settings, unknown_argument):
        """Asks for an argument the hookspec does not offer."""


needs_recorder = NeedsRecorder()
incompatible = Incompatible()
wrong_arguments = WrongArguments()


class BadContract:
    @hookimpl
    def township_plugin_metadata(self):
        return PluginMetadata(
            "sample_bad", "坏", "Bad", "1.0", ">=0.3", settings_schema={"type": "object"}
        )

    @hookimpl
    def township_covenant_rules(self, settings):
        return [RuleSpec("BAD-1", "坏", "", "gossip", 0)]

    @hookimpl
    def township_periodic_tasks(self):
        return [PeriodicTask("bad", "x", "every day")]


bad_contract = BadContract()
