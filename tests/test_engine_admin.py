"""The township admin shows the covenant and the ledger; the ledger is read and reviewed only."""

from __future__ import annotations

import datetime as dt

import pytest

from platform_core.scoring.models import ScoreEvent
from platform_core.scoring.services import record_entry
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(township_a, in_township):
    with in_township(township_a):
        f.village()
        return record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("PS-01"),
            occurred_on=dt.date(2026, 3, 2),
            recorder=f.person("grid"),
            source="staff",
            evidence="patrol roster",
        )


def test_admin_lists_covenant_and_ledger_and_approves_through_the_service(
    client, township_a, township_b, proposed, in_township
):
    assert client.login(username="admin@jia.test", password="pw-jia")
    base = f"/t/{township_a.code}/admin/"
    rules = client.get(base + "scoring/rule/")
    assert rules.status_code == 200 and "P7-01" in rules.text
    ledger = client.get(base + "scoring/scoreevent/")
    assert ledger.status_code == 200 and "V01-0001" in ledger.text
    reply = client.post(
        base + "scoring/scoreevent/",
        {"action": "approve_selected", "_selected_action": [proposed.pk]},
    )
    assert reply.status_code == 302
    with in_township(township_a):
        entry = ScoreEvent.objects.get(pk=proposed.pk)
        assert entry.status == "approved" and entry.reviewed_by_label == "admin@jia.test"
    # An approved entry's page has nothing to save and nothing to delete.
    page = client.get(base + f"scoring/scoreevent/{proposed.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.get(base + f"scoring/scoreevent/{proposed.pk}/delete/").status_code == 403
    # Township B's admin is closed to A's administrator.
    assert client.get(f"/t/{township_b.code}/admin/scoring/scoreevent/").status_code == 302


def test_a_household_role_elsewhere_does_not_open_that_admin(client, township_a, township_b):
    from django.contrib.auth import get_user_model

    from platform_core.accounts.services import grant_role

    admin_a = get_user_model().objects.get(username="admin@jia.test")
    grant_role(admin_a, township_b, "household", household_code="V01-0001")
    assert client.login(username="admin@jia.test", password="pw-jia")
    assert client.get(f"/t/{township_b.code}/admin/scoring/rule/").status_code == 302
    assert client.get(f"/t/{township_a.code}/admin/scoring/rule/").status_code == 200


def test_plugin_admin_pages_exist_only_where_the_plugin_is_enabled(client, township_a):
    from platform_core.plugins.services import disable_plugin, enable_plugin

    assert client.login(username="admin@jia.test", password="pw-jia")
    base = f"/t/{township_a.code}/admin/"
    assert client.get(base + "loans/loanproduct/").status_code == 403
    assert "/admin/loans/" not in client.get(base).text
    enable_plugin(township_a, "loans")
    assert client.get(base + "loans/loanproduct/").status_code == 200
    assert "/admin/loans/" in client.get(base).text
    disable_plugin(township_a, "loans")
    assert client.get(base + "loans/loanproduct/").status_code == 403
