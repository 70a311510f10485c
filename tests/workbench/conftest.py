"""Workbench tests: a small township world and clients signed in per role."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from tests import factories as f


@pytest.fixture
def world(township_a):
    """Two villages of three households each in township A."""
    with tenant_context(township_a):
        f.village("V01", "太湖村")
        f.village("V02", "南浔村")
    return township_a


@pytest.fixture
def signed_in():
    """``signed_in(actor)``: a test client logged in as the actor's user, in English."""

    def client_for(actor) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(actor.user)
        return client

    return client_for


def work(township, path: str = "") -> str:
    """The address of a workbench page of ``township``."""
    return f"/t/{township.code}/work/{path}"
