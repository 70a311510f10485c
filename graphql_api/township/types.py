"""Object types of the township API. Each type filters its rows by the viewer.

``get_queryset`` is where visibility lives, so connections, ``node(id:)`` and
nested lists all answer only what the viewer may see: staff see the households
of their villages, a household sees itself, an alliance clerk sees no household
or ledger at all (only eligibility answers and its own institution's grants).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import graphene
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset
from graphql.language import FieldNode

from graphql_api.core import (
    CountedConnection,
    PageField,
    TownshipNode,
    argument,
    selected_field,
    selected_fields,
    viewer,
)
from graphql_api.execution import leaf_plans, root_only
from platform_core.accounts.selectors import STAFF_ROLES
from platform_core.alliance.models import AllianceMember, Consent, EligibilityCheck, Grant
from platform_core.evaluation.models import Assignment, EvaluationRound, HouseholdSnapshot
from platform_core.households.models import Household, Village
from platform_core.households.selectors import (
    mask_name,
    prefixed,
    sees_personal_data,
    visible_households,
)
from platform_core.publication.models import BoardEntry, HonourBoard
from platform_core.publication.selectors import enterprise_entries, shown_entries
from platform_core.scoring.models import (
    Declaration,
    Objection,
    RepairApplication,
    Rule,
    ScoreEvent,
)
from platform_core.scoring.selectors import is_overdue, objection_answer_due

#: A household's tier in GraphQL: ``GREEN``, ``BLUE`` or ``RED`` (a household to improve).
TierEnum = graphene.Enum("Tier", [("GREEN", "green"), ("BLUE", "blue"), ("RED", "red")])


# --- visibility -------------------------------------------------------------------


# --- villages and households ---------------------------------------------------------


class VillageType(DjangoObjectType):
    class Meta:
        model = Village
        name = "Village"
        fields = ("code", "name")
        interfaces = (TownshipNode,)

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        who = viewer(info)
        if who.everywhere:
            return queryset
        villages = who.villages(STAFF_ROLES)
        if villages is None:
            return queryset
        own = Household.objects.filter(code__in=sorted(who.household_codes)).values("village_id")
        return queryset.filter(Q(code__in=sorted(villages)) | Q(pk__in=own))


class MonthlySnapshotType(DjangoObjectType):
    """One finalised month of a household: the official record."""

    month = graphene.String(required=True, description="YYYY-MM")
    tier = TierEnum(required=True)
    index = graphene.Float(required=True, description="Integrity index 0–100")

    class Meta:
        model = HouseholdSnapshot
        name = "MonthlySnapshot"
        fields = ("score", "change", "deductions")

    @root_only
    def resolve_month(root, info) -> str:
        return f"{root.period:%Y-%m}"

    @root_only
    def resolve_index(root, info) -> float:
        return float(root.index)


class RuleType(DjangoObjectType):
    class Meta:
        model = Rule
        name = "Rule"
        fields = (
            "code",
            "title_zh",
            "title_en",
            "category",
            "points",
            "needs_review",
            "active",
            "basis",
            "immediate",
            "requires_finding",
            "applies_to",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    plugin = graphene.String(required=True, description='"core" or the key of the plugin')
    # Described here, not from the model's (translated) help texts: graphene-django reads
    # those once, in whatever language is active when this module is imported.
    basis = graphene.String(
        required=True,
        description="Covenant clause, law or document number; required for deductions.",
    )
    immediate = graphene.Boolean(
        required=True,
        description="Only with a basis that allows it, written in the legal basis.",
    )
    requires_finding = graphene.Boolean(
        required=True,
        description="Recorded only with the finding's authority, document number and date.",
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        return queryset if viewer(info).is_authenticated else queryset.none()


class FormalFindingType(graphene.ObjectType):
    """The formal finding a deduction under a rule that needs one rests on (P7-01,
    P7-02), with the advance warning to the person concerned."""

    class Meta:
        name = "FormalFinding"

    authority = graphene.String(required=True)
    document_number = graphene.String(required=True)
    found_on = graphene.Date(required=True)
    warned_on = graphene.Date(required=True)
    warning = graphene.String(required=True)


class EntryType(DjangoObjectType):
    """One ledger entry: rule, points, source, evidence and the people involved."""

    class Meta:
        model = ScoreEvent
        name = "Entry"
        fields = (
            "rule",
            "points",
            "occurred_on",
            "source",
            "external_id",
            "evidence",
            "note",
            "kind",
            "status",
            "recorded_by_label",
            "recorded_at",
            "reviewed_by_label",
            "reviewed_at",
            "review_note",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    household_code = graphene.String(required=True)
    finding = graphene.Field(
        FormalFindingType, description="The formal finding it rests on (null: none needed)"
    )

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_finding(root, info):
        from platform_core.scoring.models import FormalFinding

        return FormalFinding.objects.filter(entry_id=root.pk).first()

    @root_only
    @bypass_get_queryset
    def resolve_rule(root, info):
        return root.rule  # visible with its entry: no permission query per row

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        return queryset.filter(
            prefixed(visible_households(viewer(info)), "household")
        ).select_related("rule", "household")


class ObjectionType(DjangoObjectType):
    class Meta:
        model = Objection
        name = "Objection"
        fields = (
            "entry",
            "reason",
            "filed_by_label",
            "on_behalf",
            "filed_at",
            "status",
            "decided_by_label",
            "decided_at",
            "decision_reason",
            "escalated_at",
            "answers_notice",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    answer_due = graphene.Date(
        required=True,
        description="The last day of the council's answer (working days by the holiday calendar)",
    )
    overdue = graphene.Boolean(required=True, description="Still pending after its answer deadline")

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry

    def resolve_answer_due(root, info):
        return objection_answer_due(root)

    def resolve_overdue(root, info):
        return is_overdue(root)

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        q = prefixed(visible_households(viewer(info)), "entry__household")
        return queryset.filter(q).select_related("entry__household", "entry__rule")


class RepairApplicationType(DjangoObjectType):
    """A credit repair application (信用修复) for a deduction, and the council's decision.

    A granted repair keeps the deduction and adds ``repairEntry``, which cancels it from
    the decision day on.
    """

    class Meta:
        model = RepairApplication
        name = "RepairApplication"
        fields = (
            "entry",
            "action",
            "hours",
            "evidence",
            "applied_by_label",
            "applied_at",
            "status",
            "decided_by_label",
            "decided_at",
            "decision_reason",
            "repair_entry",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry

    @bypass_get_queryset
    def resolve_repair_entry(root, info):
        return root.repair_entry

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        q = prefixed(visible_households(viewer(info)), "entry__household")
        return queryset.filter(q).select_related("entry__household", "entry__rule")


class DeclarationType(DjangoObjectType):
    """A good deed a household declared itself (村民申报), and its village staff's decision."""

    class Meta:
        model = Declaration
        name = "Declaration"
        fields = (
            "rule",
            "occurred_on",
            "note",
            "status",
            "declared_by_label",
            "declared_at",
            "decided_by_label",
            "decided_at",
            "decision_reason",
            "entry",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    household_code = graphene.String(required=True)
    photo_count = graphene.Int(
        required=True, description="Photos sent with it (uploaded in the workbench)"
    )

    def resolve_household_code(root, info) -> str:
        return root.household.code

    @bypass_get_queryset
    def resolve_rule(root, info):
        return root.rule

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry  # the proposed entry a confirmation recorded: same household

    def resolve_photo_count(root, info) -> int:
        return len(root.photos.all())

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        return (
            queryset.filter(prefixed(visible_households(viewer(info)), "household"))
            .select_related("household", "rule", "entry__rule", "entry__household")
            .prefetch_related("photos")
        )


class RuleLineType(graphene.ObjectType):
    """Points one rule contributes to the score in the window."""

    class Meta:
        name = "RuleLine"

    rule_code = graphene.String(required=True)
    title_zh = graphene.String(required=True)
    title_en = graphene.String(required=True)
    points = graphene.Int(required=True)
    entries = graphene.Int(required=True)
    basis = graphene.String(
        required=True,
        description="The rule's legal basis (covenant clause, law or document number); "
        "every deduction has one",
    )


class ExplanationType(graphene.ObjectType):
    """Why the household has its score: base plus points per rule in the window."""

    class Meta:
        name = "Explanation"

    as_of = graphene.Date(required=True)
    window_start = graphene.Date(description="First day counted; null when every day counts")
    base = graphene.Int(required=True)
    score = graphene.Int(required=True)
    tier = TierEnum(required=True)
    deductions = graphene.Int(required=True, description="Deductions in the last 12 months")
    index = graphene.Float(required=True)
    lines = graphene.List(graphene.NonNull(RuleLineType), required=True)


class HouseholdType(DjangoObjectType):
    """A household. Personal fields are null unless the viewer is its staff or itself."""

    class Meta:
        model = Household
        name = "Household"
        fields = ("code", "village", "members")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection

    masked_name = graphene.String(required=True, description="俞某-style name for public lists")
    head_name = graphene.String()
    address = graphene.String()
    phone = graphene.String()
    tier = TierEnum(description="Official tier: the latest finalised month (null before one)")
    score = graphene.Int(description="Score in the latest finalised month")
    evaluated_month = graphene.String(description="YYYY-MM of the latest finalised month")
    latest_entries = graphene.List(
        graphene.NonNull(EntryType),
        required=True,
        description="Newest ledger entries (at most 20, default 5)",
        limit=graphene.Int(default_value=5),
    )
    explanation = graphene.Field(
        ExplanationType,
        required=True,
        as_of=graphene.Date(description="Default: today"),
        description="Live score and tier with points per rule in the window",
    )
    ledger = PageField(EntryType, description="Every entry, newest first")
    history = graphene.List(
        graphene.NonNull(MonthlySnapshotType), required=True, description="Finalised months"
    )
    objections = graphene.List(graphene.NonNull(ObjectionType), required=True)
    eligibility_checks = graphene.List(
        graphene.NonNull(lambda: EligibilityAnswerType),
        required=True,
        description="Every eligibility check made about the household, newest first "
        "(the household itself and staff of its village; empty for anyone else)",
    )
    consents = graphene.List(
        graphene.NonNull(lambda: ConsentType),
        required=True,
        description="The household's consents per alliance member, in force and withdrawn "
        "(the household itself and staff of its village; empty for anyone else)",
    )

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        return queryset.filter(visible_households(viewer(info))).select_related("village")

    def resolve_eligibility_checks(root, info):
        from platform_core.alliance.selectors import checks_of

        return list(checks_of(root)) if sees_personal_data(viewer(info), root) else []

    def resolve_consents(root, info):
        from platform_core.alliance.selectors import consents_of

        return list(consents_of(root)) if sees_personal_data(viewer(info), root) else []

    @root_only
    def resolve_masked_name(root, info) -> str:
        return mask_name(root.head_name)

    @root_only
    @bypass_get_queryset
    def resolve_village(root, info):
        return root.village

    def resolve_head_name(root, info):
        return root.head_name if sees_personal_data(viewer(info), root) else None

    def resolve_address(root, info):
        return root.address if sees_personal_data(viewer(info), root) else None

    def resolve_phone(root, info):
        return root.phone if sees_personal_data(viewer(info), root) else None

    def resolve_members(root, info):
        return root.members if sees_personal_data(viewer(info), root) else None

    @root_only
    def resolve_tier(root, info):
        standing = official_standing(root)
        return standing.tier if standing else None

    @root_only
    def resolve_score(root, info):
        standing = official_standing(root)
        return standing.score if standing else None

    @root_only
    def resolve_evaluated_month(root, info):
        standing = official_standing(root)
        return standing.period.isoformat()[:7] if standing else None  # YYYY-MM

    def resolve_latest_entries(root, info, limit: int | None = 5):
        limit = max(0, min(5 if limit is None else limit, 20))  # null: the default
        prefetched = getattr(root, "prefetched_entries", None)
        if prefetched is not None:
            return prefetched[:limit]
        return list(
            root.score_events.select_related("rule", "household").order_by("-occurred_on", "-id")[
                :limit
            ]
        )

    def resolve_explanation(root, info, as_of=None):
        from platform_core.scoring.selectors import score_card

        return score_card(root, as_of)

    def resolve_ledger(root, info, **kwargs):
        entries = root.score_events.order_by("-occurred_on", "-id")
        edges = selected_fields(info, info.field_nodes).get("edges", [])
        columns = entry_columns(info, selected_fields(info, edges).get("node", []))
        if columns is None:
            return entries
        return entries.only(*columns, "rule")  # EntryType.get_queryset joins the rule

    @classmethod
    def prepare_page(cls, households: list, info) -> None:
        """A page's official standings and newest entries, when asked: one query each.

        Each picks "the newest N per household" through the (household, date)
        indexes with a LATERAL join, instead of ranking every entry of the page.
        (Not subqueries in the households' statement: PostgreSQL would compute them
        for every row an OFFSET skips.)
        """
        if not households:
            return
        ids = [h.pk for h in households]
        if selects_standing(info):
            latest = HouseholdSnapshot.objects.filter(
                pk__in=newest_per_household(HouseholdSnapshot, ids, "period DESC", 1)
            ).values_list("household_id", "period", "tier", "score")
            standings = {row[0]: row[1:] for row in latest}
            for household in households:
                set_standing(household, standings.get(household.pk))
        field = selected_field(info, "latestEntries")
        if field is None:
            return
        limit = max(0, min(int(argument(info, field, "limit", 5) or 0), 20))
        entries = ScoreEvent.objects.filter(
            pk__in=newest_per_household(ScoreEvent, ids, "occurred_on DESC, id DESC", limit)
        )
        columns = entry_columns(info, [field])
        entries = entries.order_by("-occurred_on", "-id")
        if columns is None:
            entries = entries.select_related("rule")
        elif any(name.startswith("rule__") for name in columns):
            entries = with_shared_rules(entries, columns)
        else:
            entries = entries.only(*columns)
            if "rule" in columns:
                entries = entries.select_related("rule")
        by_household: dict[int, list] = {pk: [] for pk in ids}
        for entry in entries:
            by_household[entry.household_id].append(entry)
        for household in households:
            for entry in by_household[household.pk]:
                entry.household = household
            household.prefetched_entries = by_household[household.pk]

    def resolve_history(root, info):
        return root.snapshots.order_by("-period")

    def resolve_objections(root, info):
        return Objection.objects.filter(entry__household=root).select_related(
            "entry__household", "entry__rule"
        )


# Fields with a resolver of their own, per GraphQL type, and the model fields each reads.
_RESOLVERS_READ = {
    "Entry": {
        "__typename": (),
        "id": (),  # the primary key, always loaded
        "rule": ("rule",),  # select_related
        "householdCode": ("household",),  # set by HouseholdType.prepare_page
        "finding": (),  # its own query, by the entry's id
    },
    "Rule": {"__typename": (), "id": ()},
}


def columns_read(info, type_name: str, model, fields: list[FieldNode]) -> set[str] | None:
    """The fields of ``model`` that the objects asked under ``fields`` read, for ``only()``.

    Plain fields read their column; a field with a resolver not listed in
    ``_RESOLVERS_READ`` (a plugin's, a new one) makes this None: every column.
    """
    plain = leaf_plans(info.schema.get_type(type_name))
    concrete = {f.attname: f.name for f in model._meta.concrete_fields}
    reads = _RESOLVERS_READ[type_name]
    columns: set[str] = set()
    for name in selected_fields(info, fields):
        if name in reads:
            columns.update(reads[name])
        elif name in plain and plain[name][0] in concrete:
            columns.add(concrete[plain[name][0]])
        else:
            return None
    return columns


def entry_columns(info, fields: list[FieldNode]) -> list[str] | None:
    """The ScoreEvent fields (and its rule's) that the entries asked under ``fields`` read.

    A page's newest entries were fetched whole, with their whole rules (every column,
    their dates parsed, their texts copied) to answer three fields: ~3 ms of CPU of a
    page of 50 households. None: read every column, as before.
    """
    columns = columns_read(info, EntryType._meta.name, ScoreEvent, fields)
    if columns is None:
        return None
    columns.add("household")  # prepare_page groups the entries by household_id
    if "rule" in columns:
        rule = selected_fields(info, fields).get("rule", [])
        rule_columns = columns_read(info, RuleType._meta.name, Rule, rule)
        if rule_columns is not None:
            columns.update(f"rule__{name}" for name in rule_columns | {"id"})
    return sorted(columns)


def with_shared_rules(entries: QuerySet, columns: list[str]) -> list[ScoreEvent]:
    """``entries`` with only ``columns`` (``entry_columns``' answer, rule columns
    included), each rule one object shared by its entries, in one statement as
    ``only()`` with ``select_related`` would read them.

    A page of 50 with three entries each built 150 rule instances for a dozen rules;
    the rows are read as tuples and each rule built once."""
    asked = {name for name in columns if "__" not in name} | {"id"}
    rule_asked = {name.split("__", 1)[1] for name in columns if name.startswith("rule__")}
    rule_asked.add("id")
    own = [f.attname for f in ScoreEvent._meta.concrete_fields if f.name in asked]
    rule_own = [f.attname for f in Rule._meta.concrete_fields if f.name in rule_asked]
    rule_at = own.index("rule_id")
    width = len(own)
    db = entries.db
    rules: dict[int, Rule] = {}
    found = []
    for row in entries.values_list(*own, *(f"rule__{name}" for name in rule_own)):
        entry = ScoreEvent.from_db(db, own, row[:width])
        rule = rules.get(row[rule_at])
        if rule is None:
            rule = rules[row[rule_at]] = Rule.from_db(db, rule_own, row[width:])
        entry._state.fields_cache["rule"] = rule  # as select_related leaves it
        found.append(entry)
    return found


def newest_per_household(model, household_ids: list[int], order: str, limit: int) -> RawSQL:
    """Ids of each household's newest ``limit`` rows of ``model`` (for ``pk__in``)."""
    table = connection.ops.quote_name(model._meta.db_table)
    return RawSQL(
        f"SELECT x.id FROM unnest(%s::bigint[]) AS h(id) CROSS JOIN LATERAL "
        f"(SELECT id FROM {table} WHERE household_id = h.id ORDER BY {order} LIMIT %s) AS x",
        (household_ids, limit),
    )


class Standing(NamedTuple):
    """A household's official standing: its latest finalised month."""

    period: dt.date
    tier: str
    score: int


def selects_standing(info) -> bool:
    """Whether the query asks a household's official standing below the current field."""
    return any(selected_field(info, name) for name in ("tier", "score", "evaluatedMonth"))


def set_standing(household: Household, row: tuple | None) -> None:
    """Remember ``(period, tier, score)`` (None: never evaluated) for ``official_standing``."""
    household.standing_period, household.standing_tier, household.standing_score = row or (
        None,
        None,
        None,
    )


def with_official_standing(queryset: QuerySet) -> QuerySet:
    """``queryset`` of households annotated with their latest snapshot's month, tier, score:
    for single households (subqueries in the select list; an OFFSET would compute them
    for every row it skips)."""
    latest = HouseholdSnapshot.objects.filter(household=OuterRef("pk")).order_by("-period")
    return queryset.annotate(
        standing_period=Subquery(latest.values("period")[:1]),
        standing_tier=Subquery(latest.values("tier")[:1]),
        standing_score=Subquery(latest.values("score")[:1]),
    )


def official_standing(household: Household) -> Standing | None:
    """From ``with_official_standing``'s columns, or one query remembered on the household."""
    if not hasattr(household, "standing_period"):
        found = household.snapshots.order_by("-period").values_list("period", "tier", "score")
        set_standing(household, found.first())
    if household.standing_period is None:
        return None
    return Standing(household.standing_period, household.standing_tier, household.standing_score)


# --- evaluation -----------------------------------------------------------------------


class AssignmentType(DjangoObjectType):
    class Meta:
        model = Assignment
        name = "Assignment"
        fields = ("household", "role", "rated_at")
        convert_choices_to_enum = False

    evaluator = graphene.String(required=True, description="The evaluator's e-mail")

    @bypass_get_queryset
    def resolve_household(root, info):
        return root.household

    def resolve_evaluator(root, info) -> str:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=root.evaluator_id).first()
        return user.email if user else str(root.evaluator_id)


class RoundType(DjangoObjectType):
    """A village's monthly joint evaluation."""

    class Meta:
        model = EvaluationRound
        name = "EvaluationRound"
        fields = ("village", "status", "opened_at", "finalised_at", "finalised_by_label")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    month = graphene.String(required=True)
    assigned = graphene.Int(required=True, description="Households assigned to an evaluator")
    rated = graphene.Int(required=True, description="Assigned households already rated")
    assignments = graphene.List(graphene.NonNull(AssignmentType), required=True)

    def resolve_month(root, info) -> str:
        return f"{root.period:%Y-%m}"

    @bypass_get_queryset
    def resolve_village(root, info):
        return root.village

    def resolve_assigned(root, info) -> int:
        from platform_core.evaluation.selectors import round_progress

        return round_progress(root)["assigned"]

    def resolve_rated(root, info) -> int:
        from platform_core.evaluation.selectors import round_progress

        return round_progress(root)["rated"]

    def resolve_assignments(root, info):
        return root.assignments.select_related("household").order_by("household__code", "role")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        villages = viewer(info).villages(STAFF_ROLES)
        if villages is None:
            return queryset.select_related("village")
        return queryset.filter(village__code__in=sorted(villages)).select_related("village")


# --- honour boards ----------------------------------------------------------------


class BoardEntryType(DjangoObjectType):
    class Meta:
        model = BoardEntry
        name = "BoardEntry"
        fields = ("kind", "masked_name", "score")
        convert_choices_to_enum = False


class BoardType(DjangoObjectType):
    """A published quarterly honour board (masked names; never changes)."""

    class Meta:
        model = HonourBoard
        name = "HonourBoard"
        fields = (
            "village",
            "year",
            "quarter",
            "includes_red",
            "published_by_label",
            "published_at",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection

    based_on_month = graphene.String(required=True)
    entries = graphene.List(graphene.NonNull(BoardEntryType), required=True)
    enterprises = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description=(
            "The board's integrity merchants and firms (green), by registered name (public, "
            "unmasked), best score first; never in entries"
        ),
    )

    @bypass_get_queryset
    def resolve_village(root, info):
        return root.village

    def resolve_based_on_month(root, info) -> str:
        return f"{root.based_on:%Y-%m}"

    def resolve_entries(root, info):
        return sorted(shown_entries(root), key=lambda e: (e.kind, -e.score, e.masked_name))

    def resolve_enterprises(root, info) -> list[str]:
        return [entry.masked_name for entry in enterprise_entries(root)]

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        return (
            queryset.select_related("village") if viewer(info).is_authenticated else queryset.none()
        )


# --- the alliance -------------------------------------------------------------------


class AllianceMemberType(DjangoObjectType):
    class Meta:
        model = AllianceMember
        name = "AllianceMember"
        fields = ("code", "name", "kind", "contact", "active")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        return queryset if viewer(info).is_authenticated else queryset.none()


class BenefitTypeType(graphene.ObjectType):
    """A benefit an enabled plugin offers (what ``eligibility`` can be asked about)."""

    class Meta:
        name = "BenefitType"

    code = graphene.String(required=True)
    title_zh = graphene.String(required=True)
    title_en = graphene.String(required=True)
    plugin = graphene.String(required=True)
    legal_basis = graphene.String(required=True)


class ConsentType(DjangoObjectType):
    """A household's consent (PIPL Art. 23) for one alliance member to learn more than yes
    or no: scope, channel, who granted it and when, and its withdrawal."""

    class Meta:
        model = Consent
        name = "Consent"
        fields = (
            "member",
            "scope",
            "channel",
            "granted_at",
            "granted_by_label",
            "withdrawn_at",
            "withdrawn_by_label",
            "withdrawal_channel",
        )
        convert_choices_to_enum = False

    household_code = graphene.String(required=True)
    in_force = graphene.Boolean(required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_in_force(root, info) -> bool:
        return root.withdrawn_at is None

    @bypass_get_queryset
    def resolve_member(root, info):
        return root.member


def _whole_answer(root, info) -> bool:
    """The household and its village's staff see every check whole; the asking institution
    sees only yes or no when it asked without the household's consent (PIPL Art. 23)."""
    return not root.narrowed or sees_personal_data(viewer(info), root.household)


class EligibilityAnswerType(DjangoObjectType):
    """One logged eligibility check: who asked about whom, when, and the answer.

    Asked for an institution without the household's consent (``narrowed``), the
    institution sees only ``eligible``: ``tier``, ``reason`` and ``legalBasis`` are
    null for it."""

    class Meta:
        model = EligibilityCheck
        name = "EligibilityAnswer"
        fields = (
            "benefit_code",
            "eligible",
            "answered_by",
            "member",
            "narrowed",
            "checked_by_label",
            "checked_at",
        )

    household_code = graphene.String(required=True)
    tier = TierEnum(description="The household's official tier when asked")
    reason = graphene.String(description="Why; null for an institution without consent")
    legal_basis = graphene.String(
        description="The basis of a restriction; null for an institution without consent"
    )
    consent_scope = graphene.String(
        description="Scope of the household's consent the answer was given under (null: none)"
    )

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_tier(root, info):
        return (root.tier or None) if _whole_answer(root, info) else None

    def resolve_reason(root, info):
        return root.reason if _whole_answer(root, info) else None

    def resolve_legal_basis(root, info):
        return root.legal_basis if _whole_answer(root, info) else None

    def resolve_consent_scope(root, info):
        return root.consent.scope if root.consent_id else None

    @bypass_get_queryset
    def resolve_member(root, info):
        return root.member


class GrantType(DjangoObjectType):
    class Meta:
        model = Grant
        name = "Grant"
        fields = ("member", "benefit_code", "note", "granted_by_label", "granted_at")
        interfaces = (TownshipNode,)
        connection_class = CountedConnection

    household_code = graphene.String(required=True)
    masked_name = graphene.String(required=True)

    def resolve_household_code(root, info) -> str:
        return root.household.code

    def resolve_masked_name(root, info) -> str:
        return mask_name(root.household.head_name)

    @bypass_get_queryset
    def resolve_member(root, info):
        return root.member

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        """Staff see all grants; a clerk only their own institution's."""
        who = viewer(info)
        queryset = queryset.select_related("member", "household")
        mine = Q(member__code__in=sorted(who.institution_codes))
        villages = who.villages(STAFF_ROLES)
        if villages is None:
            return queryset
        return queryset.filter(mine | Q(household__village__code__in=sorted(villages)))
