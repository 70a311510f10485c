"""Petition early warnings kept for acknowledgement (issue 17): created once per village
and month when the month is finalised, sent to the village's handlers, acknowledged on
the workbench or through the API with a note (who and when recorded)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from platform_core.errors import NotAllowed
from platform_core.households.models import Village
from platform_core.notices.models import StaffNotice
from platform_core.plugins.services import PluginError, enable_plugin
from plugins.petition.models import EarlyWarning
from plugins.petition.services import acknowledge_warning, announce_early_warnings, receive_case
from tests import factories as f
from tests.api import endpoint, gql, token_for

pytestmark = pytest.mark.django_db

D = dt.date
APRIL = D(2025, 4, 1)


@pytest.fixture
def petition_a(township_a, in_township):
    enable_plugin(township_a, "petition", {"warning_months": 3})
    with in_township(township_a):
        f.village()
        f.village("V02", "白鹤村")
        yield township_a


def spike(village="V01", cases=3, prefix="W") -> None:
    """``cases`` hotline cases of ``village`` in April 2025 (none before: a warning at 3)."""
    for n in range(cases):
        receive_case(
            kind="hotline",
            reference=f"{prefix}{village}-{n}",
            village=Village.objects.get(code=village),
            summary="反映噪音",
            received_at=timezone.make_aware(dt.datetime(2025, 4, 10 + n, 9)),
            by=f.person(),
        )


def announce() -> list[str]:
    return announce_early_warnings(APRIL, list(Village.objects.values_list("pk", flat=True)))


def test_a_warning_is_kept_once_and_sent_to_the_villages_handlers(
    petition_a, django_capture_on_commit_callbacks
):
    handler = f.person("gw-v01", "grid_worker", "V01")
    other = f.person("gw-v02", "grid_worker", "V02")
    admin = f.person("boss", "township_admin")
    spike("V01")
    spike("V02", cases=1)
    with django_capture_on_commit_callbacks(execute=True):
        said = announce()
    assert len(said) == 1 and said[0].startswith("太湖村: 3 cases in 2025-04")
    warning = EarlyWarning.objects.get()
    assert (warning.village.code, warning.month, warning.cases, warning.average) == (
        "V01",
        APRIL,
        3,
        0.0,
    )
    assert warning.acknowledged_at is None
    sent = StaffNotice.objects.filter(key="petition-warning-V01-2025-04")
    people = set(sent.values_list("person_id", flat=True))
    assert handler.user.pk in people and admin.user.pk in people
    assert other.user.pk not in people  # a grid worker of another village is not told
    before = StaffNotice.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        announce()  # finalising again: nothing new
    assert EarlyWarning.objects.count() == 1 and StaffNotice.objects.count() == before


def test_acknowledging_records_who_when_and_the_note_once(petition_a):
    spike()
    announce()
    warning = EarlyWarning.objects.get()
    handler = f.person("gw-v01", "grid_worker", "V01")
    with pytest.raises(PluginError, match="note") as refused:
        acknowledge_warning(warning, by=handler, note="   ")
    assert refused.value.field == "note"
    done = acknowledge_warning(warning, by=handler, note="已约谈村两委，排查噪音源")
    assert done.acknowledged_by_id == handler.user.pk
    assert done.acknowledged_by_label == "gw-v01@test.local"
    assert done.note == "已约谈村两委，排查噪音源" and done.acknowledged_at is not None
    with pytest.raises(PluginError, match="already acknowledged by gw-v01@test.local"):
        acknowledge_warning(warning, by=handler, note="again")


def test_a_grid_worker_of_another_village_can_neither_see_nor_acknowledge(petition_a):
    spike()
    announce()
    warning = EarlyWarning.objects.get()
    other = f.person("gw-v02", "grid_worker", "V02")
    with pytest.raises(NotAllowed):
        acknowledge_warning(warning, by=other, note="not mine")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(other.user)
    page = f"/t/{petition_a.code}/work/x/petition/warnings/"
    html = client.get(page).content.decode()
    assert f'data-warning="{warning.pk}"' not in html and "太湖村" not in html
    posted = client.post(page, {"warning": warning.pk, f"w{warning.pk}-note": "mine now"})
    assert posted.status_code == 404
    connection.set_tenant(petition_a)  # a request leaves the connection on the public schema
    warning.refresh_from_db()
    assert warning.acknowledged_at is None


def test_the_workbench_screen_lists_and_acknowledges_with_a_required_note(petition_a):
    spike()
    announce()
    warning = EarlyWarning.objects.get()
    handler = f.person("gw-v01", "grid_worker", "V01")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(handler.user)
    home = client.get(f"/t/{petition_a.code}/work/").content.decode()
    assert "Early warnings to acknowledge" in home
    page = f"/t/{petition_a.code}/work/x/petition/warnings/"
    html = client.get(page).content.decode()
    assert f'data-warning="{warning.pk}"' in html and "3 cases in the month" in html
    key = re.search(rf'name="w{warning.pk}-submission" value="([^"]+)"', html).group(1)
    empty = client.post(
        page, {"warning": warning.pk, f"w{warning.pk}-submission": key, f"w{warning.pk}-note": ""}
    )
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    done = client.post(
        page,
        {
            "warning": warning.pk,
            f"w{warning.pk}-submission": key,
            f"w{warning.pk}-note": "已安排网格员入户走访",
        },
    )
    assert done.status_code == 302
    connection.set_tenant(petition_a)  # a request leaves the connection on the public schema
    warning.refresh_from_db()
    assert warning.acknowledged_by_id == handler.user.pk
    assert warning.note == "已安排网格员入户走访"
    assert f'data-warning="{warning.pk}"' not in client.get(page).content.decode()
    assert client.post(page, {"warning": "x"}).status_code == 404  # bad input


def test_a_household_member_has_no_warnings_screen(petition_a):
    head = f.person("head", "household", household_code="V01-0001")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(head.user)
    assert client.get(f"/t/{petition_a.code}/work/x/petition/warnings/").status_code == 403


def test_township_bs_warnings_never_show_in_as_screen(petition_a, township_b, in_township):
    enable_plugin(township_b, "petition", {"warning_months": 3})
    with in_township(township_b):
        f.village()
        spike(prefix="B")
        announce()
        b_warning = EarlyWarning.objects.get()
        admin_b = f.person("boss-b", "township_admin")
    admin = f.person("boss", "township_admin")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin.user)
    page = f"/t/{petition_a.code}/work/x/petition/warnings/"
    assert "No early warning waits for you." in client.get(page).content.decode()
    posted = client.post(page, {"warning": b_warning.pk, f"w{b_warning.pk}-note": "x"})
    assert posted.status_code == 404
    client.force_login(admin_b.user)
    assert (
        f'data-warning="{b_warning.pk}"'
        in client.get(f"/t/{township_b.code}/work/x/petition/warnings/").content.decode()
    )


ACK = """mutation($village: String!, $month: String!, $note: String!) {
  acknowledgePetitionWarning(villageCode: $village, month: $month, note: $note) {
    warning { villageCode month cases acknowledgedAt acknowledgedByLabel note }
    errors { field code message }
  }
}"""


def test_the_api_acknowledges_a_warning(petition_a, township_b):
    spike()
    announce()
    committee = token_for(petition_a, "vc@warnings.test", "village_committee", "V01")
    other = token_for(petition_a, "gw2@warnings.test", "grid_worker", "V02")

    def ack(bearer, village="V01", month="2025-04", note="已处理", township=petition_a):
        body = gql(
            Client(),
            endpoint(township),
            ACK,
            {"village": village, "month": month, "note": note},
            token=bearer,
        )
        return body

    def result(body):
        assert not body.get("errors"), body
        return body["data"]["acknowledgePetitionWarning"]

    empty = result(ack(committee, note=" "))
    assert [e["field"] for e in empty["errors"]] == ["note"]
    wrong = result(ack(other))
    assert [e["code"] for e in wrong["errors"]] == ["NOT_FOUND"]
    assert "V01" in wrong["errors"][0]["message"]
    missing = result(ack(committee, month="2025-03"))
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]
    bad_month = ack(committee, month="April")
    assert "month" in str(bad_month)
    connection.set_tenant(petition_a)  # a request leaves the connection on the public schema
    assert EarlyWarning.objects.get().acknowledged_at is None
    done = result(ack(committee))
    assert done["errors"] in (None, [])
    assert done["warning"]["acknowledgedByLabel"].startswith("vc@warnings.test")
    assert done["warning"]["note"] == "已处理" and done["warning"]["cases"] == 3
    again = result(ack(committee))
    assert [e["code"] for e in again["errors"]] == ["REFUSED"]
    # Another township's token finds nothing of A's.
    enable_plugin(township_b, "petition")
    admin_b = token_for(township_b, "admin@warnings-b.test", "township_admin")
    elsewhere = result(ack(admin_b, township=township_b))
    assert [e["code"] for e in elsewhere["errors"]] == ["NOT_FOUND"]
