"""One permission model: a Viewer (the API, the workbench, the admin) and ``require_role``
(the services) answer every question the same way, with or without an API token.

Each row asks "may this person, through this credential, act as one of these roles
(for this village, this institution) in 甲镇?" both ways; the answers must agree
with each other and with the row.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from platform_core.accounts.access import (
    Access,
    Scope,
    access_from,
    access_in,
    narrowed,
    scopes_sql,
)
from platform_core.accounts.models import ApiToken, Membership, Role
from platform_core.accounts.services import grant_role
from platform_core.accounts.viewer import Viewer
from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.scoring.services import require_role
from tenants.models import County

pytestmark = pytest.mark.django_db

TA, VC, CM, AM, HH = (
    Role.TOWNSHIP_ADMIN,
    Role.VILLAGE_COMMITTEE,
    Role.COUNCIL_MEMBER,
    Role.ALLIANCE_MEMBER,
    Role.HOUSEHOLD,
)

# (who, token (role, village) or None, roles asked, village, institution, expected)
ROWS = [
    # 老俞: village committee of V01, council member everywhere, his own household,
    # clerk of bank B1; township administrator in 乙镇 only.
    ("yu", None, [CM], "V02", None, True),
    ("yu", None, [VC], "V01", None, True),
    ("yu", None, [VC], "V02", None, False),  # wrong village
    ("yu", None, [VC], None, None, False),  # not township-wide
    ("yu", None, [TA], "V01", None, False),  # wrong role (he holds it in 乙镇)
    ("yu", None, [AM], None, "B1", True),
    ("yu", None, [AM], None, "B2", False),  # another institution
    ("yu", None, [HH], "V01", None, True),
    ("yu", (VC, "V01"), [VC], "V01", None, True),
    ("yu", (VC, "V01"), [VC], "V02", None, False),
    ("yu", (VC, "V01"), [CM], "V01", None, False),  # the token's role only
    ("yu", (VC, "V01"), [VC, CM], "V01", None, True),
    ("yu", (CM, ""), [CM], "V02", None, True),
    ("yu", (CM, ""), [CM], None, None, True),
    ("yu", (CM, ""), [VC], "V01", None, False),
    ("yu", (CM, "V02"), [CM], "V02", None, True),  # a village token narrows a wide role
    ("yu", (CM, "V02"), [CM], "V01", None, False),
    ("yu", (CM, "V02"), [CM], None, None, False),
    ("yu", (AM, ""), [AM], None, "B1", True),
    ("yu", (AM, ""), [AM], None, "B2", False),
    ("yu", (AM, ""), [CM], "V01", None, False),
    ("yu", (HH, ""), [HH], "V01", None, True),
    ("yu", (HH, ""), [VC, CM], "V01", None, False),
    # 沈红: a superuser who is township administrator here.
    ("boss", None, [CM], "V02", None, True),
    ("boss", (TA, ""), [TA], "V02", None, True),
    ("boss", (TA, ""), [CM], "V02", None, False),  # no superuser shortcut through a token
    ("boss", (TA, ""), [AM], None, "B1", False),
    # County administrators: of this county (everything), of another county (nothing).
    ("county", None, [CM], "V01", None, True),
    ("county", None, [AM], None, "B9", True),
    ("elsewhere", None, [CM], "V01", None, False),
    ("nobody", None, [CM], "V01", None, False),
]


@pytest.fixture
def people(township_a, township_b):
    with schema_context("public"):
        made = {}
        for name in ("yu", "boss", "county", "elsewhere", "nobody"):
            made[name] = get_user_model().objects.create_user(
                username=f"{name}@x.test", email=f"{name}@x.test", is_superuser=name == "boss"
            )
        yu = made["yu"]
        grant_role(yu, township_a, VC, "V01")
        grant_role(yu, township_a, CM)
        grant_role(yu, township_a, HH, household_code="V01-0001")
        grant_role(yu, township_a, AM, alliance_member_code="B1")
        grant_role(yu, township_b, TA)
        grant_role(made["boss"], township_a, TA)
        Membership.objects.create(
            user=made["county"], role=Role.COUNTY_ADMIN, county_id=township_a.county_id
        )
        other = County.objects.create(code="110101", name="东城区")
        Membership.objects.create(user=made["elsewhere"], role=Role.COUNTY_ADMIN, county=other)
    return made


def _token(role: str, village_code: str) -> ApiToken:
    return ApiToken(role=role, village_code=village_code, prefix="0a1b2c3d")


def _through_viewer(user, township, token) -> bool:
    def ask(roles, village, institution):
        return Viewer.of(user, township, token=token).has(roles, village, institution)

    return ask


def _through_service(user, token, in_township, township):
    actor = (
        Actor.of(user)
        if token is None
        else Actor.through_token(user, token.prefix, token.role, token.village_code)
    )

    def ask(roles, village, institution):
        with in_township(township):
            try:
                require_role(actor, roles, village_code=village, what="x", institution=institution)
            except NotAllowed:
                return False
            return True

    return ask


@pytest.mark.parametrize(("who", "token", "roles", "village", "institution", "expected"), ROWS)
def test_a_token_narrows_the_same_for_a_viewer_and_for_require_role(
    people, township_a, in_township, who, token, roles, village, institution, expected
):
    user = people[who]
    record = _token(*token) if token else None
    answers = {
        "viewer": _through_viewer(user, township_a, record)(roles, village, institution),
        "service": _through_service(user, record, in_township, township_a)(
            roles, village, institution
        ),
        "token's statement": Viewer.of(
            user, township_a, token=record, access=_read_with_the_token(user, township_a)
        ).has(roles, village, institution),
    }
    assert answers == {"viewer": expected, "service": expected, "token's statement": expected}


def _read_with_the_token(user, township) -> Access:
    """The access the API reads inside the token's statement (``scopes_sql``)."""
    sql, params = scopes_sql(township, "%s")
    with schema_context("public"), connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", [user.pk, *params])
        rows = cursor.fetchone()[0]
    return access_from(user, rows)


@pytest.mark.parametrize("who", ["yu", "boss", "county", "elsewhere", "nobody"])
@pytest.mark.parametrize("where", ["a", "b", "county"])
def test_the_token_statement_reads_the_same_access_as_access_in(
    people, township_a, township_b, who, where
):
    township = {"a": township_a, "b": township_b, "county": None}[where]
    user = people[who]
    with schema_context("public"):
        loaded = access_in(user, township)
    read = _read_with_the_token(user, township)
    assert read.everywhere == loaded.everywhere
    assert sorted(read.scopes, key=repr) == sorted(loaded.scopes, key=repr)


def test_roles_of_another_township_never_count(people, township_a, township_b, in_township):
    yu = people["yu"]
    assert Viewer.of(yu, township_b).has([TA], "V01")
    assert not Viewer.of(yu, township_a).has([TA], "V01")
    assert not Viewer.of(yu, township_b).has([CM], "V01")
    with in_township(township_b):
        require_role(Actor.of(yu), [TA], village_code="V01", what="x")
        with pytest.raises(NotAllowed):
            require_role(Actor.of(yu), [CM], village_code="V01", what="x")
    # A token of 甲镇's role asked in 乙镇 carries nothing there.
    as_council = Actor.through_token(yu, "0a1b2c3d", CM)
    with in_township(township_b), pytest.raises(NotAllowed):
        require_role(as_council, [CM, TA], village_code="V01", what="x")


def test_a_token_keeps_households_and_institutions_only_of_its_role(people, township_a):
    yu = people["yu"]
    whole = Viewer.of(yu, township_a)
    assert whole.household_codes == {"V01-0001"} and whole.institution_codes == {"B1"}
    as_committee = Viewer.of(yu, township_a, token=_token(VC, "V01"))
    assert as_committee.household_codes == set() and as_committee.institution_codes == set()
    assert as_committee.villages([VC, CM]) == {"V01"}
    assert whole.villages([VC, CM]) is None


def test_everywhere_survives_only_a_county_token():
    wide = Access((Scope(Role.COUNTY_ADMIN),), everywhere=True)
    assert narrowed(wide, [Role.COUNTY_ADMIN]).everywhere
    assert not narrowed(wide, [TA]).everywhere
    assert not narrowed(wide, [TA]).holds([TA])
