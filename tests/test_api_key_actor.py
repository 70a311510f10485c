"""actor_for_api_key: a plugin's open API turns an api_key into the Actor of a live token
of the township being served, and refuses anything else saying why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from platform_core.accounts.models import ApiToken, Membership
from platform_core.accounts.services import revoke_token
from platform_core.actors import Actor
from tests.api import member, token_for
from township_integrity.errors import NotAllowed
from township_integrity.services import actor_for_api_key, require_role

pytestmark = pytest.mark.django_db


def test_a_live_token_of_this_township_is_its_persons_actor_narrowed_to_its_role(
    township_a, in_township
):
    token = token_for(township_a, "clerk@a.test", "grid_worker", "V01")
    with in_township(township_a):
        actor = actor_for_api_key(token)
        assert actor.user.email == "clerk@a.test"
        assert actor.roles == ("grid_worker",) and actor.village_code == "V01"
        assert actor.label.startswith("clerk@a.test (token ")
        # Services check the token's role: it may act as a grid worker of V01 only.
        require_role(actor, ("grid_worker",), village_code="V01", what="record")
        with pytest.raises(NotAllowed):
            require_role(actor, ("township_admin",), village_code=None, what="administer")
        # Surrounding spaces (a copied key) are forgiven.
        assert actor_for_api_key(f" {token}\n").user.email == "clerk@a.test"


def test_a_token_of_another_township_is_refused(township_a, township_b, in_township):
    token = token_for(township_b, "clerk@b.test", "township_admin")
    with in_township(township_a), pytest.raises(NotAllowed) as refused:
        actor_for_api_key(token)
    assert "another township" in str(refused.value)
    assert refused.value.field == "api_key"
    with in_township(township_b):
        assert actor_for_api_key(token).user.email == "clerk@b.test"


def test_a_county_token_is_refused_in_a_township(township_a, in_township):
    from platform_core.accounts.services import issue_token

    with schema_context("public"):
        user = member(None, "county@c.test", "county_admin")
        _, token = issue_token(user, None, "county_admin", label="c", by=Actor.cli())
    with in_township(township_a), pytest.raises(NotAllowed, match="another township"):
        actor_for_api_key(token)


def test_a_revoked_token_is_refused_saying_so(township_a, in_township):
    token = token_for(township_a, "gone@a.test", "grid_worker")
    record = ApiToken.objects.get(user__email="gone@a.test")
    revoke_token(record, by=Actor.cli())
    with in_township(township_a), pytest.raises(NotAllowed, match="revoked"):
        actor_for_api_key(token)


def test_an_expired_token_is_refused_saying_so(township_a, in_township):
    token = token_for(township_a, "old@a.test", "grid_worker")
    ApiToken.objects.filter(user__email="old@a.test").update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    with in_township(township_a), pytest.raises(NotAllowed, match="expired"):
        actor_for_api_key(token)


def test_a_token_whose_role_was_taken_away_is_refused(township_a, in_township):
    token = token_for(township_a, "moved@a.test", "grid_worker", "V01")
    Membership.objects.filter(user__email="moved@a.test").delete()
    with in_township(township_a), pytest.raises(NotAllowed, match="no longer holds"):
        actor_for_api_key(token)


@pytest.mark.parametrize(
    "garbage", ["", "   ", "nonsense", "ti_0000_" + "x" * 43, None, "😀" * 500]
)
def test_garbage_is_refused(township_a, in_township, garbage):
    with in_township(township_a), pytest.raises(NotAllowed) as refused:
        actor_for_api_key(garbage)
    assert refused.value.field == "api_key"
    assert str(refused.value) in ("An API key is required.", "the API token is not valid")


def test_outside_a_township_nothing_is_checked(township_a):
    token = token_for(township_a, "clerk@a.test", "grid_worker")
    assert connection.schema_name == "public"
    with pytest.raises(NotAllowed, match="inside a township"):
        actor_for_api_key(token)
