"""Helpers for API tests: post a GraphQL operation as a session user or with a token."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from platform_core.accounts.services import grant_role, issue_token
from platform_core.actors import Actor
from township_integrity.testing import post_graphql


def gql(client, path: str, query: str, variables=None, *, token=None, language="en") -> dict:
    """POST ``query`` to ``path`` (``/t/<code>/graphql/`` or ``/graphql/``); the JSON reply.

    The public fixtures' ``post_graphql``: English by default, ``language=None`` sends
    no Accept-Language.
    """
    return post_graphql(client, path, query, variables, token=token, language=language)


def endpoint(township) -> str:
    return f"/t/{township.code}/graphql/"


def member(township, email: str, role: str, village_code: str = "", **scope):
    """A user with ``role`` in ``township`` (password "pw"); created on the public schema."""
    with schema_context("public"):
        user = get_user_model().objects.filter(username=email).first()
        if user is None:
            user = get_user_model().objects.create_user(username=email, email=email, password="pw")
        grant_role(user, township, role, village_code, **scope)
    return user


def token_for(township, email: str, role: str, village_code: str = "", **scope) -> str:
    """A fresh API token for a new member with ``role``."""
    user = member(township, email, role, village_code, **scope)
    with schema_context("public"):
        _, token = issue_token(
            user, township, role, label="test client", by=Actor.cli(), village_code=village_code
        )
    return token


def codes(body: dict) -> list[str]:
    """The error codes of a reply."""
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


__all__ = ["codes", "connection", "endpoint", "gql", "member", "token_for"]
