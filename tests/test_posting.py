"""Public posting (公示) of a month's results before it is finalised (issue 16, item 5).

The posting service and its refusals, the override with its recorded reason, the
``evaluate`` command's contract (--post, the refusal saying until when,
--override-posting), the public page and PDF with masked names only, another
township's posting out of reach, the workbench month page and the GraphQL mutation.
The test townships post nothing (tests/conftest.py); these tests set posting_days.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.errors import NotAllowed
from platform_core.evaluation.models import EvaluationRound, Posting, PostingOverride
from platform_core.evaluation.services import EvaluationError, finalise_month, post_month
from platform_core.households.models import Village
from platform_core.scheduling import previous_month
from platform_core.scoring.services import record_entry
from platform_core.scoring.workdays import add_working_days
from tests import factories as f
from tests.api import endpoint, gql, token_for
from tests.test_pages_boards import cid, pdf_text
from tests.workbench.conftest import work

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)
POSTED = D(2026, 4, 1)  # a Wednesday; five working days later: 9 April (Qingming 4–6 April)


@pytest.fixture
def township(township_a):
    """甲镇 posting for 5 working days; V01 太湖村: 俞国明 110 green, 沈红 95 red, 张小英 100
    blue (March 2026), with phone numbers and addresses that must never be posted."""
    township_a.posting_days = 5
    township_a.publish_red_on_board = False
    township_a.save(update_fields=["posting_days", "publish_red_on_board"])
    with tenant_context(township_a):
        f.village()
        for n, household in enumerate(f.household(f"V01-000{i}") for i in (1, 2, 3)):
            household.phone = f"1380000000{n}"
            household.address = f"太湖村{n + 1}组"
            household.save()
        f.approved("V01-0001", "VO-03", D(2026, 3, 3))
        f.approved("V01-0002", "P7-02", D(2026, 3, 4))
    return township_a


def village():
    return Village.objects.get(code="V01")


def admin():
    """The township administrator admin@test.local (made once per test)."""
    from django.contrib.auth import get_user_model

    from platform_core.actors import Actor

    user = get_user_model().objects.filter(username="admin@test.local").first()
    return Actor.of(user) if user else f.person("admin", "township_admin")


# --- the service --------------------------------------------------------------


def test_a_posting_freezes_masked_figures_and_ends_after_working_days(township):
    with tenant_context(township):
        posting = post_month(village(), MARCH, by=admin(), posted_on=POSTED)
        assert posting.ends_on == D(2026, 4, 9) == add_working_days(POSTED, 5)
        assert posting.working_days == 5 and posting.backdated
        assert posting.posted_by_label == "admin@test.local"
        assert [row[1:] for row in posting.rows] == [
            ["俞*明", 110, "green"],
            ["沈某", 95, "red"],
            ["张*英", 100, "blue"],
        ]
        assert (posting.households, posting.green, posting.blue, posting.red) == (3, 1, 1, 1)
        assert "1380000000" not in json.dumps(posting.rows, ensure_ascii=False)


def test_the_posting_period_skips_the_spring_festival_and_counts_its_make_up_day(township):
    with tenant_context(township):
        posting = post_month(village(), D(2026, 1, 1), by=admin(), posted_on=D(2026, 2, 13))
    # Friday 13 Feb; Saturday 14 Feb is a make-up working day (1), 15–23 Feb the holiday,
    # then 24, 25, 26, 27 Feb: the fifth working day. Weekdays alone would give 20 Feb.
    assert posting.ends_on == D(2026, 2, 27)


def test_finalising_a_month_never_posted_is_refused_naming_the_village(township):
    with tenant_context(township), pytest.raises(EvaluationError) as refused:
        finalise_month(MARCH, by=admin())
    assert "太湖村 has not posted the results of 2026-03" in str(refused.value)
    with tenant_context(township):
        assert not EvaluationRound.objects.filter(status="finalised").exists()


def test_finalising_during_the_posting_is_refused_until_its_end(township):
    last_month = previous_month(timezone.localdate())
    with tenant_context(township):
        posting = post_month(village(), last_month, by=admin())
        assert not posting.backdated and posting.posted_on == timezone.localdate()
        with pytest.raises(EvaluationError) as refused:
            finalise_month(last_month, by=admin())
    assert f"are posted until {posting.ends_on:%Y-%m-%d}" in str(refused.value)
    assert "太湖村" in str(refused.value)


def test_after_the_posting_period_the_month_is_finalised(township):
    with tenant_context(township):
        post_month(village(), MARCH, by=admin(), posted_on=POSTED)
        result = finalise_month(MARCH, by=admin())
        assert result.finalized and (result.green, result.blue, result.red) == (1, 1, 1)
        assert not PostingOverride.objects.exists()
        with pytest.raises(EvaluationError, match="finalised; a finalised month is not posted"):
            post_month(village(), MARCH, by=admin(), posted_on=D(2026, 4, 20))


def test_an_administrator_overrides_with_a_reason_which_is_recorded(township):
    last_month = previous_month(timezone.localdate())
    with tenant_context(township):
        person = admin()
        posting = post_month(village(), last_month, by=person)
        finalise_month(last_month, by=person, override_posting="  县里要求月底前上报  ")
        override = PostingOverride.objects.get()
        assert override.reason == "县里要求月底前上报"
        assert override.overridden_by_label == "admin@test.local"
        assert override.posting == posting and override.village.code == "V01"
        assert f"until {posting.ends_on:%Y-%m-%d}" in override.refusal
        assert timezone.now() - override.overridden_at < dt.timedelta(minutes=1)
        assert EvaluationRound.objects.get(period=last_month).status == "finalised"


def test_an_override_without_a_reason_is_refused_at_its_field(township):
    with tenant_context(township):
        with pytest.raises(EvaluationError, match="needs a reason") as refused:
            finalise_month(MARCH, by=admin(), override_posting="   ")
        assert refused.value.field == "override_posting"
        assert not EvaluationRound.objects.filter(status="finalised").exists()
        assert not PostingOverride.objects.exists()


def test_only_a_township_administrator_may_override(township):
    with tenant_context(township):
        committee = f.person("committee", "village_committee")
        with pytest.raises(NotAllowed):
            finalise_month(MARCH, by=committee, override_posting="urgent")
        assert not PostingOverride.objects.exists()


def test_a_grid_worker_can_neither_post_nor_finalise(township):
    with tenant_context(township):
        grid = f.person("grid", "grid_worker", "V01")
        with pytest.raises(NotAllowed):
            post_month(village(), MARCH, by=grid, posted_on=POSTED)
        with pytest.raises(NotAllowed):
            finalise_month(MARCH, by=grid, override_posting="urgent")
        assert not Posting.objects.exists()


def test_figures_that_changed_since_posting_need_a_new_posting(township):
    with tenant_context(township):
        first = post_month(village(), MARCH, by=admin(), posted_on=D(2026, 4, 3))
        f.approved("V01-0003", "VO-03", D(2026, 3, 20))  # 张小英 becomes green
        with pytest.raises(EvaluationError, match="figures of 1 households of 太湖村 changed"):
            finalise_month(MARCH, by=admin())
        with pytest.raises(EvaluationError, match="cannot be dated earlier"):
            post_month(village(), MARCH, by=admin(), posted_on=D(2026, 4, 2))
        second = post_month(village(), MARCH, by=admin(), posted_on=D(2026, 4, 10))
        first.refresh_from_db()
        assert first.superseded_at is not None  # kept, no longer current
        assert second.ends_on == add_working_days(D(2026, 4, 10), 5)
        assert second.green == 2
        finalise_month(MARCH, by=admin())
        assert Posting.objects.count() == 2


def test_posting_days_zero_means_no_posting_is_needed(township):
    township.posting_days = 0
    township.save(update_fields=["posting_days"])
    with tenant_context(township):
        assert finalise_month(MARCH, by=admin()).finalized
        assert not Posting.objects.exists()


def test_posting_is_refused_while_entries_await_review_or_before_the_month_is_over(township):
    with tenant_context(township):
        record_entry(
            household=f.household("V01-0003"),
            rule=f.rule("PS-01"),
            occurred_on=D(2026, 3, 10),
            recorder=f.person("grid", "grid_worker", "V01"),
            source="staff",
            evidence="seen",
            review=True,
        )
        with pytest.raises(EvaluationError, match="1 entries of 太湖村 for 2026-03 still await"):
            post_month(village(), MARCH, by=admin(), posted_on=POSTED)
        this_month = timezone.localdate().replace(day=1)
        with pytest.raises(EvaluationError, match="is not over yet"):
            post_month(village(), this_month, by=admin())
        with pytest.raises(EvaluationError, match="dated after the month") as bad:
            post_month(village(), D(2026, 4, 1), by=admin(), posted_on=D(2026, 4, 30))
        assert bad.value.field == "posted_on"
        assert not Posting.objects.exists()


# --- the evaluate command -----------------------------------------------------


def evaluate(township, *args) -> dict:
    out = StringIO()
    call_command("evaluate", "--township", township.code, *args, stdout=out)
    return json.loads(out.getvalue())


def test_evaluate_finalize_refuses_during_the_posting_saying_until_when(township):
    month = f"{previous_month(timezone.localdate()):%Y-%m}"
    posted = evaluate(township, "--period", month, "--post")
    ends = add_working_days(timezone.localdate(), 5)
    assert posted["posted"] == 1 and posted["posting_ends_on"] == ends.isoformat()
    assert posted["finalized"] is False
    with pytest.raises(CommandError, match=f"are posted until {ends:%Y-%m-%d}"):
        evaluate(township, "--period", month, "--finalize")
    done = evaluate(
        township, "--period", month, "--finalize", "--override-posting", "county deadline"
    )
    assert done["finalized"] is True
    with tenant_context(township):
        override = PostingOverride.objects.get()
    assert override.reason == "county deadline" and override.overridden_by_label


def test_evaluate_refuses_a_blank_override_and_an_override_without_finalize(township):
    with pytest.raises(CommandError, match="needs a reason"):
        evaluate(township, "--period", "2026-03", "--finalize", "--override-posting", " ")
    with pytest.raises(CommandError, match="--override-posting goes with --finalize"):
        evaluate(township, "--period", "2026-03", "--override-posting", "why")
    with tenant_context(township):
        assert not EvaluationRound.objects.filter(status="finalised").exists()


def test_evaluate_post_as_a_grid_worker_is_refused_and_posts_nothing(township):
    with tenant_context(township):
        grid = f.person("grid", "grid_worker")
    with pytest.raises(CommandError, match="may not post month results"):
        evaluate(township, "--period", "2026-03", "--post", "--operator", grid.label)
    with tenant_context(township):
        assert not Posting.objects.exists()


# --- the public page and PDF ----------------------------------------------------


def public() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def posted(township):
    with tenant_context(township):
        post_month(village(), MARCH, by=admin(), posted_on=POSTED)
    return township


def test_the_public_page_shows_masked_names_and_the_period_without_sign_in(posted):
    response = public().get(f"/t/{posted.code}/postings/V01/2026-03/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Posted from 2026-04-01 until 2026-04-09 (5 working days)." in text
    assert "俞*明" in text and "张*英" in text and "110" in text
    for secret in ("俞国明", "张小英", "沈红", "1380000000", "太湖村1组", "V01-0001", "@test"):
        assert secret not in text
    # The township names no household to improve: 沈某 is counted, not named.
    assert "沈某" not in text and "1 household to improve is not named here" in text
    index = public().get(f"/t/{posted.code}/postings/").content.decode()
    assert "太湖村" in index and f"/t/{posted.code}/postings/V01/2026-03.pdf" in index


def test_households_to_improve_are_named_masked_where_the_township_publishes_them(township):
    township.publish_red_on_board = True
    township.save(update_fields=["publish_red_on_board"])
    with tenant_context(township):
        post_month(village(), MARCH, by=admin(), posted_on=POSTED)
    text = public().get(f"/t/{township.code}/postings/V01/2026-03/").content.decode()
    assert "沈某" in text and "沈红" not in text and "not named here" not in text


def test_the_posting_pdf_is_printable_and_masked(posted):
    response = public().get(f"/t/{posted.code}/postings/V01/2026-03.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert cid("俞") in text and cid("国明") not in text and cid("沈红") not in text
    assert cid("公示期") in text and b"2026-04-09" in text
    assert b"13800000" not in response.content


@pytest.mark.parametrize(
    "path", ["postings/V01/2026-04/", "postings/V09/2026-03/", "postings/V01/2026-13/"]
)
def test_unknown_postings_answer_404(posted, path):
    response = public().get(f"/t/{posted.code}/{path}")
    assert response.status_code == 404 and b"No such posting" in response.content


def test_another_townships_posting_is_not_readable_here(posted, township_b):
    township_b.posting_days = 5
    township_b.save(update_fields=["posting_days"])
    with tenant_context(township_b):
        other = f.village("V09", "乙村", size=1)
        post_month(other, MARCH, by=f.person("b-admin", "township_admin"), posted_on=POSTED)
    assert public().get(f"/t/{posted.code}/postings/V09/2026-03/").status_code == 404
    assert public().get(f"/t/{posted.code}/postings/V09/2026-03.pdf").status_code == 404
    assert "乙村" not in public().get(f"/t/{posted.code}/postings/").content.decode()
    assert public().get(f"/t/{township_b.code}/postings/V09/2026-03/").status_code == 200
    assert "太湖村" not in public().get(f"/t/{township_b.code}/postings/").content.decode()


# --- the workbench month page and the API ---------------------------------------


def key(page) -> str:
    return page.content.decode().split('name="submission" value="')[1].split('"')[0]


def signed_in(actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(actor.user)
    return client


def test_the_month_page_posts_shows_the_period_and_overrides_for_an_administrator(township):
    month = previous_month(timezone.localdate())
    here = work(township, f"month/?month={month:%Y-%m}")
    with tenant_context(township):
        person = admin()
    client = signed_in(person)
    page = client.get(here)
    assert "Post the results of" in page.content.decode()
    client.post(here, {"submission": key(page), "action": "post"})
    ends = add_working_days(timezone.localdate(), 5)
    page = client.get(here)
    html = page.content.decode()
    assert f"until {ends:%Y-%m-%d}" in html and "Finalise" in html
    refused = client.post(here, {"submission": key(page), "action": "finalise"}, follow=True)
    assert f"are posted until {ends:%Y-%m-%d}" in refused.content.decode()
    blank = client.post(
        here,
        {"submission": key(page) + "o", "action": "override", "override_posting": ""},
        follow=True,
    )
    assert "needs a reason" in blank.content.decode()
    page = client.get(here)
    client.post(
        here,
        {"submission": key(page) + "o", "action": "override", "override_posting": "county"},
    )
    with tenant_context(township):
        assert EvaluationRound.objects.get(period=month).status == "finalised"
        assert PostingOverride.objects.get().reason == "county"


def test_a_village_committee_posts_its_village_but_sees_no_override(township):
    with tenant_context(township):
        committee = f.person("v1", "village_committee", "V01")
    month = previous_month(timezone.localdate())
    here = work(township, f"month/?month={month:%Y-%m}")
    client = signed_in(committee)
    page = client.get(here)
    assert 'value="override"' not in page.content.decode()
    client.post(here, {"submission": key(page), "action": "post"})
    forced = client.post(
        here,
        {"submission": "x" + key(page), "action": "override", "override_posting": "mine"},
        follow=True,
    )
    assert "may not finalise evaluation months" in forced.content.decode()
    with tenant_context(township):
        assert Posting.objects.get().posted_by_label == "v1@test.local"
        assert not PostingOverride.objects.exists()


def test_finalise_month_mutation_takes_an_override_reason(township):
    url = endpoint(township)
    admin_token = token_for(township, "api-admin@test.local", "township_admin")
    refused = gql(
        Client(),
        url,
        'mutation { finaliseMonth(month: "2026-03") { result { finalised } '
        "errors { code message } } }",
        token=admin_token,
    )["data"]["finaliseMonth"]
    assert refused["result"] is None and "has not posted" in refused["errors"][0]["message"]
    done = gql(
        Client(),
        url,
        'mutation { finaliseMonth(month: "2026-03", overridePosting: "migration") '
        "{ result { finalised } errors { code message } } }",
        token=admin_token,
    )["data"]["finaliseMonth"]
    assert done["result"]["finalised"] is True
    with tenant_context(township):
        assert PostingOverride.objects.get().reason == "migration"


# --- the scheduler ----------------------------------------------------------------


def test_the_scheduled_evaluation_posts_first_and_reports_the_running_posting(township):
    from platform_core import tasks

    month = previous_month(timezone.localdate())
    with tenant_context(township):
        answer = tasks.evaluate_township_month.run(month.isoformat())
        posting = Posting.objects.get()
        assert posting.posted_by_label == "system:scheduler" and posting.period == month
        assert f"are posted until {posting.ends_on:%Y-%m-%d}" in answer["refused"]
        again = tasks.evaluate_township_month.run(month.isoformat())  # the dispatcher resends
        assert Posting.objects.count() == 1 and "refused" in again
        assert not EvaluationRound.objects.filter(status="finalised").exists()
