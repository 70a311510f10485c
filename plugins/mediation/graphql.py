"""GraphQL fields of dispute mediation: the cases of the viewer's village stations,
statistics per village, and ``recordMediationStep`` (the workbench's steps but the scan).

Only mediators see them: a village committee member their village's cases, a township
administrator every village's; anyone else is FORBIDDEN. The applicant's phone is
part of the case (the station calls back); the signed scan is not served here.
"""

from __future__ import annotations

import graphene
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from plugins.mediation.models import Case, Status, Step
from plugins.mediation.selectors import cases_in, village_stats
from plugins.mediation.services import (
    MEDIATOR_ROLES,
    accept,
    reach_agreement,
    record_follow_up,
    record_session,
    refer,
)
from township_integrity import GraphQLContribution
from township_integrity.graphql import (
    BAD_INPUT,
    CountedConnection,
    InputError,
    PageField,
    PlatformMutation,
    TownshipNode,
    require_somewhere,
    row_by_id,
    viewer,
)


class MediationStepType(DjangoObjectType):
    class Meta:
        model = Step
        name = "MediationStep"
        fields = ("kind", "at", "on", "by_label", "note")
        convert_choices_to_enum = False


class MediationCaseType(DjangoObjectType):
    class Meta:
        model = Case
        name = "MediationCase"
        fields = (
            "receipt",
            "applicant_name",
            "phone",
            "other_party",
            "category",
            "description",
            "status",
            "received_at",
            "accepted_at",
            "settled_at",
            "agreement_text",
            "referred_at",
            "referred_to",
            "follow_up_on",
            "agreement_held",
            "closed_at",
        )
        interfaces = (TownshipNode,)
        connection_class = CountedConnection
        convert_choices_to_enum = False

    village_code = graphene.String(required=True)
    has_signed_scan = graphene.Boolean(required=True)
    steps = graphene.List(graphene.NonNull(MediationStepType), required=True)

    def resolve_village_code(root, info) -> str:
        return root.village.code

    def resolve_has_signed_scan(root, info) -> bool:
        return bool(root.agreement_scan)

    def resolve_steps(root, info):
        return root.steps.all()  # prefetched in order by get_queryset (Step's ordering)

    @classmethod
    def get_queryset(cls, queryset: QuerySet, info) -> QuerySet:
        codes = viewer(info).villages(MEDIATOR_ROLES)
        if codes is not None:
            queryset = queryset.filter(village__code__in=sorted(codes))
        # One query for every case's steps, whatever the page size.
        steps = Prefetch("steps", queryset=Step.objects.order_by("at", "pk"))
        return queryset.select_related("village").prefetch_related(steps)


class MediationVillageStats(graphene.ObjectType):
    village_code = graphene.String(required=True)
    village_name = graphene.String(required=True)
    received = graphene.Int(required=True)
    settled = graphene.Int(required=True, description="Agreements reached in the period")
    referred = graphene.Int(required=True, description="Failed and referred in the period")
    open = graphene.Int(required=True, description="Requested or accepted now")


def resolve_cases(root, info, village_code=None, status=None, **_args):
    require_somewhere(info, MEDIATOR_ROLES)
    if status and status not in Status.values:
        raise InputError(
            "status",
            BAD_INPUT,
            _("status %(value)r: use one of %(choices)s")
            % {"value": status, "choices": ", ".join(Status.values)},
        )
    queryset = cases_in(None)
    if village_code:
        queryset = queryset.filter(village__code=village_code)
    return queryset.filter(status=status) if status else queryset


def resolve_stats(root, info, start, end):
    found = require_somewhere(info, MEDIATOR_ROLES)
    if end < start:
        raise InputError("end", BAD_INPUT, _("The end is before the start."))
    return village_stats(start, end, found.villages(MEDIATOR_ROLES))


# step -> the service, called with the case, the actor and the mutation's arguments.
STEPS = {
    "accept": lambda case, by, a: accept(
        case, by=by, phone_confirmed=bool(a.get("phone_confirmed")), note=a.get("note") or ""
    ),
    "session": lambda case, by, a: record_session(
        case, by=by, on=_required(a, "on"), note=a.get("note") or ""
    ),
    "agreement": lambda case, by, a: reach_agreement(case, by=by, text=a.get("text") or ""),
    "refer": lambda case, by, a: refer(case, by=by, to=a.get("to") or "", note=a.get("note") or ""),
    "follow_up": lambda case, by, a: record_follow_up(
        case, by=by, on=_required(a, "on"), held=_required(a, "held"), note=a.get("note") or ""
    ),
}


def _required(arguments: dict, name: str):
    value = arguments.get(name)
    if value is None:
        raise InputError(
            name, BAD_INPUT, _("%(field)s is required for this step.") % {"field": name}
        )
    return value


class RecordMediationStep(PlatformMutation):
    """Record the next step of a case of the viewer's village stations (the signed scan is
    uploaded in the workbench)."""

    class Arguments:
        case_id = graphene.ID(required=True)
        step = graphene.String(
            required=True, description="accept, session, agreement, refer or follow_up"
        )
        phone_confirmed = graphene.Boolean(description="accept: the applicant was reached")
        on = graphene.Date(description="session, follow_up: the day")
        note = graphene.String()
        text = graphene.String(description="agreement: what the parties agreed")
        to = graphene.String(description="refer: court, petition_office or police")
        held = graphene.Boolean(description="follow_up: whether the agreement held")

    case = graphene.Field(MediationCaseType)

    @classmethod
    def perform(cls, info, case_id, step, **arguments):
        found = require_somewhere(info, MEDIATOR_ROLES)
        if step not in STEPS:
            raise InputError(
                "step",
                BAD_INPUT,
                _("step %(value)r: use one of %(choices)s")
                % {"value": step, "choices": ", ".join(STEPS)},
            )
        case = row_by_id(
            info, MediationCaseType, case_id, "caseId", missing=_("No mediation case %(id)s.")
        )
        done = STEPS[step](case, found.actor, arguments)
        return {"case": done.case}


def contribution() -> GraphQLContribution:
    return GraphQLContribution(
        query_fields={
            "mediation_cases": PageField(
                MediationCaseType,
                resolver=resolve_cases,
                village_code=graphene.String(),
                status=graphene.String(
                    description="requested, accepted, settled, referred or closed"
                ),
                description="Mediation cases of the viewer's village stations, oldest first",
            ),
            "mediation_stats": graphene.List(
                graphene.NonNull(MediationVillageStats),
                required=True,
                start=graphene.Date(required=True),
                end=graphene.Date(required=True),
                resolver=resolve_stats,
                description="Per village of the viewer: received, settled in the village, "
                "referred elsewhere (in the period) and open (now)",
            ),
        },
        mutation_fields={"record_mediation_step": RecordMediationStep.Field()},
        types=(MediationStepType,),
    )
