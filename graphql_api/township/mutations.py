"""Write fields of the township endpoint: thin wrappers around the services.

Every mutation returns its result and ``errors`` (``FieldError``: the input field,
a code and a message). Bad input and refused business rules come back there,
nothing half-written; a missing role is a top-level ``FORBIDDEN`` error.
"""

from __future__ import annotations

import datetime as dt

import graphene
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from graphql_api.core import decode_id, require, require_somewhere, viewer
from graphql_api.errors import BAD_INPUT, NOT_FOUND, REFUSED, InputError
from graphql_api.mutations import PlatformMutation
from graphql_api.township.queries import ApiTokenType, parse_month
from graphql_api.township.types import (
    AllianceMemberType,
    BoardType,
    ConsentType,
    DeclarationType,
    EligibilityAnswerType,
    EntryType,
    GrantType,
    HouseholdType,
    ObjectionType,
    RepairApplicationType,
    RoundType,
    RuleType,
)
from platform_core.accounts.models import ApiToken, Role
from platform_core.accounts.selectors import ADMIN_ROLES, REVIEWER_ROLES, STAFF_ROLES
from platform_core.households.models import Grid, Household, Village
from platform_core.scoring.models import (
    Declaration,
    Objection,
    RepairApplication,
    Rule,
    ScoreEvent,
)

# --- lookups that name the field they came from -------------------------------------


def household_by_code(info, code: str, field: str = "householdCode") -> Household:
    household = HouseholdType.get_queryset(Household.objects, info).filter(code=code).first()
    if household is None:
        raise InputError(field, NOT_FOUND, _("No household %(code)s.") % {"code": code})
    return household


def subject_by_code(info, code: str, field: str = "householdCode") -> Household:
    """A household, merchant or firm the viewer sees (the same visibility as households)."""
    subject = HouseholdType.get_queryset(Household.subjects, info).filter(code=code).first()
    if subject is None:
        raise InputError(
            field, NOT_FOUND, _("No household, merchant or firm %(code)s.") % {"code": code}
        )
    return subject


def village_by_code(code: str, field: str = "villageCode") -> Village:
    village = Village.objects.filter(code=code).first()
    if village is None:
        raise InputError(field, NOT_FOUND, _("No village %(code)s.") % {"code": code})
    return village


def rule_by_code(code: str, field: str = "ruleCode") -> Rule:
    rule = Rule.objects.filter(code=code).first()
    if rule is None:
        raise InputError(field, NOT_FOUND, _("No rule %(code)s.") % {"code": code})
    return rule


def entry_by_id(info, global_id: str, field: str = "entryId") -> ScoreEvent:
    pk = decode_id(info, global_id, "Entry")
    entry = EntryType.get_queryset(ScoreEvent.objects, info).filter(pk=pk).first()
    if entry is None:
        raise InputError(field, NOT_FOUND, _("No entry %(id)s.") % {"id": global_id})
    return entry


def user_by_email(email: str, field: str) -> object:
    user = get_user_model().objects.filter(username=email).first()
    if user is None:
        raise InputError(field, NOT_FOUND, _("No user %(email)s.") % {"email": email})
    return user


def evaluator_by_email(email: str, role: str, village) -> object:
    """The evaluator named by ``email``; unknown people and people without the role are
    refused alike (``evaluatorEmail``), so accounts cannot be found out this way."""
    from platform_core.evaluation.services import EvaluationError, require_evaluator

    user = get_user_model().objects.filter(username=email).first()
    try:
        require_evaluator(user, role, village, email)
    except EvaluationError as error:
        raise InputError("evaluatorEmail", NOT_FOUND, str(error)) from None
    return user


def past_or_today(value: dt.date, field: str) -> dt.date:
    from django.utils import timezone

    if value > timezone.localdate():
        raise InputError(field, BAD_INPUT, _("%(date)s is in the future.") % {"date": value})
    return value


# --- the ledger -------------------------------------------------------------------


class FormalFindingInput(graphene.InputObjectType):
    """The formal finding a deduction rests on (rules with requiresFinding, e.g. P7-01,
    P7-02): the authority, its document number and date, and the advance warning to the
    person concerned, which comes before the finding."""

    authority = graphene.String(required=True)
    document_number = graphene.String(required=True)
    found_on = graphene.Date(required=True)
    warned_on = graphene.Date(required=True)
    warning = graphene.String(required=True, description="How the person was warned")


class RecordEntry(PlatformMutation):
    """Record an entry. Entries by people who cannot review are always proposed."""

    class Arguments:
        household_code = graphene.String(
            required=True,
            description="A household's code, or a merchant's or firm's (recorded under the "
            "merchants' and firms' rules)",
        )
        rule_code = graphene.String(required=True)
        occurred_on = graphene.Date(required=True)
        evidence = graphene.String(required=True, description="What was seen, or which document")
        note = graphene.String(default_value="")
        points = graphene.Int(description="Default: the rule's points (same sign required)")
        external_id = graphene.String(
            description="Makes retries idempotent: the same externalId for the same household "
            "and rule returns the first entry; for another household or rule it is refused"
        )
        finding = FormalFindingInput(
            description="Required for a rule with requiresFinding (P7-01, P7-02); "
            "the entry is dated on or after the finding"
        )

    entry = graphene.Field(EntryType)

    @classmethod
    def perform(cls, info, household_code, rule_code, occurred_on, evidence, **data):
        from platform_core.scoring.services import ExternalIdConflict, record_by_hand

        household = subject_by_code(info, household_code)
        who = require(info, STAFF_ROLES, household.village.code)
        if not evidence.strip():
            raise InputError("evidence", BAD_INPUT, _("Evidence is required."))
        try:
            entry = record_by_hand(
                household=household,
                rule=rule_by_code(rule_code),
                occurred_on=past_or_today(occurred_on, "occurredOn"),
                recorder=who.actor,
                source="api",
                evidence=evidence,
                note=data.get("note") or "",
                points=data.get("points"),
                external_id=data.get("external_id"),
                finding=dict(data["finding"]) if data.get("finding") else None,
            )
        except ExternalIdConflict as conflict:
            raise InputError("externalId", REFUSED, str(conflict)) from None
        return {"entry": entry}


class ReviewEntry(PlatformMutation):
    """Approve or reject a proposed entry (never one you recorded; rejection needs a reason)."""

    class Arguments:
        entry_id = graphene.ID(required=True)
        approve = graphene.Boolean(required=True)
        reason = graphene.String(default_value="")

    entry = graphene.Field(EntryType)

    @classmethod
    def perform(cls, info, entry_id, approve, reason=""):
        from platform_core.scoring.services import review_entry

        entry = entry_by_id(info, entry_id)
        review_entry(entry, reviewer=viewer(info).actor, approve=approve, reason=reason)
        entry.refresh_from_db()
        return {"entry": entry}


class CorrectEntry(PlatformMutation):
    """Cancel an approved entry with a compensating one (approved entries never change)."""

    class Arguments:
        entry_id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    correction = graphene.Field(EntryType)

    @classmethod
    def perform(cls, info, entry_id, reason):
        from platform_core.scoring.services import correct_entry

        entry = entry_by_id(info, entry_id)
        require(info, REVIEWER_ROLES, entry.household.village.code)
        return {"correction": correct_entry(entry, by=viewer(info).actor, reason=reason)}


class FileObjection(PlatformMutation):
    """A household objects to a deduction (staff may file on its behalf)."""

    class Arguments:
        entry_id = graphene.ID(required=True)
        reason = graphene.String(required=True)
        on_behalf = graphene.Boolean(default_value=False)

    objection = graphene.Field(ObjectionType)

    @classmethod
    def perform(cls, info, entry_id, reason, on_behalf=False):
        from platform_core.scoring.services import file_objection

        entry = entry_by_id(info, entry_id)
        objection = file_objection(entry, by=viewer(info).actor, reason=reason, on_behalf=on_behalf)
        return {"objection": objection}


class DecideObjection(PlatformMutation):
    """The council upholds (the deduction is reversed) or dismisses an objection."""

    class Arguments:
        objection_id = graphene.ID(required=True)
        uphold = graphene.Boolean(required=True)
        reason = graphene.String(required=True)

    objection = graphene.Field(ObjectionType)

    @classmethod
    def perform(cls, info, objection_id, uphold, reason):
        from platform_core.scoring.services import decide_objection

        pk = decode_id(info, objection_id, "Objection")
        objection = ObjectionType.get_queryset(Objection.objects, info).filter(pk=pk).first()
        if objection is None:
            raise InputError("objectionId", NOT_FOUND, _("No objection %(id)s.") % {"id": pk})
        decided = decide_objection(
            objection, decider=viewer(info).actor, uphold=uphold, reason=reason
        )
        return {"objection": decided}


# --- credit repair (信用修复) -------------------------------------------------------


class ApplyForRepair(PlatformMutation):
    """A household applies for repair of its own approved deduction after corrective
    action (staff of its village may apply for it); one application pending per entry."""

    class Arguments:
        entry_id = graphene.ID(required=True)
        action = graphene.String(required=True, description="rectification, volunteering or other")
        evidence = graphene.String(
            required=True, description="What was done, where, and who can confirm it"
        )
        hours = graphene.Int(description="Volunteering hours (required for volunteering)")

    repair_application = graphene.Field(RepairApplicationType)

    @classmethod
    def perform(cls, info, entry_id, action, evidence, hours=None):
        from platform_core.scoring.repair import apply_for_repair

        entry = entry_by_id(info, entry_id)
        application = apply_for_repair(
            entry, by=viewer(info).actor, action=action, evidence=evidence, hours=hours
        )
        return {"repair_application": application}


class DecideRepair(PlatformMutation):
    """The council grants (the deduction stops counting from today) or refuses a repair,
    with a reason; never on a deduction it recorded nor an application it filed."""

    class Arguments:
        repair_application_id = graphene.ID(required=True)
        grant = graphene.Boolean(required=True)
        reason = graphene.String(required=True)

    repair_application = graphene.Field(RepairApplicationType)

    @classmethod
    def perform(cls, info, repair_application_id, grant, reason):
        from platform_core.scoring.repair import decide_repair

        pk = decode_id(info, repair_application_id, "RepairApplication")
        queryset = RepairApplicationType.get_queryset(RepairApplication.objects, info)
        application = queryset.filter(pk=pk).first()
        if application is None:
            raise InputError(
                "repairApplicationId",
                NOT_FOUND,
                _("No repair application %(id)s.") % {"id": repair_application_id},
            )
        decided = decide_repair(application, by=viewer(info).actor, grant=grant, reason=reason)
        return {"repair_application": decided}


# --- households' declarations (村民申报) -------------------------------------------


class DeclareGoodDeed(PlatformMutation):
    """A household declares its own good deed (only itself: anyone else is FORBIDDEN), under
    an active rule that awards points, within 90 days; photos go with the workbench form."""

    class Arguments:
        household_code = graphene.String(required=True)
        rule_code = graphene.String(required=True)
        occurred_on = graphene.Date(required=True)
        note = graphene.String(required=True, description="What happened, who saw it")

    declaration = graphene.Field(DeclarationType)

    @classmethod
    def perform(cls, info, household_code, rule_code, occurred_on, note):
        from platform_core.scoring.evidence import declare_good_deed

        declaration = declare_good_deed(
            household=household_by_code(info, household_code),
            rule=rule_by_code(rule_code),
            occurred_on=occurred_on,
            note=note,
            by=viewer(info).actor,
        )
        return {"declaration": declaration}


def declaration_by_id(info, global_id: str, field: str = "declarationId") -> Declaration:
    pk = decode_id(info, global_id, "Declaration")
    found = DeclarationType.get_queryset(Declaration.objects, info).filter(pk=pk).first()
    if found is None:
        raise InputError(field, NOT_FOUND, _("No declaration %(id)s.") % {"id": global_id})
    return found


class ConfirmDeclaration(PlatformMutation):
    """Staff of the household's village confirm a declaration: a proposed entry in their
    name, for the joint review (never one's own declaration)."""

    class Arguments:
        declaration_id = graphene.ID(required=True)
        evidence = graphene.String(
            default_value="", description="What was checked; default: the household's note"
        )

    declaration = graphene.Field(DeclarationType)
    entry = graphene.Field(EntryType)

    @classmethod
    def perform(cls, info, declaration_id, evidence=""):
        from platform_core.scoring.evidence import confirm_declaration

        declaration = declaration_by_id(info, declaration_id)
        entry = confirm_declaration(declaration, by=viewer(info).actor, evidence=evidence)
        declaration.refresh_from_db()
        return {"declaration": declaration, "entry": entry}


class DeclineDeclaration(PlatformMutation):
    """Staff of the household's village decline a declaration, with a reason it reads."""

    class Arguments:
        declaration_id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    declaration = graphene.Field(DeclarationType)

    @classmethod
    def perform(cls, info, declaration_id, reason):
        from platform_core.scoring.evidence import decline_declaration

        declaration = declaration_by_id(info, declaration_id)
        return {
            "declaration": decline_declaration(declaration, by=viewer(info).actor, reason=reason)
        }


class SaveRule(PlatformMutation):
    """Add or edit a covenant rule (township administrators). Entries keep their points."""

    class Arguments:
        code = graphene.String(required=True)
        title_zh = graphene.String()
        title_en = graphene.String()
        category = graphene.String()
        points = graphene.Int()
        needs_review = graphene.Boolean()
        active = graphene.Boolean()
        basis = graphene.String(
            description="Legal basis: covenant clause, law or document number; required for "
            "a deduction and an immediate rule"
        )
        immediate = graphene.Boolean(description="Counts at once, without the response window")
        requires_finding = graphene.Boolean(description="Recorded only on a formal finding")

    rule = graphene.Field(RuleType)
    created = graphene.Boolean()

    @classmethod
    def perform(cls, info, code, **fields):
        from graphql_api.errors import _camel
        from platform_core.scoring.services import IncompleteRule, save_rule

        who = require(info, (Role.TOWNSHIP_ADMIN,))
        fields = {k: v for k, v in fields.items() if v is not None}
        try:
            rule, created = save_rule(code=code, by=who.actor, **fields)
        except IncompleteRule as error:
            raise InputError(_camel(error.field), BAD_INPUT, str(error)) from None
        return {"rule": rule, "created": created}


# --- the monthly evaluation --------------------------------------------------------


def _round(info, global_id: str):
    from platform_core.evaluation.models import EvaluationRound

    pk = decode_id(info, global_id, "EvaluationRound")
    found = RoundType.get_queryset(EvaluationRound.objects, info).filter(pk=pk).first()
    if found is None:
        raise InputError("roundId", NOT_FOUND, _("No evaluation round %(id)s.") % {"id": pk})
    return found


class OpenRound(PlatformMutation):
    """Open a village's round for a month (last month's assignments carry over)."""

    class Arguments:
        village_code = graphene.String(required=True)
        month = graphene.String(required=True, description="YYYY-MM")

    round = graphene.Field(RoundType)

    @classmethod
    def perform(cls, info, village_code, month):
        from platform_core.evaluation.services import open_round

        village = village_by_code(village_code)
        who = require(info, ADMIN_ROLES, village.code)
        return {"round": open_round(village, parse_month(month), by=who.actor)}


class AssignHouseholds(PlatformMutation):
    """Link households to a party-member evaluator (党员联户) for the round."""

    class Arguments:
        round_id = graphene.ID(required=True)
        evaluator_email = graphene.String(required=True)
        household_codes = graphene.List(graphene.NonNull(graphene.String), required=True)

    round = graphene.Field(RoundType)
    assigned = graphene.Int()

    @classmethod
    def perform(cls, info, round_id, evaluator_email, household_codes):
        from platform_core.evaluation.services import assign_linked_households

        round_ = _round(info, round_id)
        who = require(info, ADMIN_ROLES, round_.village.code)
        evaluator = evaluator_by_email(evaluator_email, Role.PARTY_MEMBER, round_.village)
        households = [household_by_code(info, c, "householdCodes") for c in household_codes]
        count = assign_linked_households(round_, evaluator, households, by=who.actor)
        return {"round": round_, "assigned": count}


class AssignArea(PlatformMutation):
    """A group leader rates every household of a grid (联片评户)."""

    class Arguments:
        round_id = graphene.ID(required=True)
        evaluator_email = graphene.String(required=True)
        grid_name = graphene.String(required=True)

    round = graphene.Field(RoundType)
    assigned = graphene.Int()

    @classmethod
    def perform(cls, info, round_id, evaluator_email, grid_name):
        from platform_core.evaluation.services import assign_area

        round_ = _round(info, round_id)
        who = require(info, ADMIN_ROLES, round_.village.code)
        grid = Grid.objects.filter(village=round_.village, name=grid_name).first()
        if grid is None:
            raise InputError("gridName", NOT_FOUND, _("No grid %(name)s.") % {"name": grid_name})
        evaluator = evaluator_by_email(evaluator_email, Role.GROUP_LEADER, round_.village)
        return {"round": round_, "assigned": assign_area(round_, evaluator, grid, by=who.actor)}


class RateHousehold(PlatformMutation):
    """An assigned evaluator's rating: a proposed entry, or no rule for "nothing to note"."""

    class Arguments:
        round_id = graphene.ID(required=True)
        household_code = graphene.String(required=True)
        rule_code = graphene.String()
        evidence = graphene.String(default_value="")
        points = graphene.Int()
        note = graphene.String(default_value="")

    entry = graphene.Field(EntryType)

    @classmethod
    def perform(cls, info, round_id, household_code, rule_code=None, **data):
        from platform_core.evaluation.services import rate_household

        round_ = _round(info, round_id)
        entry = rate_household(
            round_,
            evaluator=viewer(info).actor,
            household=household_by_code(info, household_code),
            rule=rule_by_code(rule_code) if rule_code else None,
            evidence=data.get("evidence") or "",
            points=data.get("points"),
            note=data.get("note") or "",
        )
        return {"entry": entry}


class MonthResultType(graphene.ObjectType):
    class Meta:
        name = "MonthResult"

    month = graphene.String(required=True)
    households = graphene.Int(required=True)
    green = graphene.Int(required=True)
    blue = graphene.Int(required=True)
    red = graphene.Int(required=True)
    finalised = graphene.Boolean(required=True)
    villages_finalised_now = graphene.Int(required=True)


class FinaliseMonth(PlatformMutation):
    """Finalise a month (all villages, or the given ones). Idempotent.

    Refused while a village's public posting (公示) of the month runs or was never
    made, unless ``overridePosting`` gives a township administrator's reason.
    """

    atomic = False  # plugin entries are committed first on purpose (see finalise_month)

    class Arguments:
        month = graphene.String(required=True)
        village_codes = graphene.List(graphene.NonNull(graphene.String))
        override_posting = graphene.String(
            description="A township administrator's reason to finalise before the public "
            "posting period of every village concerned has ended (recorded)."
        )

    result = graphene.Field(MonthResultType)

    @classmethod
    def perform(cls, info, month, village_codes=None, override_posting=None):
        from platform_core.evaluation.services import finalise_month

        villages = [village_by_code(c, "villageCodes") for c in village_codes or ()] or None
        result = finalise_month(
            parse_month(month),
            by=viewer(info).actor,
            villages=villages,
            override_posting=override_posting,
        )
        return {
            "result": MonthResultType(
                month=result.period,
                households=result.households,
                green=result.green,
                blue=result.blue,
                red=result.red,
                finalised=result.finalized,
                villages_finalised_now=result.villages_finalised_now,
            )
        }


# --- boards ------------------------------------------------------------------------


class PublishBoard(PlatformMutation):
    """Publish a village's quarterly honour board (once; it never changes)."""

    class Arguments:
        village_code = graphene.String(required=True)
        year = graphene.Int(required=True)
        quarter = graphene.Int(required=True)

    board = graphene.Field(BoardType)

    @classmethod
    def perform(cls, info, village_code, year, quarter):
        from platform_core.publication.services import publish_board

        if quarter not in (1, 2, 3, 4):
            raise InputError("quarter", BAD_INPUT, _("A quarter is 1, 2, 3 or 4."))
        village = village_by_code(village_code)
        board = publish_board(village, year=year, quarter=quarter, publisher=viewer(info).actor)
        return {"board": board}


# --- the alliance --------------------------------------------------------------------


class CheckEligibility(PlatformMutation):
    """Whether the household may have the benefit now. Every check is logged."""

    # Staff of the household's village, or an alliance clerk for their institution.
    # A mutation, not a query: it writes the log, so it is POSTed (and CSRF-checked
    # for browser sessions), never answered over GET (issue 13).

    class Arguments:
        household_code = graphene.String(required=True)
        benefit = graphene.String(required=True)
        member_code = graphene.String(description="The asking institution (alliance clerks)")

    answer = graphene.Field(EligibilityAnswerType)

    @classmethod
    def perform(cls, info, household_code, benefit, member_code=None):
        from platform_core.alliance.lookup import subject_for_check
        from platform_core.alliance.models import AllianceMember
        from platform_core.alliance.services import check_eligibility

        who = require_somewhere(info, (*STAFF_ROLES, Role.ALLIANCE_MEMBER))
        # A household by its code; a merchant or firm by its code or credit code.
        household = subject_for_check(household_code)
        if household is None:
            message = _("No household %(code)s.") % {"code": household_code}
            raise InputError("householdCode", NOT_FOUND, message)
        if member_code is None and len(who.institution_codes) == 1 and not who.is_staff:
            member_code = next(iter(who.institution_codes))
        member = None
        if member_code:
            member = AllianceMember.objects.filter(code=member_code).first()
            if member is None:
                message = _("No alliance member %(code)s.") % {"code": member_code}
                raise InputError("memberCode", NOT_FOUND, message)
        return {"answer": check_eligibility(household, benefit, by=who.actor, member=member)}


def member_by_code(code: str, field: str = "memberCode"):
    from platform_core.alliance.models import AllianceMember

    member = AllianceMember.objects.filter(code=code).first()
    if member is None:
        raise InputError(field, NOT_FOUND, _("No alliance member %(code)s.") % {"code": code})
    return member


class GrantConsent(PlatformMutation):
    """A household consents (PIPL Art. 23) to an alliance member learning its tier, score
    and the reasons of an eligibility answer (scope ``standing``), or also its ledger
    history (``history``). The household itself (channel ``workbench``), or staff of its
    village on its behalf, naming the channel (``paper``, ``sms``, ``counter``)."""

    class Arguments:
        household_code = graphene.String(required=True)
        member_code = graphene.String(required=True)
        scope = graphene.String(default_value="standing", description="standing or history")
        channel = graphene.String(
            description="paper, workbench, sms or counter (default: workbench for the "
            "household itself; staff must name it)"
        )

    consent = graphene.Field(ConsentType)

    @classmethod
    def perform(cls, info, household_code, member_code, scope="standing", channel=None):
        from platform_core.alliance.services import grant_consent

        who = require_somewhere(info, (*STAFF_ROLES, Role.HOUSEHOLD))
        household = household_by_code(info, household_code)
        member = member_by_code(member_code)
        channel = channel or _own_channel(who, household_code)
        return {
            "consent": grant_consent(household, member, scope=scope, channel=channel, by=who.actor)
        }


class WithdrawConsent(PlatformMutation):
    """Withdraw a household's consent for an alliance member: from now on that member
    learns only eligible or not eligible. Who may: as for ``grantConsent``."""

    class Arguments:
        household_code = graphene.String(required=True)
        member_code = graphene.String(required=True)
        channel = graphene.String(description="As for grantConsent")

    consent = graphene.Field(ConsentType)

    @classmethod
    def perform(cls, info, household_code, member_code, channel=None):
        from platform_core.alliance.services import withdraw_consent

        who = require_somewhere(info, (*STAFF_ROLES, Role.HOUSEHOLD))
        household = household_by_code(info, household_code)
        member = member_by_code(member_code)
        channel = channel or _own_channel(who, household_code)
        return {"consent": withdraw_consent(household, member, channel=channel, by=who.actor)}


def _own_channel(who, household_code: str) -> str:
    """The household acting itself consents through its workbench or the API; staff name
    the channel the household used."""
    if household_code in who.household_codes:
        return "workbench"
    raise InputError("channel", BAD_INPUT, _("Say how the household gave its decision."))


class AddAllianceMember(PlatformMutation):
    """Add (or update) a bank, shop, firm or clinic of the alliance (township admins)."""

    class Arguments:
        code = graphene.String(required=True)
        name = graphene.String(required=True)
        kind = graphene.String(required=True, description="bank, shop, firm or clinic")
        contact = graphene.String(default_value="")

    member = graphene.Field(AllianceMemberType)

    @classmethod
    def perform(cls, info, code, name, kind, contact=""):
        from platform_core.alliance.services import add_member

        who = require(info, (Role.TOWNSHIP_ADMIN,))
        member = add_member(code=code, name=name, kind=kind, contact=contact, by=who.actor)
        return {"member": member}


class GrantBenefit(PlatformMutation):
    """An institution grants a benefit, after a fresh (logged) eligibility check."""

    atomic = False  # the eligibility check stays logged even when the grant is refused

    class Arguments:
        member_code = graphene.String(required=True)
        household_code = graphene.String(required=True)
        benefit = graphene.String(required=True)
        note = graphene.String(default_value="")

    grant = graphene.Field(GrantType)

    @classmethod
    def perform(cls, info, member_code, household_code, benefit, note=""):
        from platform_core.alliance.models import AllianceMember
        from platform_core.alliance.services import grant

        member = AllianceMember.objects.filter(code=member_code).first()
        if member is None:
            raise InputError(
                "memberCode", NOT_FOUND, _("No alliance member %(code)s.") % {"code": member_code}
            )
        household = Household.objects.select_related("village").filter(code=household_code).first()
        if household is None:
            raise InputError(
                "householdCode", NOT_FOUND, _("No household %(code)s.") % {"code": household_code}
            )
        given = grant(member, household, benefit, by=viewer(info).actor, note=note)
        return {"grant": given}


# --- API tokens ----------------------------------------------------------------------


class CreateApiToken(PlatformMutation):
    """Issue a token for yourself (township admins), for a role you hold here. Shown once."""

    class Arguments:
        user_email = graphene.String(
            description="Default: you. Tokens are issued only for the person asking; "
            "anyone else's e-mail is FORBIDDEN"
        )
        role = graphene.String(required=True)
        village_code = graphene.String(default_value="")
        label = graphene.String(required=True)
        expires_at = graphene.DateTime()

    token = graphene.String(description="The secret; store it now, it is never shown again")
    api_token = graphene.Field(ApiTokenType)

    @classmethod
    def perform(cls, info, role, label, user_email=None, village_code="", expires_at=None):
        from platform_core.accounts.services import issue_token, not_for_others

        who = require(info, (Role.TOWNSHIP_ADMIN,))
        if user_email and user_email not in (who.user.get_username(), who.user.email):
            raise not_for_others(who.actor)  # whoever it names: no lookup, no user oracle
        if role not in Role.values or role == Role.COUNTY_ADMIN:
            raise InputError("role", BAD_INPUT, _("Unknown role %(role)s.") % {"role": role})
        record, token = issue_token(
            who.user,
            info.context.township,
            role,
            label=label,
            by=who.actor,
            village_code=village_code,
            expires_at=expires_at,
        )
        return {"token": token, "api_token": record}


class RevokeApiToken(PlatformMutation):
    class Arguments:
        prefix = graphene.String(required=True)

    api_token = graphene.Field(ApiTokenType)

    @classmethod
    def perform(cls, info, prefix):
        from platform_core.accounts.services import revoke_token

        who = require(info, (Role.TOWNSHIP_ADMIN,))
        record = ApiToken.objects.filter(township=info.context.township, prefix=prefix).first()
        if record is None:
            raise InputError("prefix", NOT_FOUND, _("No token %(prefix)s.") % {"prefix": prefix})
        return {"api_token": revoke_token(record, by=who.actor)}


class TownshipCoreMutation(graphene.ObjectType):
    record_entry = RecordEntry.Field()
    review_entry = ReviewEntry.Field()
    correct_entry = CorrectEntry.Field()
    file_objection = FileObjection.Field()
    decide_objection = DecideObjection.Field()
    apply_for_repair = ApplyForRepair.Field()
    decide_repair = DecideRepair.Field()
    declare_good_deed = DeclareGoodDeed.Field()
    confirm_declaration = ConfirmDeclaration.Field()
    decline_declaration = DeclineDeclaration.Field()
    save_rule = SaveRule.Field()
    open_round = OpenRound.Field()
    assign_households = AssignHouseholds.Field()
    assign_area = AssignArea.Field()
    rate_household = RateHousehold.Field()
    finalise_month = FinaliseMonth.Field()
    publish_board = PublishBoard.Field()
    check_eligibility = CheckEligibility.Field()
    grant_consent = GrantConsent.Field()
    withdraw_consent = WithdrawConsent.Field()
    add_alliance_member = AddAllianceMember.Field()
    grant_benefit = GrantBenefit.Field()
    create_api_token = CreateApiToken.Field()
    revoke_api_token = RevokeApiToken.Field()


__all__ = ["TownshipCoreMutation", "EligibilityAnswerType", "PlatformMutation", "InputError"]
