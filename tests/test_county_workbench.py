"""The county administrator's workbench on the county site, and the county scope of
county administrators (pages, the county API, and the township workbench)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import tenant_context

from platform_core.accounts.models import Membership
from platform_core.accounts.services import grant_role
from tenants.models import County, PluginActivation, Township
from tests import factories as f
from tests.api import codes, gql

User = get_user_model()


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


def field_error(page, name: str) -> str:
    html = page.content.decode()
    start = html.index(f'data-field="{name}"')
    return html[start : html.index("</div>\n", html.index("errorlist", start)) + 6]


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def county_admin(email: str, county: County | None) -> User:
    user = User.objects.create_user(username=email, email=email)
    grant_role(user, None, "county_admin", county=county)
    return user


@pytest.fixture
def counties(township_a, township_b):
    """Township A in county 330502, township B moved to county 330599; an admin of each."""
    home = township_a.county
    other = County.objects.create(code="330599", name="Other county")
    township_b.county = other
    township_b.save(update_fields=["county"])
    return {
        "home": home,
        "other": other,
        "ours": county_admin("ours@county.test", home),
        "theirs": county_admin("theirs@county.test", other),
    }


def test_the_county_admin_lists_only_the_townships_of_their_county(counties, township_a):
    page = signed_in(counties["ours"]).get("/work/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-township="330502901"' in html and 'data-township="330502902"' not in html


def test_onboarding_in_one_form_once(counties, township_a):
    client = signed_in(counties["ours"])
    page = client.get("/work/onboard/")
    assert page.status_code == 200 and 'name="plugins"' in page.content.decode()
    data = {
        "submission": key(page),
        "code": "330502903",
        "name": "丙镇",
        "slug": "bing",
        "plugins": ["petition"],
        "admin_emails": "First@bing.test\nsecond@bing.test",
    }
    reply = client.post("/work/onboard/", data)
    assert reply.status_code == 302 and reply["Location"].endswith("/work/townships/330502903/")
    again = client.post("/work/onboard/", data)  # a double submit changes nothing twice
    assert again.status_code == 302
    township = Township.objects.get(code="330502903")
    assert township.county == counties["home"]
    assert set(
        PluginActivation.objects.filter(township=township, enabled=True).values_list(
            "plugin", flat=True
        )
    ) == {"petition"}
    admins = Membership.objects.filter(township=township, role="township_admin")
    assert {m.user.username for m in admins} == {"first@bing.test", "second@bing.test"}
    shown = client.get(reply["Location"]).content.decode()
    assert "password" in shown  # the first administrator's generated password, once
    assert "/t/330502903/accounts/reset/" in shown  # the second's sign-in link


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "12"}, "code", "not valid"),
        ({"code": "330502901"}, "code", "already exists"),
        ({"code": "330599001"}, "county", "do not administer county 330599"),
        ({"county": "330599"}, "county", "do not administer county 330599"),
        ({"admin_emails": "not-an-address"}, "admin_emails", "not a valid address"),
        ({"slug": "jia"}, "slug", "taken"),
    ],
)
def test_onboarding_refusals_show_at_their_fields(counties, township_a, data, field, message):
    client = signed_in(counties["ours"])
    page = client.get("/work/onboard/")
    sent = {"submission": key(page), "code": "330502904", "name": "丁镇", **data}
    reply = client.post("/work/onboard/", sent)
    assert reply.status_code == 400
    assert message in field_error(reply, field)
    assert not Township.objects.filter(code__in=["330502904", "330599001"]).exists()


def test_granting_and_revoking_township_administrators(counties, township_a):
    client = signed_in(counties["ours"])
    page = client.get("/work/townships/330502901/")
    assert page.status_code == 200
    reply = client.post(
        "/work/townships/330502901/admins/", {"submission": key(page), "email": "New@jia.test"}
    )
    assert reply.status_code == 302
    new = Membership.objects.get(township=township_a, user__username="new@jia.test")
    assert new.role == "township_admin"
    assert "/t/330502901/accounts/reset/" in client.get(reply["Location"]).content.decode()
    reply = client.post(f"/work/townships/330502901/admins/{new.pk}/revoke/", {"submission": "r"})
    assert reply.status_code == 302 and not Membership.objects.filter(pk=new.pk).exists()
    bad = client.post("/work/townships/330502901/admins/", {"submission": "b", "email": "nope"})
    assert bad.status_code == 400 and "valid email" in field_error(bad, "email")


def test_another_countys_township_is_404_everywhere(counties, township_b):
    client = signed_in(counties["ours"])
    b_admin = Membership.objects.get(township=township_b, role="township_admin")
    assert client.get("/work/townships/330502902/").status_code == 404
    for path, data in (
        ("/work/townships/330502902/admins/", {"email": "x@test.local"}),
        (f"/work/townships/330502902/admins/{b_admin.pk}/revoke/", {}),
        ("/work/townships/330502902/limits/", {"green_above_min": "1"}),
    ):
        assert client.post(path, {"submission": "k", **data}).status_code == 404
    # Township B's membership id in township A's revoke form: not found either.
    reply = client.post(
        f"/work/townships/330502901/admins/{b_admin.pk}/revoke/", {"submission": "q"}
    )
    assert reply.status_code == 404
    assert Membership.objects.filter(pk=b_admin.pk).exists()
    assert not Membership.objects.filter(user__username="x@test.local").exists()


def test_a_non_administrator_membership_is_not_revoked_here(counties, township_a):
    with tenant_context(township_a):
        f.village("V01")
        grid = f.person("g", "grid_worker", "V01").user
    membership = Membership.objects.get(user=grid)
    client = signed_in(counties["ours"])
    reply = client.post(
        f"/work/townships/330502901/admins/{membership.pk}/revoke/", {"submission": "g"}
    )
    assert reply.status_code == 404


def test_setting_the_limits_of_a_township(counties, township_a):
    client = signed_in(counties["ours"])
    page = client.get("/work/townships/330502901/")
    data = {
        "submission": key(page),
        "allowed_plugins": ["petition", "loans"],
        "green_above_min": "90",
        "green_above_max": "120",
        "objection_days_min": "7",
        "allowed_score_windows": ["calendar_year", "rolling_12_months"],
    }
    assert client.post("/work/townships/330502901/limits/", data).status_code == 302
    stored = Township.objects.get(pk=township_a.pk)
    assert stored.allowed_plugins == ["loans", "petition"]
    assert (stored.green_above_min, stored.green_above_max) == (90, 120)
    assert stored.red_below_min is None and stored.objection_days_min == 7
    assert stored.allowed_score_windows == ["calendar_year", "rolling_12_months"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"red_below_min": "90", "red_below_max": "80"}, "red_below_max", "is above the highest"),
        ({"green_above_min": "105"}, "green_above_min", "Green above is 100"),
        ({"objection_days_max": "400"}, "objection_days_max", "between 1 and 365"),
        ({"allowed_score_windows": ["lifetime"]}, "allowed_score_windows", "not one the county"),
        ({"green_above_max": "lots"}, "green_above_max", "Enter a whole number"),
    ],
)
def test_bad_limits_are_refused_at_their_fields(counties, township_a, data, field, message):
    client = signed_in(counties["ours"])
    page = client.get("/work/townships/330502901/")
    reply = client.post("/work/townships/330502901/limits/", {"submission": key(page), **data})
    assert reply.status_code == 400
    assert message in field_error(reply, field)


def test_who_may_open_the_county_workbench(counties, township_a):
    assert Client().get("/work/").status_code == 302  # to the sign-in page
    township_admin = User.objects.get(username="admin@jia.test")
    with tenant_context(township_a):
        council = f.person("c", "council_member").user
    for user in (township_admin, council):
        client = signed_in(user)
        for path in ("/work/", "/work/onboard/", "/work/townships/330502901/"):
            assert client.get(path).status_code == 403
    page = signed_in(User.objects.create_superuser("root", "root@test.local", "pw")).get("/work/")
    assert 'data-township="330502902"' in page.content.decode()  # every county


def test_a_county_admin_acts_in_the_township_workbench_of_their_county_only(
    counties, township_a, township_b
):
    ours, theirs = signed_in(counties["ours"]), signed_in(counties["theirs"])
    assert ours.get("/t/330502901/work/staff/").status_code == 200
    assert theirs.get("/t/330502901/work/staff/").status_code == 403
    assert theirs.get("/t/330502901/work/policy/").status_code == 403
    assert theirs.get("/t/330502901/work/plugins/").status_code == 403
    assert theirs.get("/t/330502902/work/staff/").status_code == 200


def test_the_county_api_is_scoped_to_the_administrators_county(counties, township_a):
    client = signed_in(counties["ours"])
    body = gql(client, "/graphql/", "{ townships { code } }")
    assert [t["code"] for t in body["data"]["townships"]] == ["330502901"]
    body = gql(client, "/graphql/", '{ township(code: "330502902") { code } }')
    assert codes(body) == ["NOT_FOUND"]
    body = gql(
        client,
        "/graphql/",
        'mutation { enablePlugin(townshipCode: "330502902", key: "petition") '
        "{ errors { field code } } }",
    )
    assert body["data"]["enablePlugin"]["errors"][0]["code"] == "NOT_FOUND"
    body = gql(
        client,
        "/graphql/",
        'mutation { onboardTownship(code: "330599002", name: "戊镇") { errors { field } } }',
    )
    assert body["data"]["onboardTownship"]["errors"][0]["field"] == "county"
    assert not Township.objects.filter(code="330599002").exists()


def test_the_county_admin_lists_link_to_the_county_workbench(counties):
    page = signed_in(counties["ours"]).get("/admin/tenants/township/")
    html = page.content.decode()
    assert page.status_code == 200 and 'href="/work/"' in html
    assert "330502901" in html and "330502902" not in html  # the other county's: left out


def test_the_county_dashboard_shows_the_administrators_county(counties):
    html = signed_in(counties["theirs"]).get("/dashboard/").content.decode()
    assert 'data-township="330502902"' in html and 'data-township="330502901"' not in html
