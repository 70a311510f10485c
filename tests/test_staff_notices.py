"""notify_staff: a notice to each person holding one of the roles in the township served
(village roles for that village only), by SMS and e-mail, once per key, person and channel,
sent after the commit; send_notices sends what waits; the township admin lists them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from platform_core.accounts.services import grant_role
from platform_core.notices.backends import SmsError, read_file_messages
from platform_core.notices.models import StaffNotice
from township_integrity.errors import PlatformError
from township_integrity.roles import Role
from township_integrity.services import Actor, notify_staff

pytestmark = pytest.mark.django_db

ROLES = (Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE)
# The administrators the test townships were onboarded with (township_integrity.testing).
ONBOARDED_A, ONBOARDED_B = "admin@jia.test", "admin@yi.test"


class Refusing:
    def send(self, phone: str, text: str) -> str:
        raise SmsError("gateway says no")


@pytest.fixture
def sms_dir(tmp_path):
    with override_settings(
        NOTIFY_SMS_BACKEND="platform_core.notices.backends.FileBackend",
        NOTIFY_SMS_DIR=tmp_path / "sms",
    ):
        yield tmp_path / "sms"


def person(username: str, township, role: str, village_code: str = "", *, email: str = ""):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username=username, email=email)
    grant_role(user, township, role, village_code)
    return user


@pytest.fixture
def staff(township_a, township_b):
    """Township A's staff (and one of B's) with e-mail, phone or both."""
    return {
        "admin": person("admin@a.test", township_a, Role.TOWNSHIP_ADMIN, email="admin@a.test"),
        "vc_v01_phone": person("13800000001", township_a, Role.VILLAGE_COMMITTEE, "V01"),
        "vc_v02": person(
            "vc2@a.test", township_a, Role.VILLAGE_COMMITTEE, "V02", email="vc2@a.test"
        ),
        "vc_all_both": person(
            "+8613900000002", township_a, Role.VILLAGE_COMMITTEE, email="both@a.test"
        ),
        "grid_v01": person("grid@a.test", township_a, Role.GRID_WORKER, "V01", email="grid@a.test"),
        "gone": _inactive(
            person("gone@a.test", township_a, Role.TOWNSHIP_ADMIN, email="gone@a.test")
        ),
        "admin_b": person("admin@b.test", township_b, Role.TOWNSHIP_ADMIN, email="admin@b.test"),
        # Holds a role in B only.
        "b_and_household_a": person(
            "13800000009", township_b, Role.VILLAGE_COMMITTEE, "V01", email="hb@b.test"
        ),
    }


def _inactive(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def notify(**overrides) -> int:
    arguments = {
        "roles": ROLES,
        "village_code": "V01",
        "subject": "Case 42 is overdue",
        "text": "Case 42 of village V01 passed its handling deadline.",
        "key": "petition-overdue-42",
    }
    return notify_staff(**{**arguments, **overrides})


def recipients(key: str = "petition-overdue-42") -> set[tuple[str, str, str]]:
    return set(
        StaffNotice.objects.filter(key=key).values_list("person_label", "channel", "address")
    )


def test_the_roles_of_the_village_and_of_the_whole_township_are_told(
    township_a, staff, in_township, sms_dir, django_capture_on_commit_callbacks
):
    with in_township(township_a), django_capture_on_commit_callbacks(execute=True):
        queued = notify(by=Actor.plugin("petition"))
    with in_township(township_a):
        assert recipients() == {
            (ONBOARDED_A, "email", ONBOARDED_A),
            ("admin@a.test", "email", "admin@a.test"),
            ("13800000001", "sms", "13800000001"),
            ("both@a.test", "sms", "+8613900000002"),
            ("both@a.test", "email", "both@a.test"),
        }
        assert queued == 5
        assert set(StaffNotice.objects.values_list("status", flat=True)) == {"sent"}
        notice = StaffNotice.objects.get(channel="sms", address="13800000001")
        assert notice.sent_by_label == "plugin:petition" and notice.village_code == "V01"
        assert notice.reference.startswith("file-")
    messages = read_file_messages(sms_dir)
    assert sorted(m["to"] for m in messages) == ["+8613900000002", "13800000001"]
    assert messages[0]["text"] == "Case 42 of village V01 passed its handling deadline."
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@a.test", ONBOARDED_A, "both@a.test"]
    assert mail.outbox[0].subject == "Case 42 is overdue"


def test_without_a_village_only_township_wide_roles_are_told(
    township_a, staff, in_township, sms_dir
):
    with in_township(township_a):
        assert notify(village_code=None, key="k-none") == 4
        people = {label for label, _c, _a in recipients("k-none")}
        assert people == {ONBOARDED_A, "admin@a.test", "both@a.test"}
        notify(village_code="V02", key="k-v02")
        assert "vc2@a.test" in {label for label, _c, _a in recipients("k-v02")}
        assert "13800000001" not in {label for label, _c, _a in recipients("k-v02")}


def test_the_same_key_sends_nothing_new(
    township_a, staff, in_township, sms_dir, django_capture_on_commit_callbacks
):
    with in_township(township_a):
        with django_capture_on_commit_callbacks(execute=True):
            assert notify() == 5
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert notify() == 0
        assert callbacks == []
        assert StaffNotice.objects.count() == 5
        # A person given the role since is told once, the others not again.
        person("late@a.test", township_a, Role.TOWNSHIP_ADMIN, email="late@a.test")
        with django_capture_on_commit_callbacks(execute=True):
            assert notify() == 1
        # Another key is another notice.
        with django_capture_on_commit_callbacks(execute=True):
            assert notify(key="petition-overdue-43") == 6
    assert len(read_file_messages(sms_dir)) == 4
    assert len(mail.outbox) == 3 + 1 + 4


def test_a_role_nobody_holds_tells_nobody(township_a, staff, in_township, sms_dir):
    with in_township(township_a):
        assert notify(roles=(Role.COUNCIL_MEMBER,)) == 0
        assert notify(roles=(Role.GRID_WORKER,), village_code="V02") == 0
        assert not StaffNotice.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"roles": ()}, "roles", "staff roles"),
        ({"roles": ("household",)}, "roles", "not household"),
        ({"roles": ("county_admin",)}, "roles", "not county_admin"),
        ({"key": " "}, "key", "a key of 1 to 200"),
        ({"key": "k" * 201}, "key", "a key of 1 to 200"),
        ({"subject": ""}, "subject", "a subject"),
        ({"text": "x" * 2001}, "text", "a text of 1 to 2000"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(
    township_a, staff, in_township, overrides, field, says
):
    with in_township(township_a), pytest.raises(PlatformError) as refused:
        notify(**overrides)
    assert refused.value.field == field and says in str(refused.value)


def test_outside_a_township_nobody_is_told(staff):
    assert connection.schema_name == "public"
    with pytest.raises(PlatformError, match="inside a township"):
        notify()


def test_no_one_of_another_township_is_told(
    township_a, township_b, staff, in_township, sms_dir, django_capture_on_commit_callbacks
):
    with in_township(township_b), django_capture_on_commit_callbacks(execute=True):
        assert notify() == 4  # B's administrators (e-mail) and B's V01 committee (both)
    with in_township(township_b):
        people = {label for label, _c, _a in recipients()}
        assert people == {ONBOARDED_B, "admin@b.test", "hb@b.test"}
    with in_township(township_a):
        assert not StaffNotice.objects.exists()
        assert notify() == 5  # the same key in A is A's own
        assert "admin@b.test" not in {label for label, _c, _a in recipients()}
    assert sorted(m["to"] for m in read_file_messages(sms_dir)) == ["13800000009"]


def test_a_gateway_failure_is_recorded_and_the_others_are_sent(
    township_a, staff, in_township, django_capture_on_commit_callbacks
):
    with (
        override_settings(NOTIFY_SMS_BACKEND="tests.test_staff_notices.Refusing"),
        in_township(township_a),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify()
    with in_township(township_a):
        failed = StaffNotice.objects.filter(status="failed")
        assert {n.channel for n in failed} == {"sms"} and failed.count() == 2
        assert failed.first().error == "gateway says no"
        assert StaffNotice.objects.filter(status="sent").count() == 3


def test_nothing_is_sent_for_a_transaction_that_rolls_back_and_send_notices_sends_what_waits(
    township_a, staff, in_township, sms_dir
):
    with in_township(township_a):
        notify()  # the commit never comes in a test: the notices wait
        assert set(StaffNotice.objects.values_list("status", flat=True)) == {"pending"}
    assert read_file_messages(sms_dir) == [] and mail.outbox == []
    out = StringIO()
    call_command("send_notices", "--township", township_a.code, stdout=out)
    assert f"{township_a.code}: 5 staff notices sent, 0 failed" in out.getvalue()
    call_command("send_notices", "--township", township_a.code, stdout=out)
    assert f"{township_a.code}: 0 staff notices sent, 0 failed" in out.getvalue()
    assert len(read_file_messages(sms_dir)) == 2 and len(mail.outbox) == 3


def test_the_township_admin_lists_staff_notices_read_only_and_masked(
    township_a, township_b, staff, in_township, sms_dir, client
):
    with in_township(township_a):
        notify()
        notice = StaffNotice.objects.get(address="13800000001")
    listing_url = f"/t/{township_a.code}/admin/notices/staffnotice/"
    client.force_login(staff["admin"])
    listing = client.get(listing_url, HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    assert "138****0001" in listing.text and "13800000001" not in listing.text
    assert "petition-overdue-42" in listing.text
    page = client.get(f"{listing_url}{notice.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert 'name="_save"' not in page.text  # read-only
    assert client.get(f"{listing_url}add/").status_code == 403
    # A village committee member does not see what staff were told.
    client.force_login(staff["vc_v02"])
    assert client.get(listing_url).status_code == 403
    # Township B's administrator sees B's list, without A's notices.
    client.force_login(staff["admin_b"])
    other = client.get(
        f"/t/{township_b.code}/admin/notices/staffnotice/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert other.status_code == 200 and "petition-overdue-42" not in other.text
