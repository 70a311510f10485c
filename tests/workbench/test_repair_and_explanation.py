"""Credit repair in the workbench (the household applies, the council decides) and the
printable explanation of a household's tier (PIPL Art. 24)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.scoring.models import EntryStatus, Objection, RepairApplication, ScoreEvent
from platform_core.scoring.repair import apply_for_repair
from platform_core.scoring.services import file_objection
from tests import factories as f
from tests.workbench.conftest import work


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


@pytest.fixture
def people(world):
    world.response_days = 0  # the deduction counts at once: the notice is not tested here
    world.score_window = "lifetime"  # early January too
    world.save(update_fields=["response_days", "score_window"])
    with tenant_context(world):
        return {
            "home": f.person("home", "household", "V01", household_code="V01-0001"),
            "neighbour": f.person("neighbour", "household", "V01", household_code="V01-0002"),
            "grid": f.person("grid", "grid_worker", "V01"),
            "grid2": f.person("grid2", "grid_worker", "V02"),
            "council": f.person("council", "council_member"),
            "committee2": f.person("committee2", "village_committee", "V02"),
            "admin": f.person("admin", "township_admin"),
        }


@pytest.fixture
def deduction(world, people):
    with tenant_context(world):
        return f.approved(
            "V01-0001",
            "P7-03",
            timezone.localdate() - dt.timedelta(days=3),
            by=people["grid"],
            reviewer=people["council"],
        )


def test_a_household_applies_and_the_council_grants_the_repair(world, people, deduction, signed_in):
    home = signed_in(people["home"])
    mine = home.get(work(world, "mine/")).content.decode()
    assert f'data-repairable="{deduction.pk}"' in mine
    url = work(world, f"mine/entries/{deduction.pk}/repair/")
    page = home.get(url)
    assert page.status_code == 200
    sent = home.post(
        url,
        {
            "submission": key(page),
            "action": "volunteering",
            "hours": "8",
            "evidence": "8 hours at the old people's home",
        },
    )
    assert sent.status_code == 302 and sent["Location"].endswith("#repairs")
    with tenant_context(world):
        application = RepairApplication.objects.get(entry=deduction)
    assert (application.hours, application.applied_by_label) == (8, "home@test.local")
    mine = home.get(work(world, "mine/")).content.decode()
    assert f'data-repair="{application.pk}" data-status="pending"' in mine
    assert f'data-repairable="{deduction.pk}"' not in mine  # one pending at a time

    council = signed_in(people["council"])
    queue = council.get(work(world, "repairs/")).content.decode()
    assert f'data-repair="{application.pk}"' in queue
    # The grid worker recorded it: not even shown to decide; V02's committee: not found.
    assert signed_in(people["grid"]).get(work(world, "repairs/")).status_code == 403
    assert (
        signed_in(people["committee2"]).get(work(world, f"repairs/{application.pk}/")).status_code
        == 404
    )
    decide = work(world, f"repairs/{application.pk}/")
    page = council.get(decide)
    refused = council.post(decide, {"submission": key(page), "decision": "grant", "reason": ""})
    assert refused.status_code == 400
    page = council.get(decide)
    done = council.post(
        decide, {"submission": key(page), "decision": "grant", "reason": "hours confirmed"}
    )
    assert done.status_code == 302
    with tenant_context(world):
        deduction.refresh_from_db()
        application.refresh_from_db()
    assert deduction.status == EntryStatus.REPAIRED and application.status == "granted"
    mine = home.get(work(world, "mine/")).content.decode()
    assert f'data-repair="{application.pk}" data-status="granted"' in mine
    assert "hours confirmed" in mine


def test_bad_input_and_another_households_entry(world, people, deduction, signed_in):
    home = signed_in(people["home"])
    url = work(world, f"mine/entries/{deduction.pk}/repair/")
    page = home.get(url)
    missing = home.post(
        url, {"submission": key(page), "action": "volunteering", "evidence": "helped"}
    )
    assert missing.status_code == 400
    assert "say how many hours were volunteered" in missing.content.decode()
    page = home.get(url)
    blank = home.post(url, {"submission": key(page), "action": "bribe", "evidence": ""})
    assert blank.status_code == 400
    neighbour = signed_in(people["neighbour"])
    assert neighbour.get(url).status_code == 404
    assert neighbour.post(url, {"action": "other", "evidence": "x"}).status_code == 404
    with tenant_context(world):
        assert not RepairApplication.objects.exists()


def test_another_townships_people_reach_nothing(world, township_b, people, deduction, signed_in):
    with tenant_context(world):
        application = apply_for_repair(
            deduction, by=people["home"], action="rectification", evidence="fixed"
        )
    with tenant_context(township_b):
        outsider = f.person("outsider", "township_admin")
    client = signed_in(outsider)
    for path in (
        f"repairs/{application.pk}/",
        "households/V01-0001/explanation/",
        f"mine/entries/{deduction.pk}/repair/",
    ):
        assert client.get(work(world, path)).status_code == 403
        assert client.get(work(township_b, path)).status_code in (403, 404)


def test_the_explanation_shows_every_counted_entry_with_its_basis_people_and_decisions(
    world, people, deduction, signed_in
):
    with tenant_context(world):
        bonus = f.approved("V01-0001", "VO-01", timezone.localdate() - dt.timedelta(days=2))
        objection = file_objection(deduction, by=people["home"], reason="I was not there")
        Objection.objects.filter(pk=objection.pk).update(answer_due=dt.date(2030, 1, 31))
        apply_for_repair(deduction, by=people["grid"], action="rectification", evidence="fixed")
        f.approved("V02-0001", "P7-03", timezone.localdate(), by=people["grid2"])
    home = signed_in(people["home"])
    mine = home.get(work(world, "mine/")).content.decode()
    assert "mine/explanation/" in mine
    page = home.get(work(world, "mine/explanation/"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-entry="{deduction.pk}"' in text and f'data-entry="{bonus.pk}"' in text
    with tenant_context(world):
        basis = f.rule("P7-03").basis
        others = list(
            ScoreEvent.objects.exclude(household__code="V01-0001").values_list("pk", flat=True)
        )
    assert basis and basis in text
    assert "grid@test.local" in text and "council@test.local" in text  # recorded, reviewed
    assert f'data-objection="{objection.pk}"' in text and "2030-01-31" in text
    assert "data-repair=" in text
    assert "data-notice=" in text  # the deduction's notice, with its channel and status
    assert 'data-tier="red"' in text
    for pk in others:
        assert f'data-entry="{pk}"' not in text  # another household's entries never
    # Staff open it from the household page; staff of another village do not find it.
    staff_page = signed_in(people["grid"]).get(work(world, "households/V01-0001/"))
    assert "households/V01-0001/explanation/" in staff_page.content.decode()
    staff = signed_in(people["grid"]).get(work(world, "households/V01-0001/explanation/"))
    assert staff.status_code == 200 and f'data-entry="{deduction.pk}"' in staff.content.decode()
    away = signed_in(people["grid2"]).get(work(world, "households/V01-0001/explanation/"))
    assert away.status_code == 404


def test_a_household_cannot_read_anothers_explanation(world, people, deduction, signed_in):
    neighbour = signed_in(people["neighbour"])
    page = neighbour.get(work(world, "mine/explanation/"))
    assert page.status_code == 200 and f'data-entry="{deduction.pk}"' not in page.content.decode()
    assert neighbour.get(work(world, "mine/explanation/?household=V01-0001")).status_code == 404
    assert neighbour.get(work(world, "households/V01-0001/explanation/")).status_code == 403


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("yesterday", "is not a date"),
        ("2026-13-40", "is not a date"),
        ("2999-01-01", "later than today"),
    ],
)
def test_the_explanation_refuses_a_bad_day(world, people, deduction, signed_in, on, message):
    page = signed_in(people["home"]).get(work(world, f"mine/explanation/?on={on}"))
    assert page.status_code == 400 and message in page.content.decode()


def test_the_explanation_of_an_earlier_day(world, people, deduction, signed_in):
    before = (deduction.occurred_on - dt.timedelta(days=1)).isoformat()
    page = signed_in(people["home"]).get(work(world, f"mine/explanation/?on={before}"))
    text = page.content.decode()
    assert page.status_code == 200 and f'data-entry="{deduction.pk}"' not in text
    assert "No entry counts on this day." in text
