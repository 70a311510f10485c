"""What plugins hand to the platform through the hooks (plain, frozen values)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class PluginMetadata:
    """Who a plugin is. ``key`` is its entry-point name and its ``source`` in the ledger."""

    key: str
    name_zh: str
    name_en: str
    version: str
    # PEP 440 specifier of the platform versions the plugin works with, e.g. ">=0.3,<1".
    core_versions: str = ">=0"
    # JSON Schema (draft 2020-12) of the plugin's per-township settings.
    settings_schema: dict = field(default_factory=lambda: {"type": "object"})
    # Keys of plugins that must be enabled in a township before this one.
    depends_on: tuple[str, ...] = ()
    description: str = ""


# The covenant's rule categories (scoring.Rule.Category; a test keeps the two equal).
RULE_CATEGORIES = (
    "garbage_sorting",
    "customs_reform",
    "public_safety",
    "volunteering",
    "mutual_aid",
    "prohibition",
    "other",
)


@dataclass(frozen=True)
class RuleSpec:
    """A covenant rule a plugin supplies (added to a township's covenant on enabling)."""

    code: str
    title_zh: str
    title_en: str
    category: str  # one of RULE_CATEGORIES
    points: int
    needs_review: bool = True


@dataclass(frozen=True)
class ScoreEventSpec:
    """A ledger entry a plugin produces; ``external_id`` makes recording it idempotent."""

    household_code: str
    rule_code: str
    occurred_on: dt.date
    external_id: str
    evidence: str
    points: int | None = None
    note: str = ""


@dataclass(frozen=True)
class BenefitType:
    """Something a household may be granted or refused by tier (a loan, a discount, ...)."""

    code: str
    title_zh: str
    title_en: str
    legal_basis: str = ""


@dataclass(frozen=True)
class Eligibility:
    """An answer to "may this household have this benefit?", with the reason shown to it."""

    eligible: bool
    reason: str
    legal_basis: str = ""


@dataclass(frozen=True)
class PeriodicTask:
    """A Celery task the plugin needs run for every township that enabled it."""

    name: str
    task: str  # dotted name of a registered Celery task; called with the township's code
    crontab: str  # "minute hour day_of_month month day_of_week", e.g. "0 2 * * *"


@dataclass(frozen=True)
class GraphQLContribution:
    """Fields a plugin adds to a township's GraphQL schema (graphene objects)."""

    query_fields: dict = field(default_factory=dict)
    mutation_fields: dict = field(default_factory=dict)
    types: tuple = ()


class TierMove(NamedTuple):
    """One household's tier change in a finalised month (``township_tier_changes``)."""

    household_id: int
    old_tier: str  # "" for a household's first finalised month
    new_tier: str
