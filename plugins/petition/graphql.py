"""GraphQL fields of petitions: cases and their steps, villages' status, early warnings.

Staff see the cases of their villages, a household the cases naming it, an
alliance clerk none. The services check the roles of every write; a case is
looked up through the same visibility, so another village's case is not found.
"""

from __future__ import annotations

import datetime as dt

import graphene
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType
from graphene_django.utils import bypass_get_queryset

from plugins.petition.models import Case, CaseStep, FollowUp, Kind
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    NOT_FOUND,
    CountedConnection,
    InputError,
    PageField,
    PlatformMutation,
    TownshipNode,
    household_by_code,
    parse_month,
    require,
    require_somewhere,
    row_by_id,
    viewer,
)
from township_integrity.models import Village
from township_integrity.roles import STAFF_ROLES


def visible_cases(who) -> Q:
    """Cases of the viewer's villages (staff) or naming the viewer's household."""
    villages = who.villages(STAFF_ROLES)
    if villages is None:
        return Q()
    return Q(village__code__in=sorted(villages)) | Q(
        household__code__in=sorted(who.household_codes)
    )


class PetitionCaseStepType(DjangoObjectType):
    class Meta:
        model = CaseStep
        name = "PetitionCaseStep"
        fields = ("status", "at", "by_label", "note")
        convert_choices_to_enum = False


class PetitionFollowUpType(DjangoObjectType):
    """A follow-up call (回访) of a case: due, made, by whom, what was said and how
    satisfied the citizen was (score 1-5)."""

    class Meta:
        model = FollowUp
        name = "PetitionFollowUp"
        fields = ("due", "at", "by_label", "result", "score", "satisfaction")
        convert_choices_to_enum = False


class PetitionCaseType(DjangoObjectType):
    """A petition, hotline, online, lawsuit or criminal case and its closed loop."""

    class Meta:
        model = Case
        name = "PetitionCase"
        fields = (
            "kind",
            "reference",
            "petitioner_name",
            "summary",
            "received_at",
            "status",
            "satisfaction",
            "determination",
            "determined_by_label",
            "determined_at",
            "determination_reason",
            "notice",
            "notified_at",
            "notified_by_label",
            "entry",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    village_code = graphene.String(required=True)
    household_code = graphene.String()
    steps = graphene.List(graphene.NonNull(PetitionCaseStepType), required=True)

    def resolve_village_code(root, info) -> str:
        return root.village.code

    def resolve_household_code(root, info) -> str | None:
        return root.household.code if root.household_id else None

    @bypass_get_queryset
    def resolve_entry(root, info):
        return root.entry  # the same household's entry: visible with the row

    def resolve_steps(root, info):
        from plugins.petition.selectors import case_steps

        return case_steps(root)

    # Deadlines (B1; docs/plugins/petition.md, "Deadlines").
    acknowledge_due = graphene.DateTime(description="Acknowledge (assign) by; null: none")
    handling_due = graphene.DateTime(description="Answer (respond) by; null: none")
    acknowledged_at = graphene.DateTime()
    responded_at = graphene.DateTime()
    closed_at = graphene.DateTime()
    escalated_at = graphene.DateTime(description="When the overdue case was escalated")
    overdue = graphene.Boolean(
        required=True, description="Past a deadline unacknowledged or unanswered, now"
    )

    def resolve_overdue(root, info) -> bool:
        return root.is_overdue()

    # Repeats, reopening and the follow-up call (plugins.petition.loop).
    merged_into = graphene.Field(
        lambda: PetitionCaseType, description="The main case this repeat was merged into"
    )
    merged_cases = graphene.List(
        graphene.NonNull(lambda: PetitionCaseType),
        required=True,
        description="Repeats merged into this case",
    )
    repeat_candidates = graphene.List(
        graphene.NonNull(lambda: PetitionCaseType),
        required=True,
        description="Cases of the same household and topic within the repeat window",
    )
    reopened_count = graphene.Int(required=True)
    topic = graphene.String(required=True)
    follow_up_due = graphene.DateTime(description="The follow-up call is due by (responded)")
    follow_up = graphene.Field(PetitionFollowUpType, description="The latest follow-up call")
    follow_ups = graphene.List(graphene.NonNull(PetitionFollowUpType), required=True)

    def resolve_merged_into(root, info):
        if root.merged_into_id is None:
            return None
        return Case.objects.filter(visible_cases(viewer(info)), pk=root.merged_into_id).first()

    def resolve_merged_cases(root, info):
        return root.merged_cases.filter(visible_cases(viewer(info))).order_by("received_at", "pk")

    def resolve_repeat_candidates(root, info):
        from plugins.petition.loop import repeat_candidates

        found = repeat_candidates(root)
        visible = Case.objects.filter(visible_cases(viewer(info)), pk__in=[c.pk for c in found])
        shown = set(visible.values_list("pk", flat=True))
        return [c for c in found if c.pk in shown]

    def resolve_follow_up(root, info):
        return root.follow_ups.order_by("-at", "-pk").first()

    def resolve_follow_ups(root, info):
        return root.follow_ups.order_by("at", "pk")

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        return queryset.filter(visible_cases(viewer(info))).select_related(
            "village", "household", "entry__household", "entry__rule"
        )


class PetitionKindCountType(graphene.ObjectType):
    class Meta:
        name = "PetitionKindCount"

    kind = graphene.String(required=True)
    cases = graphene.Int(required=True)


class PetitionVillageStatusType(graphene.ObjectType):
    """A village's cases by kind in a period, and whether it is a three-none village."""

    class Meta:
        name = "PetitionVillageStatus"

    village_code = graphene.String(required=True)
    village_name = graphene.String(required=True)
    three_none = graphene.Boolean(required=True, description="No petition, lawsuit or crime")
    cases = graphene.List(graphene.NonNull(PetitionKindCountType), required=True)


class PetitionEarlyWarningType(graphene.ObjectType):
    class Meta:
        name = "PetitionEarlyWarning"

    village_code = graphene.String(required=True)
    village_name = graphene.String(required=True)
    month = graphene.String(required=True)
    cases = graphene.Int(required=True)
    average = graphene.Float(required=True, description="Cases per month before")
    months = graphene.Int(required=True, description="Months the average covers")
    description = graphene.String(required=True)


# --- reads ---------------------------------------------------------------------------


def resolve_cases(root, info, village=None, status=None, month=None, kind=None, **_):
    from plugins.petition.selectors import received_between

    queryset = Case.objects.order_by("-received_at", "-pk")
    if village:
        queryset = queryset.filter(village__code=village)
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if month:
        start = parse_month(month)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        queryset = queryset.filter(received_between(start, end))
    return queryset


def resolve_case(root, info, **args):
    return case_by_id(info, args["id"], field="id")


def _staff_villages(info) -> set[str] | None:
    return require_somewhere(info, STAFF_ROLES).villages(STAFF_ROLES)


def resolve_village_status(root, info, start, end):
    from plugins.petition.selectors import village_status

    villages = _staff_villages(info)
    return [
        PetitionVillageStatusType(
            village_code=row.village.code,
            village_name=row.village.name,
            three_none=row.three_none,
            cases=[PetitionKindCountType(kind=k, cases=row.cases.get(k, 0)) for k in Kind.values],
        )
        for row in village_status(start, end)
        if villages is None or row.village.code in villages
    ]


def resolve_early_warnings(root, info, month):
    from plugins.petition.selectors import early_warnings

    villages = _staff_villages(info)
    return [
        PetitionEarlyWarningType(
            village_code=w.village.code,
            village_name=w.village.name,
            month=f"{w.month:%Y-%m}",
            cases=w.cases,
            average=w.average,
            months=w.months,
            description=w.describe(),
        )
        for w in early_warnings(parse_month(month))
        if villages is None or w.village.code in villages
    ]


# --- writes --------------------------------------------------------------------------


# Early-warning acknowledgement (B1; docs/plugins/petition.md, "Early warnings").
class PetitionWarningRecordType(graphene.ObjectType):
    """A kept early warning of a village and month, and its acknowledgement."""

    class Meta:
        name = "PetitionWarningRecord"

    village_code = graphene.String(required=True)
    month = graphene.String(required=True, description="YYYY-MM")
    cases = graphene.Int(required=True)
    average = graphene.Float(required=True)
    created_at = graphene.DateTime(required=True)
    acknowledged_at = graphene.DateTime()
    acknowledged_by_label = graphene.String(required=True)
    note = graphene.String(required=True)

    @staticmethod
    def of(record) -> PetitionWarningRecordType:
        return PetitionWarningRecordType(
            village_code=record.village.code,
            month=f"{record.month:%Y-%m}",
            cases=record.cases,
            average=record.average,
            created_at=record.created_at,
            acknowledged_at=record.acknowledged_at,
            acknowledged_by_label=record.acknowledged_by_label,
            note=record.note,
        )


class AcknowledgePetitionWarning(PlatformMutation):
    """Acknowledge a village's early warning with a note of what is being done (staff
    who handle the village's cases); who and when are recorded, once."""

    class Arguments:
        village_code = graphene.String(required=True)
        month = graphene.String(required=True, description="YYYY-MM")
        note = graphene.String(required=True, description="What is being done")

    warning = graphene.Field(PetitionWarningRecordType)

    @classmethod
    def perform(cls, info, village_code, month, note):
        from plugins.petition.models import EarlyWarning
        from plugins.petition.services import acknowledge_warning

        villages = _staff_villages(info)
        first = parse_month(month)
        record = None
        if villages is None or village_code in villages:
            record = (
                EarlyWarning.objects.select_related("village")
                .filter(village__code=village_code, month=first)
                .first()
            )
        if record is None:  # another village's, or no such warning: nothing says which
            message = _("No early warning of %(village)s for %(month)s.") % {
                "village": village_code,
                "month": month,
            }
            raise InputError("villageCode", NOT_FOUND, message)
        done = acknowledge_warning(record, by=viewer(info).actor, note=note)
        return {"warning": PetitionWarningRecordType.of(done)}


def case_by_id(info, global_id: str, field: str = "caseId") -> Case:
    """A case the viewer may see, or NOT_FOUND naming ``field``."""
    return row_by_id(info, PetitionCaseType, global_id, field)


class ReceivePetitionCase(PlatformMutation):
    """Register a case (staff of the village); its first step is ``received``."""

    class Arguments:
        kind = graphene.String(required=True, description="petition, hotline, online, ...")
        reference = graphene.String(required=True, description="The case number")
        village_code = graphene.String(required=True)
        summary = graphene.String(required=True)
        received_at = graphene.DateTime(required=True)
        household_code = graphene.String()
        petitioner_name = graphene.String(default_value="")
        topic = graphene.String(default_value="", description="What repeats are matched on")

    case = graphene.Field(PetitionCaseType)

    @classmethod
    def perform(cls, info, village_code, household_code=None, **data):
        from plugins.petition.services import receive_case

        require_somewhere(info, STAFF_ROLES)
        village = Village.objects.filter(code=village_code).first()
        if village is None:
            message = _("No village %(code)s.") % {"code": village_code}
            raise InputError("villageCode", NOT_FOUND, message)
        who = require(info, STAFF_ROLES, village.code)
        household = None
        if household_code:
            household = household_by_code(info, household_code)
            if household.village_id != village.pk:
                message = _("No household %(code)s in this village.") % {"code": household_code}
                raise InputError("householdCode", NOT_FOUND, message)
        return {"case": receive_case(village=village, household=household, by=who.actor, **data)}


class AdvancePetitionCase(PlatformMutation):
    """Move a case one step along its closed loop (closing records the satisfaction)."""

    class Arguments:
        case_id = graphene.ID(required=True)
        status = graphene.String(required=True, description="The next status")
        note = graphene.String(default_value="", description="Where a transfer went")
        satisfaction = graphene.String(default_value="", description="When closing")
        at = graphene.DateTime(description="Default: now")

    case = graphene.Field(PetitionCaseType)
    step = graphene.Field(PetitionCaseStepType)

    @classmethod
    def perform(cls, info, case_id, status, **data):
        from plugins.petition.services import advance

        case = case_by_id(info, case_id)
        step = advance(case, status, by=viewer(info).actor, **data)
        case.refresh_from_db()
        return {"case": case, "step": step}


class WarnPetitioner(PlatformMutation):
    """Record the advance warning given to the petitioner (先提醒): what they were told and
    when. A deducting determination needs it first (staff of the case's village)."""

    class Arguments:
        case_id = graphene.ID(required=True)
        warning = graphene.String(required=True, description="What the petitioner was told")
        at = graphene.DateTime(description="When (default: now)")

    case = graphene.Field(PetitionCaseType)

    @classmethod
    def perform(cls, info, case_id, warning, at=None):
        from plugins.petition.services import warn_petitioner

        case = case_by_id(info, case_id)
        return {"case": warn_petitioner(case, warning=warning, by=viewer(info).actor, at=at)}


class PetitionFindingInput(graphene.InputObjectType):
    """The formal finding an unreasonable, repeated or skip-level determination rests on."""

    authority = graphene.String(required=True, description="The authority that found it")
    document_number = graphene.String(required=True)
    found_on = graphene.Date(required=True, description="After the petitioner's warning")


class DeterminePetitionCase(PlatformMutation):
    """A reviewer's determination; unreasonable, repeated or skip-level deducts points, only
    on a formal finding after the petitioner was warned (warnPetitioner)."""

    class Arguments:
        case_id = graphene.ID(required=True)
        determination = graphene.String(required=True)
        reason = graphene.String(required=True)
        finding = PetitionFindingInput(
            description="Required for unreasonable, repeated and skip-level; the deduction is "
            "dated the day of the finding"
        )

    case = graphene.Field(PetitionCaseType)

    @classmethod
    def perform(cls, info, case_id, determination, reason, finding=None):
        from plugins.petition.services import determine

        case = case_by_id(info, case_id)
        reviewer = viewer(info).actor
        found = dict(finding) if finding else None
        return {
            "case": determine(case, determination, reviewer=reviewer, reason=reason, finding=found)
        }


# --- repeats, the follow-up call and reopening (plugins.petition.loop) ---------------


class MergePetitionCase(PlatformMutation):
    """Merge a repeat into its main case (same household; staff of the village): the
    repeat keeps its steps, is ``merged`` and points to the main case."""

    class Arguments:
        case_id = graphene.ID(required=True, description="The repeat")
        into_id = graphene.ID(required=True, description="The main case")
        reason = graphene.String(required=True, description="Why it is the same matter")

    case = graphene.Field(PetitionCaseType)
    into = graphene.Field(PetitionCaseType)

    @classmethod
    def perform(cls, info, case_id, into_id, reason):
        from plugins.petition.loop import merge_case

        case = case_by_id(info, case_id)
        into = case_by_id(info, into_id, field="intoId")
        merged = merge_case(case, into, viewer(info).actor, reason)
        into.refresh_from_db()
        return {"case": merged, "into": into}


class FollowUpPetitionCase(PlatformMutation):
    """Record the follow-up call (回访) of a responded case; the case closes with it."""

    class Arguments:
        case_id = graphene.ID(required=True)
        result = graphene.String(required=True, description="What the citizen said")
        satisfaction_score = graphene.Int(required=True, description="1 (worst) to 5 (best)")
        satisfied = graphene.String(
            required=True, description="satisfied, basically_satisfied or unsatisfied"
        )
        at = graphene.DateTime(description="Default: now")

    case = graphene.Field(PetitionCaseType)
    follow_up = graphene.Field(PetitionFollowUpType)

    @classmethod
    def perform(cls, info, case_id, result, satisfaction_score, satisfied, at=None):
        from plugins.petition.loop import record_follow_up

        case = case_by_id(info, case_id)
        call = record_follow_up(
            case, viewer(info).actor, result, satisfaction_score, satisfied, at=at
        )
        case.refresh_from_db()
        return {"case": case, "follow_up": call}


class ReopenPetitionCase(PlatformMutation):
    """Reopen a closed case the citizen was unsatisfied with, within the reopen window
    (staff of the village): back to handling, with a new handling deadline."""

    class Arguments:
        case_id = graphene.ID(required=True)
        reason = graphene.String(required=True)
        at = graphene.DateTime(description="Default: now")

    case = graphene.Field(PetitionCaseType)

    @classmethod
    def perform(cls, info, case_id, reason, at=None):
        from plugins.petition.loop import reopen_case

        case = case_by_id(info, case_id)
        return {"case": reopen_case(case, viewer(info).actor, reason, at=at)}


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "petition_cases": PageField(
                PetitionCaseType,
                resolver=resolve_cases,
                village=graphene.String(description="Village code"),
                status=graphene.String(),
                kind=graphene.String(),
                month=graphene.String(description="YYYY-MM received"),
                description="Cases the viewer may see, newest first",
            ),
            "petition_case": graphene.Field(
                PetitionCaseType,
                required=True,
                id=graphene.ID(required=True),
                resolver=resolve_case,
            ),
            "petition_village_status": graphene.List(
                graphene.NonNull(PetitionVillageStatusType),
                required=True,
                start=graphene.Date(required=True),
                end=graphene.Date(required=True),
                resolver=resolve_village_status,
                description="The staff's villages' cases by kind and three-none status",
            ),
            "petition_early_warnings": graphene.List(
                graphene.NonNull(PetitionEarlyWarningType),
                required=True,
                month=graphene.String(required=True),
                resolver=resolve_early_warnings,
                description="Villages whose cases rose well above their own average",
            ),
        },
        mutation_fields={
            "receive_petition_case": ReceivePetitionCase.Field(),
            "advance_petition_case": AdvancePetitionCase.Field(),
            "warn_petitioner": WarnPetitioner.Field(),
            "determine_petition_case": DeterminePetitionCase.Field(),
            "merge_petition_case": MergePetitionCase.Field(),
            "follow_up_petition_case": FollowUpPetitionCase.Field(),
            "reopen_petition_case": ReopenPetitionCase.Field(),
            "acknowledge_petition_warning": AcknowledgePetitionWarning.Field(),
        },
    )
