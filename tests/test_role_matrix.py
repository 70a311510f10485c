"""Role × operation matrix: every mutation, tried by every role, with each credential.

The mutations come from the live schemas: a township's with every built-in plugin
enabled, and the county's. Each one has a row below saying, for every principal
(a role, or the same role in another village, institution or township), what a
call with valid input must give: ``ALLOWED`` (no error, empty payload ``errors``),
``FORBIDDEN``, ``NOT_FOUND`` (a top-level or payload error: the role does not even
see the row) or ``UNAUTHENTICATED``. A mutation without a row, or a row without a
mutation, fails ``test_every_mutation_has_a_row_and_every_row_a_mutation``.

Every principal asks twice: as a browser session (signed in, CSRF token sent) and
with an API token of its role. A token must behave exactly like the session
narrowed to that one role, so one expectation covers both, except for those who
get no township token: county administrators (their county token is refused at
a township endpoint), superusers without a role here, the administrator of
another township and the anonymous caller — all ``UNAUTHENTICATED`` with a token.

Targets are in village V01 (household V01-0001, alliance bank B1, the shop S1's
V01 shop) unless a row says otherwise. One world is built per row and every
attempt runs in a savepoint that is rolled back; mismatches are reported together.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from graphql_api.assembly import township_schema
from graphql_api.county import county_schema
from platform_core.actors import Actor
from tests.role_matrix import (
    ALLOWED,
    FORBIDDEN,
    LAST_MONTH,
    NOT_FOUND,
    SESSION,
    THIS_MONTH,
    TODAY,
    UNAUTHENTICATED,
    Case,
    Grant,
    People,
    World,
    attempt,
    document_for,
    enable_every_plugin,
    expected_outcomes,
    global_id,
    json_compact,
    mutation_fields,
    principal,
)

pytestmark = pytest.mark.django_db

# --- who asks -------------------------------------------------------------------------

CA = "county_admin"
SU = "superuser"  # a platform superuser holding no membership
TA = "township_admin"
VC = "village_committee"  # of V01
VC2 = "village_committee_other_village"  # of V02
CM = "council_member"
PM = "party_member"
GL = "group_leader"
GW = "grid_worker"  # of V01
GW2 = "grid_worker_other_village"  # of V02
AM = "alliance_member"  # clerk of B1 (a bank)
AM2 = "alliance_member_other_institution"  # clerk of S1 (a shop)
HH = "household"  # speaks for V01-0001
HH2 = "household_other"  # speaks for V01-0002, a neighbour in V01
ANON = "anonymous"
OT = "other_township_admin"  # administrator of township B
RECORDER = "recorder"  # recorded the entries reviewed: council member and township admin
DUAL = "council_member_and_grid_worker"  # of V01: reviews as a person, not as a grid worker
APPLICANT = "applicant_clerk"  # a clerk of B1 who filed the loan application decided

PRINCIPALS = [
    principal(ANON),
    principal(CA, Grant(None, "county_admin")),
    principal(SU, superuser=True, token_as=Grant("A", "township_admin")),
    principal(TA, Grant("A", "township_admin")),
    principal(VC, Grant("A", "village_committee", "V01")),
    principal(VC2, Grant("A", "village_committee", "V02")),
    principal(CM, Grant("A", "council_member")),
    principal(PM, Grant("A", "party_member")),
    principal(GL, Grant("A", "group_leader")),
    principal(GW, Grant("A", "grid_worker", "V01")),
    principal(GW2, Grant("A", "grid_worker", "V02")),
    principal(AM, Grant("A", "alliance_member", institution="B1")),
    principal(AM2, Grant("A", "alliance_member", institution="S1")),
    principal(HH, Grant("A", "household", household="V01-0001")),
    principal(HH2, Grant("A", "household", household="V01-0002")),
    principal(OT, Grant("B", "township_admin")),
]
EXTRA_PRINCIPALS = [
    principal(
        RECORDER,
        Grant("A", "council_member"),
        Grant("A", "township_admin"),
        tokens=("council_member", "township_admin"),
    ),
    principal(
        DUAL,
        Grant("A", "council_member"),
        Grant("A", "grid_worker", "V01"),
        tokens=("council_member", "grid_worker"),
    ),
    principal(APPLICANT, Grant("A", "alliance_member", institution="B1")),
]
# Given the same answer to every mutation: no role here, or no credential at all.
OUTSIDERS = {ANON: UNAUTHENTICATED, OT: FORBIDDEN}
# Who gets no working token at a township endpoint (see the module docstring).
NO_TOWNSHIP_TOKEN = {CA, SU, OT, ANON}

EVERYWHERE = {CA, SU}  # sessions of county administrators and superusers: every role
REVIEWERS_V1 = {TA, VC, CM}
# QUESTION (reported): party members and group leaders are in STAFF_ROLES, so every
# "staff of the village" write below is theirs too (and, unscoped, in every village),
# while docs/api.md gives the evaluators rateHousehold only. The rows follow the code.
STAFF_V1 = {TA, VC, CM, PM, GL, GW}
OTHER_VILLAGE = {VC2, GW2}
ALLIANCE = {AM, AM2}
HOUSEHOLDS = {HH, HH2}
BASE = {p.name for p in PRINCIPALS} - set(OUTSIDERS)


def rows(**outcomes: set[str]) -> dict[str, frozenset[str]]:
    """``allowed=…, forbidden=…, not_found=…``: who gets which outcome.

    A principal is named once; ``"<principal>|<credential>"`` may add an exception
    for one credential (``DUAL + "|token:grid_worker"``).
    """
    names = {"allowed": ALLOWED, "forbidden": FORBIDDEN, "not_found": NOT_FOUND}
    return {names[k]: frozenset(v) for k, v in outcomes.items()}


def gid(w: World, type_name: str, row) -> str:
    return global_id(type_name, row, w.township)


def _petition_repeat(w: World):
    """A second petition of V01-0001 (a repeat of ``w.petition_case``), made once."""
    from plugins.petition.models import Case as PetitionCase
    from plugins.petition.services import receive_case

    found = PetitionCase.objects.filter(reference="XF-2").first()
    return found or receive_case(
        kind="petition",
        reference="XF-2",
        village=w.petition_case.village,
        household=w.petition_case.household,
        summary="road dispute again",
        received_at=timezone.now() - dt.timedelta(minutes=30),
        by=w.admin,
    )


def _petition_at(w: World, status: str):
    """``w.petition_case`` moved on to ``status`` (responded, or closed unsatisfied), once."""
    from plugins.petition.services import advance

    case = w.petition_case
    case.refresh_from_db()
    path = ["assigned", "handling", "responded"] + (["closed"] if status == "closed" else [])
    for step in path[path.index(case.status) + 1 :] if case.status in path else path:
        advance(case, step, by=w.admin, satisfaction="unsatisfied" if step == "closed" else "")
    return case


def _petition_warning(w: World) -> str:
    """An early warning of V01 for 2026-03 kept for acknowledgement, made once; its month."""
    from plugins.petition.models import EarlyWarning

    EarlyWarning.objects.get_or_create(
        village=w.petition_case.village,
        month=dt.date(2026, 3, 1),
        defaults={"cases": 5, "average": 1.0},
    )
    return "2026-03"


def _mediation_case(w: World):
    """A dispute of V01 accepted by its station, made once."""
    from plugins.mediation.models import Case as MediationCase
    from plugins.mediation.services import accept, request_mediation
    from tests import factories as f

    found = MediationCase.objects.filter(applicant_name="俞国明").first()
    if found is None:
        found = request_mediation(
            village=f.household("V01-0001").village,
            applicant_name="俞国明",
            phone="13800000000",
            phone_again="13800000000",
            category="neighbours",
            description="a wall between two yards",
        )
        accept(found, by=w.admin, phone_confirmed=True)
    return found


def email(name: str) -> str:
    return f"{name}@matrix.test"


def own_token_request(w: World, p) -> dict:
    """``createApiToken`` for the caller themselves, for the role they hold here."""
    held = p.first_role_in("A")
    return {
        "userEmail": p.email,
        "role": held.role if held else "township_admin",
        "villageCode": held.village if held else "",
        "label": "my own client",
    }


# --- the township matrix --------------------------------------------------------------

TOWNSHIP: dict[str, Case] = {
    # the ledger
    "recordEntry": Case(
        lambda w, p: {
            "householdCode": "V01-0001",
            "ruleCode": "P7-03",
            "occurredOn": str(TODAY),
            "evidence": "complaint file 7",
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "reviewEntry": Case(
        lambda w, p: {"entryId": gid(w, "Entry", w.proposed_entry), "approve": True},
        rows(
            allowed=EVERYWHERE | REVIEWERS_V1 | {DUAL},
            # nobody reviews an entry they recorded, whatever the credential; a token
            # is its one role: the council member's grid-worker token cannot review
            forbidden={PM, GL, GW, HH, RECORDER, f"{DUAL}|token:grid_worker"},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
        extras=(RECORDER, DUAL),
    ),
    "correctEntry": Case(
        lambda w, p: {"entryId": gid(w, "Entry", w.approved_entry), "reason": "approved in error"},
        rows(
            allowed=EVERYWHERE | REVIEWERS_V1 | {DUAL},
            forbidden={PM, GL, GW, HH, f"{DUAL}|token:grid_worker"},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
        extras=(DUAL,),
    ),
    # Staff may file for a household; the service records it as filed on its behalf.
    "fileObjection": Case(
        lambda w, p: {"entryId": gid(w, "Entry", w.deduction), "reason": "I was away"},
        rows(
            allowed=EVERYWHERE | STAFF_V1 | {HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "fileObjection/onBehalf": Case(
        lambda w, p: {
            "entryId": gid(w, "Entry", w.deduction),
            "reason": "the household was away",
            "onBehalf": True,
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "decideObjection": Case(
        lambda w, p: {
            "objectionId": gid(w, "Objection", w.objection),
            "uphold": False,
            "reason": "the file shows the complaint",
        },
        rows(
            allowed=EVERYWHERE | REVIEWERS_V1,
            # the recorder of the deduction never decides the objection to it
            forbidden={PM, GL, GW, HH, RECORDER},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
        extras=(RECORDER,),
    ),
    # Credit repair: the household (or staff for it) applies, the council decides.
    "applyForRepair": Case(
        lambda w, p: {
            "entryId": gid(w, "Entry", w.deduction),
            "action": "rectification",
            "evidence": "the fence is rebuilt",
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1 | {HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "decideRepair": Case(
        lambda w, p: {
            "repairApplicationId": gid(w, "RepairApplication", w.repair),
            "grant": True,
            "reason": "the fence is rebuilt",
        },
        rows(
            allowed=EVERYWHERE | REVIEWERS_V1,
            # the recorder of the deduction never decides its repair
            forbidden={PM, GL, GW, HH, RECORDER},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
        extras=(RECORDER,),
    ),
    # households' declarations: the household declares, staff of its village decide
    "declareGoodDeed": Case(
        lambda w, p: {
            "householdCode": "V01-0001",
            "ruleCode": "VO-01",
            "occurredOn": str(TODAY),
            "note": "helped at the flood",
        },
        rows(
            allowed={HH},  # only for itself: nobody declares for a household
            forbidden=EVERYWHERE | STAFF_V1,
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "confirmDeclaration": Case(
        lambda w, p: {"declarationId": gid(w, "Declaration", w.declaration), "evidence": "seen"},
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},  # its own declaration, and no staff role
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "declineDeclaration": Case(
        lambda w, p: {
            "declarationId": gid(w, "Declaration", w.declaration),
            "reason": "nobody saw it",
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "saveRule": Case(
        lambda w, p: {
            "code": "MX-01",
            "titleZh": "矩阵测试",
            "titleEn": "Matrix test",
            "category": "other",
            "points": 1,
        },
        rows(allowed=EVERYWHERE | {TA}, forbidden=BASE - EVERYWHERE - {TA}),
    ),
    # the monthly evaluation
    "openRound": Case(
        lambda w, p: {"villageCode": "V01", "month": f"{THIS_MONTH:%Y-%m}"},
        rows(allowed=EVERYWHERE | REVIEWERS_V1, forbidden=BASE - EVERYWHERE - REVIEWERS_V1),
    ),
    # The evaluator must hold the evaluator role for the round's village in this township;
    # an unknown e-mail and a person without the role are refused alike.
    "assignHouseholds": Case(
        lambda w, p: {
            "roundId": gid(w, "EvaluationRound", w.round),
            "evaluatorEmail": email(PM),
            "householdCodes": ["V01-0002"],
        },
        rows(
            allowed=EVERYWHERE | REVIEWERS_V1,
            forbidden={PM, GL, GW},
            not_found=OTHER_VILLAGE | ALLIANCE | HOUSEHOLDS,
        ),
    ),
    "assignArea": Case(
        lambda w, p: {
            "roundId": gid(w, "EvaluationRound", w.round),
            "evaluatorEmail": email(GL),
            "gridName": "第1网格",
        },
        rows(
            allowed=EVERYWHERE | REVIEWERS_V1,
            forbidden={PM, GL, GW},
            not_found=OTHER_VILLAGE | ALLIANCE | HOUSEHOLDS,
        ),
    ),
    "rateHousehold": Case(
        lambda w, p: {
            "roundId": gid(w, "EvaluationRound", w.round),
            "householdCode": "V01-0001",
            "ruleCode": "VO-01",
            "evidence": "helped at the flood",
        },
        rows(
            # only the evaluators assigned to V01-0001 in this round
            allowed={PM, GL},
            forbidden=EVERYWHERE | REVIEWERS_V1 | {GW},
            not_found=OTHER_VILLAGE | ALLIANCE | HOUSEHOLDS,
        ),
    ),
    "finaliseMonth": Case(
        lambda w, p: {"month": f"{LAST_MONTH:%Y-%m}"},
        rows(
            # a township-wide admin role: village committees finalise nothing
            allowed=EVERYWHERE | {TA, CM},
            forbidden=BASE - EVERYWHERE - {TA, CM},
        ),
    ),
    "publishBoard": Case(
        lambda w, p: {"villageCode": "V01", "year": 2026, "quarter": 1},
        rows(allowed=EVERYWHERE | REVIEWERS_V1, forbidden=BASE - EVERYWHERE - REVIEWERS_V1),
    ),
    # the alliance
    "checkEligibility": Case(
        lambda w, p: {"householdCode": "V01-0001", "benefit": "bank_loan"},
        rows(
            # staff of the household's village, or any clerk for their own institution
            allowed=EVERYWHERE | STAFF_V1 | ALLIANCE,
            forbidden=OTHER_VILLAGE | HOUSEHOLDS,
        ),
    ),
    "checkEligibility/forB1": Case(
        lambda w, p: {"householdCode": "V01-0001", "benefit": "bank_loan", "memberCode": "B1"},
        rows(
            allowed=EVERYWHERE | STAFF_V1 | {AM},
            forbidden=OTHER_VILLAGE | HOUSEHOLDS | {AM2},  # S1's clerk may not ask as B1
        ),
    ),
    # consent (PIPL Art. 23): the household itself, or staff of its village for it
    "grantConsent": Case(
        lambda w, p: {"householdCode": "V01-0001", "memberCode": "B1", "channel": "paper"},
        rows(
            allowed=EVERYWHERE | STAFF_V1 | {HH},
            forbidden=ALLIANCE,
            not_found=OTHER_VILLAGE | {HH2},
        ),
    ),
    "withdrawConsent": Case(
        lambda w, p: (
            w.consent and {"householdCode": "V01-0001", "memberCode": "B1", "channel": "sms"}
        ),
        rows(
            allowed=EVERYWHERE | STAFF_V1 | {HH},
            forbidden=ALLIANCE,
            not_found=OTHER_VILLAGE | {HH2},
        ),
    ),
    "addAllianceMember": Case(
        lambda w, p: {"code": "F1", "name": "河蟹公司", "kind": "firm"},
        rows(allowed=EVERYWHERE | {TA}, forbidden=BASE - EVERYWHERE - {TA}),
    ),
    "grantBenefit": Case(
        lambda w, p: {"memberCode": "B1", "householdCode": "V01-0001", "benefit": "bank_loan"},
        rows(
            # B1's clerk, or a township administrator for B1; S1's clerk is another institution
            allowed=EVERYWHERE | {TA, AM},
            forbidden=BASE - EVERYWHERE - {TA, AM},
        ),
    ),
    # API tokens: an administrator mints tokens for themselves only (revoking any is fine)
    "createApiToken/self": Case(
        own_token_request,
        rows(
            allowed={TA},
            # county administrators and superusers hold no role here to carry
            forbidden=BASE - {TA},
        ),
    ),
    "createApiToken/forAnother": Case(
        lambda w, p: {
            "userEmail": email(GW),
            "role": "grid_worker",
            "villageCode": "V01",
            "label": "field app",
        },
        rows(forbidden=BASE),
    ),
    "revokeApiToken": Case(
        lambda w, p: {"prefix": w.machine_token_prefix},
        rows(allowed=EVERYWHERE | {TA}, forbidden=BASE - EVERYWHERE - {TA}),
    ),
    # plugins
    "recordGarbageInspection": Case(
        lambda w, p: {"householdCode": "V01-0001", "inspectedOn": str(TODAY), "result": "correct"},
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden=ALLIANCE | HOUSEHOLDS,
            not_found=OTHER_VILLAGE,
        ),
    ),
    "issueIntegrityCard": Case(
        lambda w, p: {"householdCode": "V01-0001"},
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden=ALLIANCE | HOUSEHOLDS,
            not_found=OTHER_VILLAGE,
        ),
    ),
    "checkIntegrityCard": Case(
        lambda w, p: {"number": w.card.number, "memberCode": "B1"},
        rows(
            # B1's clerk, or a township-wide administrator naming B1; S1's clerk may not
            # ask as B1. Village committees (scoped) may not: the check is township-wide.
            allowed=EVERYWHERE | {TA, CM, AM},
            forbidden={VC, VC2, PM, GL, GW, GW2, AM2, HH, HH2},
        ),
    ),
    "applyForLoan": Case(
        lambda w, p: {
            "householdCode": "V01-0001",
            "productId": gid(w, "LoanProduct", w.loan_product),
            "amount": "10000",
        },
        rows(
            # a clerk files at the counter without seeing households; staff of V02 may not
            allowed=EVERYWHERE | STAFF_V1 | {AM},
            forbidden=OTHER_VILLAGE | HOUSEHOLDS,
            not_found={AM2},
        ),
    ),
    "decideLoanApplication": Case(
        lambda w, p: {
            "applicationId": gid(w, "LoanApplication", w.loan_application),
            "approve": True,
        },
        rows(
            allowed=EVERYWHERE | {TA, AM},
            # whoever filed the application (a clerk of the same bank) does not decide it
            forbidden={VC, CM, PM, GL, GW, HH, APPLICANT},
            not_found=OTHER_VILLAGE | {AM2, HH2},
        ),
        extras=(APPLICANT,),
    ),
    "drawCredit": Case(
        lambda w, p: {"lineId": gid(w, "CreditLine", w.credit_line), "amount": "1000"},
        rows(
            allowed=EVERYWHERE | {TA, AM},
            forbidden={VC, CM, PM, GL, GW, HH},
            not_found=OTHER_VILLAGE | {AM2, HH2},
        ),
    ),
    "receivePetitionCase": Case(
        lambda w, p: {
            "kind": "petition",
            "reference": "XF-9",
            "villageCode": "V01",
            "householdCode": "V01-0001",
            "summary": "water supply",
            "receivedAt": (timezone.now() - dt.timedelta(minutes=10)).isoformat(),
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden=OTHER_VILLAGE | ALLIANCE | HOUSEHOLDS,
        ),
    ),
    "advancePetitionCase": Case(
        lambda w, p: {"caseId": gid(w, "PetitionCase", w.petition_case), "status": "assigned"},
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},  # the petitioner sees the case, but does not handle it
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "warnPetitioner": Case(
        lambda w, p: {
            "caseId": gid(w, "PetitionCase", w.petition_case),
            "warning": "told: continuing lowers the household's points",
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "determinePetitionCase": Case(
        lambda w, p: {
            "caseId": gid(w, "PetitionCase", w.petition_case),
            "determination": "reasonable",
            "reason": "the road was blocked",
        },
        rows(
            allowed=EVERYWHERE | REVIEWERS_V1,
            forbidden={PM, GL, GW, HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    # Repeats, the follow-up call and reopening (plugins.petition.loop).
    "mergePetitionCase": Case(
        lambda w, p: {
            "caseId": gid(w, "PetitionCase", _petition_repeat(w)),
            "intoId": gid(w, "PetitionCase", w.petition_case),
            "reason": "the same road",
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "followUpPetitionCase": Case(
        lambda w, p: {
            "caseId": gid(w, "PetitionCase", _petition_at(w, "responded")),
            "result": "the road is repaired",
            "satisfactionScore": 4,
            "satisfied": "satisfied",
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    "reopenPetitionCase": Case(
        lambda w, p: {
            "caseId": gid(w, "PetitionCase", _petition_at(w, "closed")),
            "reason": "still flooded",
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden={HH},
            not_found=OTHER_VILLAGE | ALLIANCE | {HH2},
        ),
    ),
    # Early-warning acknowledgement (petition deadlines, B1).
    "acknowledgePetitionWarning": Case(
        lambda w, p: {"villageCode": "V01", "month": _petition_warning(w), "note": "visited"},
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden=ALLIANCE | HOUSEHOLDS,
            not_found=OTHER_VILLAGE,
        ),
    ),
    "placePointsOrder": Case(
        lambda w, p: {
            "householdCode": "V01-0001",
            "shopId": gid(w, "PointsShop", w.points_shop[0]),
            "lines": [{"itemId": gid(w, "PointsShopItem", w.points_shop[1]), "quantity": 1}],
            "reference": "R-1",
        },
        rows(
            # S1 runs the shop; B1's clerk is another institution
            allowed=EVERYWHERE | STAFF_V1 | {AM2},
            forbidden=OTHER_VILLAGE | HOUSEHOLDS | {AM},
        ),
    ),
    "recordCrabInspection": Case(
        lambda w, p: {
            "memberId": gid(w, "CrabMember", w.crab_member),
            "inspectedOn": str(TODAY),
            "results": [
                {"aspect": "water_quality", "passed": True},
                {"aspect": "drug_records", "passed": True},
                {"aspect": "quality_certification", "passed": True},
            ],
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden=ALLIANCE | HOUSEHOLDS,
            not_found=OTHER_VILLAGE,
        ),
    ),
    # Mediation (issue 19): the village station's mediators (its village committee) and
    # the township administrator; a session may be recorded any number of times.
    "recordMediationStep": Case(
        lambda w, p: {
            "caseId": gid(w, "MediationCase", _mediation_case(w)),
            "step": "session",
            "on": str(TODAY),
            "note": "both parties heard",
        },
        rows(
            allowed=EVERYWHERE | {TA, VC},
            forbidden={CM, PM, GL, GW, GW2} | ALLIANCE | HOUSEHOLDS,
            not_found={VC2},
        ),
    ),
    "recordVeteranActivity": Case(
        lambda w, p: {
            "veteranId": gid(w, "Veteran", w.veteran),
            "kind": "visit",
            "on": str(TODAY),
        },
        rows(
            allowed=EVERYWHERE | STAFF_V1,
            forbidden=ALLIANCE | HOUSEHOLDS,
            not_found=OTHER_VILLAGE,
        ),
    ),
}

# --- the county matrix ----------------------------------------------------------------
# County administrators only (county admins are not scoped to a county: any of them
# acts on every township). Township roles are FORBIDDEN with a session; their
# tokens are refused at the county endpoint (UNAUTHENTICATED).

COUNTY_ONLY = rows(allowed=EVERYWHERE, forbidden=BASE - EVERYWHERE)

COUNTY: dict[str, Case] = {
    "onboardTownship": Case(
        lambda w, p: {"code": "330502903", "name": "丙镇", "slug": "bing"}, COUNTY_ONLY
    ),
    "enablePlugin": Case(
        lambda w, p: {"townshipCode": "330502901", "key": "petition"}, COUNTY_ONLY
    ),
    "configurePlugin": Case(
        lambda w, p: {"townshipCode": "330502901", "key": "veterans", "settings": "{}"},
        COUNTY_ONLY,
    ),
    "disablePlugin": Case(
        lambda w, p: {"townshipCode": "330502901", "key": "veterans"}, COUNTY_ONLY
    ),
    "suspendTownship": Case(lambda w, p: {"code": "330502901"}, COUNTY_ONLY),
    "reactivateTownship": Case(lambda w, p: {"code": "330502902"}, COUNTY_ONLY),
    "refreshStatistics": Case(lambda w, p: {"codes": ["330502901"]}, COUNTY_ONLY),
}


def _mutation(key: str) -> str:
    return key.partition("/")[0]


def _expected(case: Case, county: bool) -> dict[tuple[str, str], str]:
    """(principal, credential) -> outcome, tokens derived from sessions (module docstring)."""
    by_principal = expected_outcomes(case.expect)
    exceptions = {k: by_principal.pop(k) for k in list(by_principal) if "|" in k}
    wanted = (BASE | set(case.extras)) - set(OUTSIDERS)
    assert set(by_principal) == wanted, (
        f"the row must name every principal once: missing {sorted(wanted - set(by_principal))}, "
        f"unknown {sorted(set(by_principal) - wanted)}"
    )
    by_principal.update(OUTSIDERS)
    found = {}
    for p in [*PRINCIPALS, *(e for e in EXTRA_PRINCIPALS if e.name in case.extras)]:
        for credential in p.credentials():
            result = by_principal[p.name]
            if credential != SESSION:
                if county:
                    result = result if p.name == CA else UNAUTHENTICATED
                elif p.name in NO_TOWNSHIP_TOKEN:
                    result = UNAUTHENTICATED
            found[(p.name, credential)] = exceptions.pop(f"{p.name}|{credential}", result)
    assert not exceptions, f"exceptions for unknown credentials: {sorted(exceptions)}"
    return found


def _run(key: str, case: Case, township, townships, url: str, world_for, fields_for) -> None:
    name = _mutation(key)
    expected = _expected(case, county=url == "/graphql/")
    principals = [*PRINCIPALS, *(e for e in EXTRA_PRINCIPALS if e.name in case.extras)]
    people = People([*PRINCIPALS, *EXTRA_PRINCIPALS], townships)  # the world needs them all
    world = world_for(people)
    fields = fields_for()
    assert name in fields, f"{name} is not a mutation of the schema any more"
    calls = {}
    with tenant_context(township):  # every part of the world is built before any attempt
        for p in principals:
            variables = case.variables(world, p)
            calls[p.name] = (document_for(name, fields[name], variables), variables)
    mismatches = []
    for (who, credential), wanted in expected.items():
        document, variables = calls[who]
        got = attempt(
            people.credentials[(who, credential)],
            url,
            document,
            variables,
            name,
            f"{who} | {credential}",
        )
        if got != wanted:
            mismatches.append(f"  {key} | {who} | {credential}: expected {wanted}, got {got}")
    assert not mismatches, (
        f"{len(mismatches)} of {len(expected)} attempts differ from the table "
        f"(variables of the first principal: {json_compact(calls[principals[0].name][1])}):\n"
        + "\n".join(mismatches)
    )


@pytest.mark.parametrize("key", sorted(TOWNSHIP))
def test_township_role_matrix(key, township_a, township_b):
    _run(
        key,
        TOWNSHIP[key],
        township_a,
        {"A": township_a, "B": township_b},
        f"/t/{township_a.code}/graphql/",
        lambda people: World(township_a, people),  # enables every plugin
        lambda: mutation_fields(township_schema(township_a)),
    )


@pytest.mark.parametrize("key", sorted(COUNTY))
def test_county_role_matrix(key, township_a, township_b):
    from platform_core.plugins.services import enable_plugin
    from platform_core.townships.services import suspend_township

    def world_for(people):
        enable_plugin(township_a, "veterans")  # to configure or disable
        suspend_township(township_b, by=Actor.cli())  # to reactivate
        return None

    _run(
        key,
        COUNTY[key],
        township_a,
        {"A": township_a, "B": township_b},
        "/graphql/",
        world_for,
        lambda: mutation_fields(county_schema),
    )


def test_every_mutation_has_a_row_and_every_row_a_mutation(township_a):
    """New mutations must be classified here; rows of removed mutations must go."""
    enable_every_plugin(township_a)
    for schema, table, where in (
        (township_schema(township_a), TOWNSHIP, "township (every plugin enabled)"),
        (county_schema, COUNTY, "county"),
    ):
        live = set(mutation_fields(schema))
        rowed = {_mutation(key) for key in table}
        assert live - rowed == set(), f"{where}: mutations without a row: {sorted(live - rowed)}"
        assert rowed - live == set(), f"{where}: rows without a mutation: {sorted(rowed - live)}"
