"""Issue 13, finding 1: separation of duties holds per person, whatever the credential.

A token carries only a role its owner really holds in that township (no
superuser "any role" shortcut), an administrator mints tokens only for
themselves, and nobody reviews their own entry or decides an objection to their
own deduction, by session, token or command line.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django_tenants.utils import schema_context

from platform_core.accounts.models import ApiToken, Membership, Role
from platform_core.accounts.services import grant_role, issue_token, token_digest
from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.scoring.models import ScoreEvent
from platform_core.scoring.services import (
    decide_objection,
    file_objection,
    record_entry,
    review_entry,
)
from tests import factories as f
from tests.api import codes, endpoint, gql, member, token_for

pytestmark = pytest.mark.django_db

D = dt.date

RECORD = """mutation($household: String!, $rule: String!, $on: Date!, $evidence: String!) {
  recordEntry(householdCode: $household, ruleCode: $rule, occurredOn: $on,
              evidence: $evidence) {
    entry { id status }
    errors { field code message }
  }
}"""

REVIEW = """mutation($id: ID!) {
  reviewEntry(entryId: $id, approve: true) {
    entry { status reviewedByLabel }
    errors { field code message }
  }
}"""

# As clients wrote it before userEmail became optional (it must keep working)...
MINT_FOR = """mutation($email: String!, $role: String!) {
  createApiToken(userEmail: $email, role: $role, label: "app") {
    token apiToken { prefix role userEmail } errors { field code message }
  }
}"""
# ...and without it: a token for the person asking.
MINT = """mutation($role: String!) {
  createApiToken(role: $role, label: "app") {
    token apiToken { prefix role userEmail } errors { field code message }
  }
}"""


@pytest.fixture
def jia(township_a, in_township):
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
    return township_a


def _signed_in(email: str, password: str = "pw") -> Client:
    client = Client()
    assert client.login(username=email, password=password)
    return client


def _superuser(email: str):
    with schema_context("public"):
        return get_user_model().objects.create_superuser(email, email, "pw")


def _record(client, township, token=None) -> str:
    body = gql(
        client,
        endpoint(township),
        RECORD,
        {"household": "V01-0003", "rule": "P7-03", "on": "2026-03-05", "evidence": "file 7"},
        token=token,
    )
    entry = body["data"]["recordEntry"]["entry"]
    assert entry["status"] == "proposed", body
    return entry["id"]


def _minted(body: dict) -> str | None:
    return ((body.get("data") or {}).get("createApiToken") or {}).get("token")


# --- (a) a township administrator reviews their own entry through a token ------------


def test_finding_1_an_admin_cannot_mint_a_council_token_to_review_their_own_entry(jia):
    member(jia, "council@jia.test", Role.COUNCIL_MEMBER)
    admin = _signed_in("admin@jia.test", "pw-jia")
    url = endpoint(jia)
    entry_id = _record(admin, jia)

    # For a council member: minting for someone else is refused outright.
    for_other = gql(admin, url, MINT_FOR, {"email": "council@jia.test", "role": "council_member"})
    assert codes(for_other) == ["FORBIDDEN"] and _minted(for_other) is None
    # For themselves: they hold no council membership.
    for_self = gql(admin, url, MINT_FOR, {"email": "admin@jia.test", "role": "council_member"})
    assert codes(for_self) == ["FORBIDDEN"] and _minted(for_self) is None
    with schema_context("public"):
        assert not ApiToken.objects.exists()
    own = gql(admin, url, REVIEW, {"id": entry_id})
    assert codes(own) == ["FORBIDDEN"]
    with schema_context(jia.schema_name):
        assert ScoreEvent.objects.get(evidence="file 7").status == "proposed"


def test_finding_1_a_superuser_admin_cannot_mint_a_role_they_do_not_hold(jia):
    boss = _superuser("boss@x.test")
    grant_role(boss, jia, Role.TOWNSHIP_ADMIN)
    client = _signed_in("boss@x.test")
    url = endpoint(jia)
    entry_id = _record(client, jia)

    refused = gql(client, url, MINT, {"role": "council_member"})
    assert codes(refused) == ["FORBIDDEN"] and _minted(refused) is None
    # The session is still everything a superuser may do, except reviewing their own entry.
    own = gql(client, url, REVIEW, {"id": entry_id})
    assert codes(own) == ["FORBIDDEN"] and "recorded it" in own["errors"][0]["message"]
    # With a token of a role they do hold, still the same person.
    minted = gql(client, url, MINT, {"role": "township_admin"})
    token = _minted(minted)
    assert token and minted["data"]["createApiToken"]["apiToken"]["userEmail"] == "boss@x.test"
    by_token = gql(Client(), url, REVIEW, {"id": entry_id}, token=token)
    assert codes(by_token) == ["FORBIDDEN"] and "recorded it" in by_token["errors"][0]["message"]


def test_finding_1_a_token_left_from_before_carries_no_role_its_owner_lacks(jia, in_township):
    """A council token of a superuser without a council membership (as the old code
    issued) works for nothing: neither at the endpoint nor in a service."""
    boss = _superuser("old@x.test")
    grant_role(boss, jia, Role.TOWNSHIP_ADMIN)
    secret = "ti_0badc0de_left-from-before"
    with schema_context("public"):
        record = ApiToken.objects.create(
            user=boss,
            township=jia,
            role=Role.COUNCIL_MEMBER,
            label="old",
            prefix="0badc0de",
            digest=token_digest(secret),
            created_by_label="old code",
        )
    url = endpoint(jia)
    body = gql(Client(), url, "{ township { code } }", token=secret)
    assert codes(body) in (["FORBIDDEN"], ["UNAUTHENTICATED"])
    me = gql(Client(), url, "{ me { everywhere roles { role } } }", token=secret)
    assert (me.get("data") or {}).get("me") in (None, {"everywhere": False, "roles": []})
    with in_township(jia):
        entry = record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("P7-03"),
            occurred_on=D(2026, 3, 2),
            recorder=f.person(),
            source="staff",
            evidence="file 8",
        )
        assert entry.status == "proposed"
        actor = Actor(label="old@x.test (token 0badc0de)", user=boss, roles=(record.role,))
        with pytest.raises(NotAllowed):
            review_entry(entry, reviewer=actor, approve=True)


# --- (b) a superuser mints a township token for a county account ---------------------


def test_finding_1_a_superuser_cannot_mint_an_admin_token_for_a_county_account(jia):
    boss = _superuser("boss@x.test")
    grant_role(boss, jia, Role.TOWNSHIP_ADMIN)
    county = _superuser("county@x.test")  # holds no role in 甲镇
    with schema_context("public"):
        Membership.objects.create(user=county, role=Role.COUNTY_ADMIN)
    client = _signed_in("boss@x.test")
    refused = gql(
        client, endpoint(jia), MINT_FOR, {"email": "county@x.test", "role": "township_admin"}
    )
    assert codes(refused) == ["FORBIDDEN"] and _minted(refused) is None
    # Nor through the service or the command line: a token copies a membership.
    with schema_context("public"), pytest.raises(NotAllowed):
        issue_token(county, jia, Role.TOWNSHIP_ADMIN, label="x", by=Actor.cli())
    with pytest.raises(CommandError, match="is not a township_admin"):
        call_command(
            "api_token",
            township=jia.code,
            user="county@x.test",
            role="township_admin",
            label="x",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    with schema_context("public"):
        assert not ApiToken.objects.filter(user=county).exists()


def test_finding_1_county_tokens_need_the_county_role(jia):
    """County tokens: a superuser or a county administrator, nobody else."""
    plain = member(jia, "plain@jia.test", Role.TOWNSHIP_ADMIN)
    county = _superuser("county@x.test")
    with schema_context("public"):
        with pytest.raises(NotAllowed):
            issue_token(plain, None, Role.COUNTY_ADMIN, label="x", by=Actor.cli())
        record, _token = issue_token(county, None, Role.COUNTY_ADMIN, label="x", by=Actor.cli())
        assert record.role == Role.COUNTY_ADMIN


# --- minting: only for yourself, only what you hold ---------------------------------


def test_finding_1_tokens_are_minted_for_oneself_with_or_without_user_email(jia):
    member(jia, "admin@jia.test", Role.COUNCIL_MEMBER)  # the onboarded admin sits on the council
    admin = _signed_in("admin@jia.test", "pw-jia")
    url = endpoint(jia)
    implicit = gql(admin, url, MINT, {"role": "council_member"})
    explicit = gql(admin, url, MINT_FOR, {"email": "admin@jia.test", "role": "council_member"})
    for body in (implicit, explicit):
        payload = body["data"]["createApiToken"]
        assert payload["errors"] == [] and payload["token"].startswith("ti_")
        assert payload["apiToken"]["userEmail"] == "admin@jia.test"
    # Bad input: a role that does not exist, an unknown e-mail (not someone else's: refused).
    unknown = gql(admin, url, MINT, {"role": "emperor"})
    assert unknown["data"]["createApiToken"]["errors"][0]["field"] == "role"
    nobody = gql(admin, url, MINT_FOR, {"email": "nobody@jia.test", "role": "council_member"})
    assert codes(nobody) == ["FORBIDDEN"]


def test_finding_1_only_administrators_mint_and_only_here(jia, township_b):
    grid = token_for(jia, "gw@jia.test", Role.GRID_WORKER, "V01")
    url = endpoint(jia)
    assert codes(gql(Client(), url, MINT, {"role": "grid_worker"}, token=grid)) == ["FORBIDDEN"]
    # 乙镇's administrator is nobody in 甲镇.
    other = _signed_in("admin@yi.test", "pw-yi")
    assert codes(gql(other, url, MINT, {"role": "township_admin"})) == ["FORBIDDEN"]


# --- per person, whatever the credential ------------------------------------------


def test_finding_1_nobody_reviews_their_own_entry_whatever_the_credential(jia, in_township):
    both = member(jia, "both@jia.test", Role.COUNCIL_MEMBER)
    member(jia, "both@jia.test", Role.GRID_WORKER, "V01")
    with schema_context("public"):
        _, grid = issue_token(
            both, jia, Role.GRID_WORKER, label="a", by=Actor.cli(), village_code="V01"
        )
        _, council = issue_token(both, jia, Role.COUNCIL_MEMBER, label="b", by=Actor.cli())
    url = endpoint(jia)
    # Recorded with one token, reviewed with another of the same person: refused.
    entry_id = _record(Client(), jia, token=grid)
    own = gql(Client(), url, REVIEW, {"id": entry_id}, token=council)
    assert codes(own) == ["FORBIDDEN"]
    # And by session, and from the command line (--operator).
    session = gql(_signed_in("both@jia.test"), url, REVIEW, {"id": entry_id})
    assert codes(session) == ["FORBIDDEN"]
    with in_township(jia):
        entry = ScoreEvent.objects.get(evidence="file 7")
        with pytest.raises(NotAllowed, match="recorded it"):
            review_entry(entry, reviewer=Actor.cli("both@jia.test"), approve=True)
        assert ScoreEvent.objects.get(pk=entry.pk).status == "proposed"


def test_finding_1_same_person_by_label_ignores_the_credential():
    """Where no user is known any more, the label decides, without its token suffix."""
    someone = Actor(label="a@x.test (token 1a2b3c4d)", user=None)
    assert someone.same_person(None, "a@x.test")
    assert someone.same_person(None, "a@x.test (token 99999999)")
    assert not someone.same_person(None, "b@x.test")
    assert Actor(label="cli:root").same_person(None, "cli:root")
    assert not Actor(label="cli:root").same_person(None, "cli:other")


def test_finding_1_nobody_decides_an_objection_to_their_own_deduction_or_one_they_filed(
    jia, in_township
):
    with in_township(jia):
        recorder, reviewer, filer = f.person(), f.person(), f.person()
        deduction = f.approved("V01-0001", "P7-04", D(2026, 3, 2), by=recorder, reviewer=reviewer)
        objection = file_objection(
            deduction, by=filer, reason="was away", on_behalf=True, today=D(2026, 3, 3)
        )
        token_actor = Actor(
            label=f"{recorder.label} (token x)", user=recorder.user, roles=("council_member",)
        )
        for decider in (recorder, token_actor):
            with pytest.raises(NotAllowed, match="recorded the deduction"):
                decide_objection(objection, decider=decider, uphold=True, reason="ok")
        with pytest.raises(NotAllowed, match="filed the objection"):
            decide_objection(objection, decider=filer, uphold=True, reason="ok")
        decided = decide_objection(objection, decider=f.person(), uphold=False, reason="seen")
        assert decided.status == "dismissed"


def test_finding_1_the_clerk_who_filed_a_loan_application_does_not_decide_it(jia, in_township):
    from platform_core.alliance.services import add_member
    from platform_core.plugins.services import enable_plugin
    from plugins.loans.services import add_product, apply, decide

    enable_plugin(jia, "loans")
    with in_township(jia):
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        clerk = f.person("filer", role="alliance_member", alliance_member_code="B1")
        colleague = f.person("colleague", role="alliance_member", alliance_member_code="B1")
        product = add_product(
            bank, name="鸿信贷", limit_green=1000, limit_blue=1000, annual_rate="4", by=clerk
        )
        application = apply(f.household("V01-0001"), product, 500, by=clerk)
        through_token = Actor.through_token(clerk.user, "1a2b3c4d", "alliance_member")
        for same in (clerk, through_token):
            with pytest.raises(NotAllowed, match="filed a loan application"):
                decide(application, approve=True, by=same)
        decided = decide(application, approve=True, by=colleague)
        assert decided.status == "approved"


def test_finding_1_tokens_minted_for_someone_else_are_revoked_on_upgrade(jia):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "platform_core.accounts.migrations.0004_revoke_tokens_minted_for_others"
    )
    own = member(jia, "own@jia.test", Role.GRID_WORKER, "V01")
    with schema_context("public"):
        made = {
            label: issue_token(
                own, jia, Role.GRID_WORKER, label=label, by=Actor(label=by), village_code="V01"
            )[0]
            for label, by in (
                ("by an admin", "admin@jia.test"),
                ("own", "own@jia.test"),
                ("own, via a token", "own@jia.test (token 1a2b3c4d)"),
                ("shell", "cli:root"),
            )
        }
        migration.revoke_minted_for_others(apps, None)
        revoked = {label for label, t in made.items() if ApiToken.objects.get(pk=t.pk).revoked_at}
    assert revoked == {"by an admin"}
