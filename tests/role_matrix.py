"""Machinery of the role × operation matrix (tests/test_role_matrix.py).

Principals (a role, or a role somewhere else), their credentials (a browser
session with the CSRF token, or an API token), a world of rows every mutation
can act on, and a runner that tries one mutation as every principal and
credential, each attempt in a savepoint that is rolled back, so one world serves
them all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tenants.utils import schema_context, tenant_context
from graphql import GraphQLNonNull, GraphQLObjectType, get_named_type

from platform_core.accounts.services import grant_role, issue_token
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from tests import factories as f

ALLOWED = "ALLOWED"
FORBIDDEN = "FORBIDDEN"
NOT_FOUND = "NOT_FOUND"
UNAUTHENTICATED = "UNAUTHENTICATED"
OUTCOMES = (ALLOWED, FORBIDDEN, NOT_FOUND, UNAUTHENTICATED)

SESSION = "session"
TOKEN = "token"

TODAY = timezone.localdate()
MARCH = dt.date(2026, 3, 1)  # finalised in every world: tiers, wallets, the Q1 board
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - dt.timedelta(days=1)).replace(day=1)


# --- principals -----------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    """One membership: ``township`` is "A" (the township under test), "B" (another) or None."""

    township: str | None
    role: str
    village: str = ""
    household: str = ""
    institution: str = ""


@dataclass(frozen=True)
class Principal:
    """Someone who asks: their memberships, and which ones get an API token.

    ``tokens`` lists the memberships (by role) a token is issued for; by default the
    first membership. ``token_as`` asks for a token of a role the person does not
    hold (a superuser trying their luck): where it is refused, the client has no
    credential at all.
    """

    name: str
    grants: tuple[Grant, ...] = ()
    superuser: bool = False
    tokens: tuple[str, ...] | None = None
    token_as: Grant | None = None

    @property
    def email(self) -> str:
        return f"{self.name}@matrix.test"

    def credentials(self) -> list[str]:
        roles = self.tokens if self.tokens is not None else [g.role for g in self.grants[:1]]
        if self.token_as is not None:
            roles = [self.token_as.role]
        if len(roles) <= 1:
            return [SESSION, TOKEN]
        return [SESSION, *(f"{TOKEN}:{role}" for role in roles)]

    def first_role_in(self, where: str) -> Grant | None:
        return next((g for g in self.grants if g.township == where), None)


def principal(name: str, *grants: Grant, **options) -> Principal:
    return Principal(name, tuple(grants), **options)


# --- credentials ------------------------------------------------------------------------


@dataclass
class Credential:
    """How one principal asks: a signed-in client with its CSRF token, or a bearer token."""

    client: Client
    headers: dict[str, str] = field(default_factory=dict)

    def post(self, url: str, document: str, variables: dict) -> dict:
        reply = self.client.post(
            url,
            {"query": document, "variables": variables},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
            **self.headers,
        )
        try:
            body = reply.json()
        except ValueError:
            body = {"errors": [{"message": reply.content[:200].decode(errors="replace")}]}
        body["_status"] = reply.status_code
        return body


def session_of(user) -> Credential:
    """A browser session: signed in, CSRF-checked, sending the cookie's token as the header."""
    client = Client(enforce_csrf_checks=True)
    headers = {}
    if user is not None:
        client.force_login(user)
        secret = get_random_string(32)
        client.cookies[settings.CSRF_COOKIE_NAME] = secret
        headers["HTTP_X_CSRFTOKEN"] = secret
    return Credential(client, headers)


def bearer(token: str | None) -> Credential:
    """A machine client; without a token (one that could not be issued) it sends nothing."""
    return Credential(Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {})


class People:
    """The principals' users, memberships and credentials (public schema)."""

    def __init__(self, principals: Iterable[Principal], townships: dict[str, object]):
        self.principals = {p.name: p for p in principals}
        self.townships = townships
        self.users: dict[str, object] = {}
        self.credentials: dict[tuple[str, str], Credential] = {}
        with schema_context("public"):
            for p in self.principals.values():
                self._create(p)

    def _create(self, p: Principal) -> None:
        if p.name == "anonymous":
            self.users[p.name] = None
            self.credentials[(p.name, SESSION)] = session_of(None)
            self.credentials[(p.name, TOKEN)] = bearer("ti_00000000_not-a-token-of-anyone")
            return
        user = get_user_model().objects.create_user(
            username=p.email, email=p.email, is_superuser=p.superuser, is_staff=p.superuser
        )
        self.users[p.name] = user
        for g in p.grants:
            grant_role(
                user,
                self.townships[g.township] if g.township else None,
                g.role,
                g.village,
                household_code=g.household,
                alliance_member_code=g.institution,
            )
        self.credentials[(p.name, SESSION)] = session_of(user)
        for credential in p.credentials()[1:]:
            self.credentials[(p.name, credential)] = bearer(self._token(p, user, credential))

    def _token(self, p: Principal, user, credential: str) -> str | None:
        if p.token_as is not None:
            wanted = p.token_as
        else:
            role = credential.partition(":")[2]
            wanted = next(g for g in p.grants if g.role == role) if role else p.grants[0]
        township = self.townships[wanted.township] if wanted.township else None
        try:
            _record, token = issue_token(
                user,
                township,
                wanted.role,
                label="role matrix",
                by=Actor.cli(),
                village_code=wanted.village,
            )
        except PlatformError:
            return None  # e.g. a superuser holds no role there: no token to try
        return token

    def user(self, name: str):
        return self.users[name]

    def actor(self, name: str) -> Actor:
        return Actor.of(self.users[name])


# --- the world --------------------------------------------------------------------------


class World:
    """Rows the mutations act on, in township A; each part is built when first asked for.

    V01 (households V01-0001..0003, grid 第1网格) and V02 (V02-0001..0002); March
    finalised with V01-0001 green (VO-03, +10 in its wallet); every built-in plugin
    enabled; alliance members B1 (a bank) and S1 (a shop). Call the parts inside
    the township's schema and before any savepoint (they must outlive the attempts).
    """

    def __init__(self, township, people: People):
        self.township = township
        self.people = people
        with tenant_context(township):
            f.village()
            f.village("V02", "白雀村", size=2)
            f.approved("V01-0001", "VO-03", MARCH.replace(day=2))  # 110: green
            from platform_core.evaluation.services import finalise_month

            finalise_month(MARCH, by=f.person())
            from platform_core.alliance.services import add_member

            self.bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
            self.shop_member = add_member(code="S1", name="诚信超市", kind="shop", by=Actor.cli())
        enable_every_plugin(township)

    # people who are not principals: the rows' authors
    @cached_property
    def admin(self) -> Actor:
        return f.person("world-admin", role="township_admin")

    @cached_property
    def reviewer(self) -> Actor:
        return f.person("world-reviewer", role="council_member")

    @cached_property
    def bank_clerk(self) -> Actor:
        return f.person("world-bank-clerk", role="alliance_member", alliance_member_code="B1")

    @property
    def recorder(self) -> Actor:
        """The principal ``recorder`` (tried only where a row names it)."""
        return self.people.actor("recorder")

    # ledger
    @cached_property
    def proposed_entry(self):
        """A proposed deduction of V01-0001, recorded by the recorder principal."""
        from platform_core.scoring.services import record_entry

        return record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("P7-03"),
            occurred_on=TODAY,
            recorder=self.recorder,
            source="staff",
            evidence="complaint file 12",
        )

    @cached_property
    def approved_entry(self):
        """An approved +2 of V01-0001 (recorded and reviewed by people of the world)."""
        return f.approved(
            "V01-0001", "VO-01", TODAY - dt.timedelta(days=1), by=self.admin, reviewer=self.reviewer
        )

    @cached_property
    def deduction(self):
        """An approved deduction of V01-0001 recorded by the recorder; its window is open."""
        return f.approved(
            "V01-0001",
            "P7-03",
            TODAY - dt.timedelta(days=1),
            by=self.recorder,
            reviewer=self.reviewer,
        )

    @cached_property
    def objection(self):
        """A pending objection to ``deduction``, filed on the household's behalf."""
        from platform_core.scoring.services import file_objection

        return file_objection(
            self.deduction, by=self.reviewer, reason="the household was away", on_behalf=True
        )

    @cached_property
    def repair(self):
        """A pending repair application for ``deduction``, filed by staff for the household."""
        from platform_core.scoring.repair import apply_for_repair

        return apply_for_repair(
            self.deduction, by=self.reviewer, action="rectification", evidence="wall repainted"
        )

    @cached_property
    def declaration(self):
        """A pending declaration of V01-0001, declared by the household principal."""
        from platform_core.scoring.evidence import declare_good_deed

        return declare_good_deed(
            household=f.household("V01-0001"),
            rule=f.rule("VO-01"),
            occurred_on=TODAY,
            note="cleared the lane after the storm",
            by=self.people.actor("household"),
        )

    # evaluation
    @cached_property
    def round(self):
        """V01's round of this month, the party member linked to V01-0001, the group
        leader rating grid 第1网格."""
        from platform_core.evaluation.services import (
            assign_area,
            assign_linked_households,
            open_round,
        )
        from platform_core.households.models import Grid

        round_ = open_round(f.household("V01-0001").village, THIS_MONTH, by=Actor.cli())
        assign_linked_households(
            round_,
            self.people.user("party_member"),
            [f.household("V01-0001")],
            by=Actor.cli(),
        )
        grid = Grid.objects.get(village__code="V01", name="第1网格")
        assign_area(round_, self.people.user("group_leader"), grid, by=Actor.cli())
        return round_

    # API tokens
    @cached_property
    def machine_token_prefix(self) -> str:
        """A token of a machine client of V01 (not one of the principals' credentials)."""
        with schema_context("public"):
            user = get_user_model().objects.create_user(
                username="machine@matrix.test", email="machine@matrix.test"
            )
            grant_role(user, self.township, "grid_worker", "V01")
            record, _token = issue_token(
                user, self.township, "grid_worker", label="feed", by=Actor.cli(), village_code="V01"
            )
        return record.prefix

    # plugins
    @cached_property
    def loan_product(self):
        from plugins.loans.services import add_product

        return add_product(
            self.bank,
            name="鸿信贷",
            limit_green=200000,
            limit_blue=50000,
            annual_rate="4.35",
            by=self.admin,
        )

    @cached_property
    def loan_application(self):
        """V01-0001's pending application for B1's product, filed by B1's clerk ``applicant``."""
        from plugins.loans.services import apply

        by = self.people.actor("applicant_clerk")
        return apply(f.household("V01-0001"), self.loan_product, 10000, by=by)

    @cached_property
    def credit_line(self):
        """An approved application's credit line (B1, V01-0001), nothing drawn."""
        from plugins.loans.models import CreditLine
        from plugins.loans.services import decide

        decided = decide(self.loan_application, approve=True, by=self.bank_clerk)
        return CreditLine.objects.get(application=decided)

    @cached_property
    def card(self):
        """V01-0001's integrity card, and a benefit B1 offers card holders."""
        from plugins.integrity_card.services import issue_card, register_benefit

        register_benefit(self.bank, kind="discount", description="利率优惠", by=self.admin)
        return issue_card(f.household("V01-0001"), by=self.admin)

    @cached_property
    def points_shop(self):
        """V01's shop, run by S1, selling soap at 3 points (V01-0001 holds 10)."""
        from plugins.points_shop.services import add_item, open_shop

        shop = open_shop(
            village=f.household("V01-0001").village,
            name="太湖村积分超市",
            by=self.admin,
            member=self.shop_member,
        )
        item = add_item(shop, name="肥皂", price_points=3, stock=5, by=self.admin)
        return shop, item

    @cached_property
    def crab_member(self):
        from plugins.river_crab.services import add_member as enrol
        from plugins.river_crab.services import create_cooperative

        cooperative = create_cooperative(name="太湖河蟹合作社", by=self.admin)
        return enrol(
            cooperative,
            f.household("V01-0001"),
            pond_mu="10",
            joined_on=dt.date(2025, 1, 1),
            by=self.admin,
        )

    @cached_property
    def veteran(self):
        from plugins.veterans.services import register_veteran

        return register_veteran(
            f.household("V01-0001"), name="俞国明", discharged_year=1990, by=self.admin
        )

    @cached_property
    def petition_case(self):
        """A petition of V01-0001, received an hour ago."""
        from plugins.petition.services import receive_case

        return receive_case(
            kind="petition",
            reference="XF-1",
            village=f.household("V01-0001").village,
            household=f.household("V01-0001"),
            summary="road dispute",
            received_at=timezone.now() - dt.timedelta(hours=1),
            by=self.admin,
        )

    @cached_property
    def consent(self):
        """V01-0001's consent for B1 (PIPL Art. 23), recorded at the counter."""
        from platform_core.alliance.services import grant_consent

        return grant_consent(
            f.household("V01-0001"), self.bank, scope="standing", channel="counter", by=self.admin
        )


def enable_every_plugin(township) -> list[str]:
    """Enable every built-in plugin (the all-plugins schema); their keys."""
    from platform_core.plugins.manager import registry
    from platform_core.plugins.services import enable_plugins

    reg = registry()
    keys = [
        key
        for key, loaded in sorted(reg.plugins.items())
        if getattr(loaded.plugin, "__name__", type(loaded.plugin).__module__).startswith("plugins.")
    ]
    enable_plugins(township, {key: None for key in keys})
    return keys


def global_id(type_name: str, row, township) -> str:
    """The API's global ID of ``row`` (see graphql_api.core.TownshipGlobalID)."""
    import base64

    raw = f"{type_name}:{township.code}:{row.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- operations -------------------------------------------------------------------------


def mutation_fields(schema) -> dict:
    """The Mutation root's fields of a graphene schema (name -> GraphQLField)."""
    root = schema.graphql_schema.mutation_type
    return dict(root.fields) if root is not None else {}


def document_for(name: str, graphql_field, variables: dict) -> str:
    """``mutation`` calling ``name`` with exactly the given variables, asking for ``errors``.

    Built from the schema's own argument types, so the document follows the schema.
    """
    unknown = sorted(set(variables) - set(graphql_field.args))
    if unknown:
        raise AssertionError(f"{name}: no argument(s) {unknown} in the schema")
    missing = [
        arg
        for arg, definition in graphql_field.args.items()
        if isinstance(definition.type, GraphQLNonNull) and arg not in variables
    ]
    if missing:
        raise AssertionError(f"{name}: required argument(s) {missing} have no value")
    declared = ", ".join(f"${arg}: {graphql_field.args[arg].type}" for arg in sorted(variables))
    passed = ", ".join(f"{arg}: ${arg}" for arg in sorted(variables))
    payload = get_named_type(graphql_field.type)
    if isinstance(payload, GraphQLObjectType) and "errors" in payload.fields:
        selection = " { errors { field code message } }"
    elif isinstance(payload, GraphQLObjectType):
        selection = " { __typename }"
    else:
        selection = ""
    head = f"mutation Matrix({declared})" if declared else "mutation Matrix"
    call = f"{name}({passed})" if passed else name
    return f"{head} {{ {call}{selection} }}"


def outcome(body: dict, name: str) -> str:
    """What happened, as one of OUTCOMES, or a description of anything else."""
    errors = body.get("errors") or []
    if errors:
        code = (errors[0].get("extensions") or {}).get("code")
        if code in (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND):
            return code
        return f"{code} (HTTP {body['_status']}): {errors[0].get('message')}"
    payload = (body.get("data") or {}).get(name)
    problems = payload.get("errors") if isinstance(payload, dict) else None
    if not problems:
        return ALLOWED
    codes = {p["code"] for p in problems}
    if codes == {NOT_FOUND}:
        return NOT_FOUND
    if codes == {FORBIDDEN}:
        return FORBIDDEN
    return "payload " + "; ".join(f"{p['code']} {p['field']}: {p['message']}" for p in problems)


class _Undo(Exception):
    """Raised to roll an attempt's savepoint back."""


def attempt(
    credential: Credential, url: str, document: str, variables: dict, name: str, label: str = ""
) -> str:
    """One request inside a savepoint that is rolled back; its outcome.

    With ``ROLE_MATRIX_PRINT=1`` (and ``-s``) every reply is printed: a quick way to
    see what a new mutation answers before writing its row.
    """
    try:
        with transaction.atomic():
            body = credential.post(url, document, variables)
            got = outcome(body, name)
            if os.environ.get("ROLE_MATRIX_PRINT"):
                print(f"{name} | {label}: {got} <- {json_compact(body)[:300]}")
            raise _Undo
    except _Undo:
        pass
    finally:
        connection.set_schema_to_public()
        cache.clear()
    return got


@dataclass(frozen=True)
class Case:
    """One way of calling a mutation with valid input, and who may do it.

    ``expect`` maps each outcome to the principals getting it (every principal of
    the matrix exactly once, extras included); ``variables(world, principal)``
    returns the call's input (most cases ignore the principal). ``extras`` names
    principals tried only in this case (e.g. the recorder of the entry reviewed).
    """

    variables: Callable[[World, Principal], dict]
    expect: dict[str, frozenset[str]]
    extras: tuple[str, ...] = ()
    why: str = ""


def expected_outcomes(expect: dict[str, Iterable[str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for result, names in expect.items():
        assert result in OUTCOMES, result
        for name in names:
            assert name not in found, f"{name} is listed twice"
            found[name] = result
    return found


def json_compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
