"""Staff and roles in the workbench: invitations, grants, revocations, accounts, sign-in links."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django_tenants.utils import tenant_context

from platform_core.accounts.models import Membership
from platform_core.accounts.services import grant_role
from platform_core.actors import Actor
from platform_core.alliance.services import add_member
from tests import factories as f
from tests.workbench.conftest import work

User = get_user_model()


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


def field_error(page, name: str) -> str:
    """The text of the ``data-field`` block of ``name`` (where its errors show)."""
    html = page.content.decode()
    start = html.index(f'data-field="{name}"')
    return html[start : html.index("</div>\n", html.index("errorlist", start)) + 6]


@pytest.fixture
def admin(world):
    with tenant_context(world):
        return f.person("boss", "township_admin")


def grant(client, township, **data):
    page = client.get(work(township, "staff/"))
    fields = {"role": "grid_worker", "email": "", "phone": "", "name": "", **data}
    return client.post(work(township, "staff/"), {"submission": key(page), **fields})


def test_an_administrator_invites_by_email_with_a_village_role_once(world, admin, signed_in):
    client = signed_in(admin)
    page = client.get(work(world, "staff/"))
    assert page.status_code == 200
    data = {
        "submission": key(page),
        "email": "New.Grid@Test.local",
        "role": "grid_worker",
        "village_code": "V01",
    }
    reply = client.post(work(world, "staff/"), data)
    assert reply.status_code == 302
    again = client.post(work(world, "staff/"), data)  # a double submit changes nothing twice
    assert again.status_code == 302
    person = User.objects.get(username="new.grid@test.local")
    assert not person.has_usable_password()
    held = Membership.objects.filter(user=person, township=world)
    assert [(m.role, m.village_code) for m in held] == [("grid_worker", "V01")]
    shown = client.get(reply["Location"]).content.decode()
    assert "accounts/reset/" in shown  # the new person's sign-in link, shown once
    assert f'data-person="{person.pk}"' in shown
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.grid@test.local"]


def test_a_phone_only_person_signs_in_with_the_phone_number(world, admin, signed_in):
    client = signed_in(admin)
    reply = grant(client, world, phone="138 0013-8000", role="party_member")
    assert reply.status_code == 302
    person = User.objects.get(username="13800138000")
    assert person.email == ""
    assert Membership.objects.filter(user=person, township=world, role="party_member").exists()


def test_an_existing_person_gets_the_role_without_a_new_account(world, admin, signed_in):
    with tenant_context(world):
        known = f.person("known", "grid_worker", "V01").user
    reply = grant(signed_in(admin), world, email="KNOWN@test.local", role="council_member")
    assert reply.status_code == 302
    assert set(Membership.objects.filter(user=known).values_list("role", flat=True)) == {
        "grid_worker",
        "council_member",
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "x@test.local", "village_code": "V99"}, "village_code", "no village V99"),
        (
            {"email": "x@test.local", "role": "household", "household_code": "V01-0999"},
            "household_code",
            "no household V01-0999",
        ),
        ({"email": "x@test.local", "role": "household"}, "household_code", "names its household"),
        (
            {"email": "x@test.local", "role": "alliance_member", "alliance_member_code": "BANK9"},
            "alliance_member_code",
            "no alliance institution BANK9",
        ),
        (
            {"email": "x@test.local", "role": "grid_worker", "household_code": "V01-0001"},
            "household_code",
            "Only the household role",
        ),
        (
            {
                "email": "x@test.local",
                "role": "household",
                "household_code": "V01-0001",
                "village_code": "V02",
            },
            "village_code",
            "not in village V02",
        ),
        ({"email": "not-an-address"}, "email", "not a valid e-mail address"),
        ({"phone": "12ab"}, "phone", "not a phone number"),
        ({}, "email", "e-mail address or a phone number"),
        ({"email": "x@test.local", "role": "county_admin"}, "role", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_at_its_field(world, admin, signed_in, data, field, message):
    reply = grant(signed_in(admin), world, **data)
    assert reply.status_code == 400
    assert message in field_error(reply, field)
    assert not User.objects.filter(username="x@test.local").exists()  # nothing half-made


def test_a_household_and_an_alliance_clerk_are_granted_with_their_codes(world, admin, signed_in):
    with tenant_context(world):
        add_member(code="BANK1", name="农商银行", kind="bank", by=Actor.cli())
    client = signed_in(admin)
    assert grant(client, world, email="h@test.local", role="household", household_code="V01-0002")
    grant(client, world, email="c@test.local", role="alliance_member", alliance_member_code="BANK1")
    held = Membership.objects.filter(
        township=world, user__username__in=["h@test.local", "c@test.local"]
    )
    assert {(m.role, m.household_code, m.alliance_member_code) for m in held} == {
        ("household", "V01-0002", ""),
        ("alliance_member", "", "BANK1"),
    }


def test_the_list_is_searchable_and_paged(world, admin, signed_in):
    with tenant_context(world):
        for n in range(3):
            f.person(f"grid{n}", "grid_worker", "V02")
    client = signed_in(admin)
    found = client.get(work(world, "staff/"), {"q": "V02"}).content.decode()
    assert found.count("data-person=") == 3
    found = client.get(work(world, "staff/"), {"q": "grid1@"}).content.decode()
    assert found.count("data-person=") == 1
    paged = client.get(work(world, "staff/"), {"size": 2}).content.decode()
    assert paged.count("data-person=") == 2 and "page=2" in paged


def test_revoking_a_role_and_never_the_last_administrator(world, admin, signed_in):
    with tenant_context(world):
        grid = f.person("g", "grid_worker", "V01").user
    client = signed_in(admin)
    page = client.get(work(world, "staff/"))
    membership = Membership.objects.get(user=grid, township=world)
    reply = client.post(work(world, f"staff/roles/{membership.pk}/revoke/"), {"submission": "k1"})
    assert reply.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    # Two administrators (the onboarded one and boss): one may go, the last may not.
    admins = Membership.objects.filter(township=world, role="township_admin")
    first = admins.exclude(user=admin.user).get()
    client.post(work(world, f"staff/roles/{first.pk}/revoke/"), {"submission": "k2"})
    own = admins.get(user=admin.user)
    reply = client.post(work(world, f"staff/roles/{own.pk}/revoke/"), {"submission": "k3"})
    assert Membership.objects.filter(pk=own.pk).exists()
    assert "no administrator left" in client.get(reply["Location"]).content.decode()
    assert page.status_code == 200


def test_a_membership_of_another_township_is_404(world, admin, signed_in, township_b):
    with tenant_context(township_b):
        other = f.person("b-grid", "grid_worker").user
    membership = Membership.objects.get(user=other, township=township_b)
    client = signed_in(admin)
    reply = client.post(work(world, f"staff/roles/{membership.pk}/revoke/"), {"submission": "x"})
    assert reply.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
    for action in ("deactivate", "link", "unlock"):
        reply = client.post(
            work(world, f"staff/people/{other.pk}/{action}/"), {"submission": action}
        )
        assert reply.status_code == 404
    assert User.objects.get(pk=other.pk).is_active


def test_deactivating_ends_the_account_only_when_it_has_no_role_elsewhere(
    world, admin, signed_in, township_b
):
    with tenant_context(world):
        only_here = f.person("only", "grid_worker", "V01").user
        both = f.person("both", "grid_worker", "V02").user
    grant_role(both, township_b, "council_member")
    client = signed_in(admin)
    client.post(work(world, f"staff/people/{only_here.pk}/deactivate/"), {"submission": "d1"})
    reply = client.post(work(world, f"staff/people/{both.pk}/deactivate/"), {"submission": "d2"})
    only_here.refresh_from_db()
    both.refresh_from_db()
    assert not only_here.is_active
    assert not Membership.objects.filter(user=only_here).exists()
    assert both.is_active  # it works in township B: only the role here is revoked
    assert list(Membership.objects.filter(user=both).values_list("township", flat=True)) == [
        township_b.pk
    ]
    assert "stays active" in client.get(reply["Location"]).content.decode()
    # A new role switches a deactivated person on again.
    grant(client, world, email="only@test.local", role="grid_worker", village_code="V01")
    only_here.refresh_from_db()
    assert only_here.is_active


def test_an_administrator_cannot_deactivate_themselves(world, admin, signed_in):
    client = signed_in(admin)
    reply = client.post(
        work(world, f"staff/people/{admin.user.pk}/deactivate/"), {"submission": "s"}
    )
    assert "your own account" in client.get(reply["Location"]).content.decode()
    assert User.objects.get(pk=admin.user.pk).is_active


def link_in(html: str) -> str:
    return re.search(r"https?://testserver(/\S*?accounts/reset/[^/\s]+/[^/\s]+/)", html).group(1)


def test_a_sign_in_link_works_once(world, admin, signed_in):
    with tenant_context(world):
        person = f.person("linked", "grid_worker", "V01").user
    client = signed_in(admin)
    reply = client.post(work(world, f"staff/people/{person.pk}/link/"), {"submission": "l1"})
    link = link_in(client.get(reply["Location"]).content.decode())
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    form = visitor.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    password = "A long new passphrase 42"
    done = visitor.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )
    assert done.status_code == 302 and done["Location"].endswith("/work/")
    person.refresh_from_db()
    assert person.check_password(password)
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(link, follow=True)
    assert "used already or has expired" in again.content.decode()


def test_no_sign_in_link_for_someone_who_works_elsewhere_too(world, admin, signed_in, township_b):
    with tenant_context(world):
        person = f.person("shared", "grid_worker", "V01").user
    grant_role(person, township_b, "grid_worker")
    client = signed_in(admin)
    reply = client.post(work(world, f"staff/people/{person.pk}/link/"), {"submission": "l2"})
    html = client.get(reply["Location"]).content.decode()
    assert "accounts/reset/" not in html and "also holds roles outside" in html


def test_a_locked_out_colleague_is_unlocked(world, admin, signed_in):
    with tenant_context(world):
        person = f.person("locked", "grid_worker", "V01").user
    AccessAttempt.objects.create(
        username=person.username,
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    client = signed_in(admin)
    assert "locked out" in client.get(work(world, "staff/"), {"q": "locked"}).content.decode()
    client.post(work(world, f"staff/people/{person.pk}/unlock/"), {"submission": "u"})
    assert not AccessAttempt.objects.filter(username=person.username).exists()


@pytest.mark.parametrize(
    ("role", "village"), [("council_member", ""), ("grid_worker", "V01"), ("village_committee", "")]
)
def test_staff_pages_are_for_the_township_administrator_only(world, signed_in, role, village):
    with tenant_context(world):
        someone = f.person(None, role, village)
        household = f.person(None, "household", household_code="V01-0001")
    for actor in (someone, household):
        client = signed_in(actor)
        for path in ("staff/", "policy/", "plugins/", "plugins/loans/"):
            assert client.get(work(world, path)).status_code == 403, (role, path)
        target = Membership.objects.filter(township=world).first()
        reply = client.post(work(world, f"staff/roles/{target.pk}/revoke/"), {"submission": "z"})
        assert reply.status_code == 403
    assert Membership.objects.filter(pk=target.pk).exists()


def test_the_home_page_counts_people_who_never_signed_in(world, admin, signed_in):
    with tenant_context(world):
        f.person("new1", "grid_worker", "V01")
        f.person("new2", "party_member", "V02")
    client = signed_in(admin)
    home = client.get(work(world)).content.decode()
    line = home.split('data-waiting="invited"')[1].split("</li>")[0]
    count = int(re.search(r'class="badge[^"]*">(\d+)<', line).group(1))
    listed = client.get(work(world, "staff/"), {"never": "1"}).content.decode()
    assert count == listed.count("data-person=") >= 2


def test_the_staff_page_speaks_chinese_by_default(world, admin):
    client = Client()  # no Accept-Language: the platform's default, zh-hans
    client.force_login(admin.user)
    html = client.get(work(world, "staff/")).content.decode()
    assert "人员与角色" in html and "授予角色" in html and "手机号码" in html
