"""The township policy page: thresholds, window, objection days, red on boards, within limits."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.errors import PlatformError
from platform_core.townships import policy
from tenants.models import Township
from tests import factories as f
from tests.workbench.conftest import work
from tests.workbench.test_staff import field_error, key


@pytest.fixture
def admin(world):
    with tenant_context(world):
        return f.person("boss", "township_admin")


def limit(township, **values) -> None:
    current = policy.Limits.of(township)
    policy.set_limits(township, policy.Limits(**{**vars(current), **values}), by=Actor("test"))


def send(client, township, **changes):
    page = client.get(work(township, "policy/"))
    data = {
        "green_above": 100,
        "red_below": 100,
        "score_window": "calendar_year",
        "objection_days": 15,
        **changes,
    }
    return client.post(work(township, "policy/"), {"submission": key(page), **data})


def test_the_administrator_sets_the_policy_once(world, admin, signed_in):
    client = signed_in(admin)
    page = client.get(work(world, "policy/"))
    assert page.status_code == 200 and 'data-field="green_above"' in page.content.decode()
    data = {
        "submission": key(page),
        "green_above": 110,
        "red_below": 90,
        "score_window": "rolling_12_months",
        "objection_days": 20,
        "publish_red_on_board": "on",
    }
    assert client.post(work(world, "policy/"), data).status_code == 302
    assert client.post(work(world, "policy/"), data).status_code == 302  # double submit
    stored = Township.objects.get(pk=world.pk)
    assert (stored.green_above, stored.red_below, stored.score_window) == (
        110,
        90,
        "rolling_12_months",
    )
    assert stored.objection_days == 20 and stored.publish_red_on_board


def test_thresholds_outside_the_county_limits_are_refused_at_the_field(world, admin, signed_in):
    limit(world, green_above_min=95, green_above_max=120, objection_days_max=30)
    client = signed_in(admin)
    page = client.get(work(world, "policy/"))
    assert "The county allows 95–120." in field_error_free(page, "green_above")
    reply = send(client, world, green_above=130)
    assert reply.status_code == 400
    assert "the county allows 95–120" in field_error(reply, "green_above")
    reply = send(client, world, objection_days=31)
    assert "the county allows at most 30" in field_error(reply, "objection_days")
    assert Township.objects.get(pk=world.pk).green_above == 100


def field_error_free(page, name: str) -> str:
    html = page.content.decode()
    start = html.index(f'data-field="{name}"')
    return html[start : html.index("</div>\n</div>", start)]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"red_below": 120, "green_above": 100}, "red_below", "cannot be above green above"),
        ({"objection_days": 0}, "objection_days", "between 1 and 365"),
        ({"green_above": "many"}, "green_above", "Enter a whole number"),
        ({"score_window": "forever"}, "score_window", "Select a valid choice"),
    ],
)
def test_bad_policy_input_is_refused_at_its_field(world, admin, signed_in, changes, field, message):
    reply = send(signed_in(admin), world, **changes)
    assert reply.status_code == 400
    assert message in field_error(reply, field)


def test_only_the_score_windows_the_county_allows_are_offered(world, admin, signed_in):
    limit(world, allowed_score_windows=("calendar_year",))
    client = signed_in(admin)
    html = client.get(work(world, "policy/")).content.decode()
    assert 'value="calendar_year"' in html and 'value="lifetime"' not in html
    reply = send(client, world, score_window="lifetime")
    assert reply.status_code == 400 and "Select a valid choice" in field_error(
        reply, "score_window"
    )


def test_the_service_refuses_what_the_limits_forbid_without_the_form(world):
    limit(world, red_below_min=80, red_below_max=100)
    chosen = policy.Policy(100, 70, "calendar_year", 15, False)
    with pytest.raises(PlatformError) as refused:
        policy.set_policy(world, chosen, by=Actor("test"))
    assert refused.value.field == "red_below"


def test_the_county_cannot_set_limits_the_present_policy_breaks(world):
    with pytest.raises(PlatformError) as refused:
        limit(world, green_above_min=105)
    assert refused.value.field == "green_above_min"
    with pytest.raises(PlatformError) as refused:
        limit(world, objection_days_min=20, objection_days_max=10)
    assert refused.value.field == "objection_days_max"


def test_the_policy_page_is_for_the_administrator_of_this_township(
    world, admin, signed_in, township_b
):
    with tenant_context(township_b):
        other_admin = f.person("b-boss", "township_admin")
    client = signed_in(other_admin)
    assert client.get(work(world, "policy/")).status_code == 403
    data = {"submission": "x", "green_above": 105, "red_below": 100, "objection_days": 15}
    assert client.post(work(world, "policy/"), data).status_code == 403
    assert Township.objects.get(pk=world.pk).green_above == 100
