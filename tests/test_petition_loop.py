"""The petition plugin's loop after the answer (issue 17 item 2): repeats merged, the
follow-up call (回访) with its due date in working days, reopening a case the citizen
was unsatisfied with, and the satisfaction rate per village and month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.errors import NotAllowed
from platform_core.households.models import Village
from platform_core.plugins.services import PluginError, enable_plugin
from plugins.petition.dashboard import panels
from plugins.petition.loop import (
    merge_case,
    record_follow_up,
    reopen_case,
    repeat_candidates,
    satisfaction_rates,
)
from plugins.petition.models import Case, FollowUp
from plugins.petition.selectors import case_steps
from plugins.petition.services import advance, receive_case
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for

pytestmark = pytest.mark.django_db

D = dt.date


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def petition_a(township_a, in_township):
    """Township A with the plugin enabled, inside its schema, with villages V01 and V02."""
    enable_plugin(township_a, "petition")
    with in_township(township_a):
        f.village()
        f.village("V02", "白鹤村")
        yield township_a


MARCH_5 = D(2025, 3, 5)


def new_case(
    reference="R1", household="V01-0001", on=MARCH_5, village="V01", topic="", kind="petition"
):
    case = receive_case(
        kind=kind,
        reference=reference,
        village=Village.objects.get(code=village),
        household=f.household(household) if household else None,
        summary="反映道路积水",
        received_at=at(on),
        by=f.person(),
    )
    if topic:
        Case.objects.filter(pk=case.pk).update(topic=topic)
        case.refresh_from_db()
    return case


def respond(case, on: dt.date, hour: int = 12, by=None):
    """Move a case received by 9:00 to responded on ``on`` at ``hour`` (assigned and
    handled in the two hours before)."""
    by = by or f.person()
    advance(case, "assigned", by=by, at=at(on, hour - 2))
    advance(case, "handling", by=by, at=at(on, hour - 1))
    advance(case, "responded", by=by, note="已处理", at=at(on, hour))
    case.refresh_from_db()
    return case


def followed_up(case, on: dt.date, satisfied="unsatisfied", score=2, hour=15):
    record_follow_up(case, f.person(), "电话回访", score, satisfied, at=at(on, hour))
    case.refresh_from_db()
    return case


# --- repeats and merging ----------------------------------------------------------------


def test_merging_keeps_the_history_and_points_to_the_main_case(petition_a):
    main = new_case("R1", topic="road")
    advance(main, "assigned", by=f.person(), note="交城建办", at=at(D(2025, 3, 6)))
    repeat = new_case("R2", on=D(2025, 3, 20), topic="road")
    assert repeat_candidates(repeat) == [main]
    assert repeat_candidates(main) == [repeat]
    clerk = f.person("clerk")
    merge_case(repeat, main, clerk, "同一路段积水", at=at(D(2025, 3, 21)))
    repeat.refresh_from_db()
    main.refresh_from_db()
    assert (repeat.status, repeat.merged_into) == ("merged", main)
    assert [(s.status, s.note) for s in case_steps(repeat)] == [
        ("received", ""),
        ("merged", "→ R1: 同一路段积水"),
    ]
    assert [(s.status, s.note) for s in case_steps(main)][-1] == ("merged", "← R2: 同一路段积水")
    assert main.status == "assigned"  # the main case goes on where it was
    assert case_steps(repeat).last().by_label == "clerk@test.local"
    assert list(main.merged_cases.all()) == [repeat]
    with pytest.raises(PluginError, match="case R2 is merged; it cannot change any more"):
        advance(repeat, "assigned", by=f.person())
    assert repeat_candidates(repeat) == [] and repeat_candidates(main) == []


def test_repeat_candidates_are_the_households_cases_on_the_topic_within_the_window(petition_a):
    case = new_case("R1", on=D(2025, 5, 1), topic="road")
    same = new_case("S1", on=D(2025, 4, 2), topic="road")  # 29 days before
    untopical = new_case("S2", on=D(2025, 4, 20))  # no topic: matches any
    new_case("X1", on=D(2025, 3, 30), topic="road")  # 32 days before: outside 30
    new_case("X2", on=D(2025, 4, 25), topic="water")  # another topic
    new_case("X3", on=D(2025, 4, 25), household="V01-0002", topic="road")  # another household
    closed_long_ago = new_case("X4", on=D(2025, 4, 3), topic="road")
    respond(closed_long_ago, D(2025, 4, 3))
    advance(
        closed_long_ago, "closed", by=f.person(), satisfaction="satisfied", at=at(D(2025, 4, 3), 13)
    )
    Case.objects.filter(pk=closed_long_ago.pk).update(closed_at=at(D(2025, 3, 31)))
    recently_closed = new_case("S3", on=D(2025, 4, 10), topic="road")
    respond(recently_closed, D(2025, 4, 11))
    advance(
        recently_closed,
        "closed",
        by=f.person(),
        satisfaction="satisfied",
        at=at(D(2025, 4, 11), 13),
    )
    found = repeat_candidates(case)
    assert [c.reference for c in found] == ["S1", "S3", "S2"]
    assert same in found and untopical in found
    assert repeat_candidates(new_case("N1", household=None, on=D(2025, 5, 2))) == []


def test_the_topic_comes_with_the_case_from_the_service_and_the_import(petition_a, tmp_path):
    from plugins.petition.imports import import_cases

    first = receive_case(
        kind="hotline",
        reference="T0",
        village=Village.objects.get(code="V01"),
        household=f.household("V01-0001"),
        summary="路灯不亮",
        received_at=at(D(2025, 3, 4)),
        by=f.person(),
        topic=" streetlight ",
    )
    assert first.topic == "streetlight"
    with pytest.raises(PluginError, match="a topic is at most 64 characters") as long:
        receive_case(
            kind="hotline",
            reference="T9",
            village=Village.objects.get(code="V01"),
            summary="x",
            received_at=at(D(2025, 3, 4)),
            by=f.person(),
            topic="x" * 65,
        )
    assert long.value.field == "topic"
    path = tmp_path / "cases.csv"
    path.write_text(
        "工单号,类型,受理时间,村,户码,内容,主题\n"
        "T1,12345热线,2025-03-05 10:20,太湖村,V01-0001,路灯又不亮,streetlight\n"
        "T2,12345热线,2025-03-06 10:20,太湖村,V01-0001,噪音,noise\n",
        encoding="utf-8",
    )
    import_cases(path, operator=f.person("clerk"))
    again = Case.objects.get(reference="T1")
    assert again.topic == "streetlight"
    assert [c.reference for c in repeat_candidates(again)] == ["T0"]  # not T2: noise


def test_refused_merges_say_why(petition_a):
    main = new_case("R1")
    repeat = new_case("R2", on=D(2025, 3, 6))
    neighbour = new_case("R3", household="V01-0002", on=D(2025, 3, 6))
    anonymous = new_case("R4", household=None, on=D(2025, 3, 6))
    by = f.person()
    with pytest.raises(PluginError, match="not of the same household") as refused:
        merge_case(neighbour, main, by, "同一事项")
    assert refused.value.field == "into"
    with pytest.raises(PluginError, match="not of the same household"):
        merge_case(anonymous, main, by, "同一事项")
    with pytest.raises(PluginError, match="cannot be merged into itself"):
        merge_case(main, main, by, "同一事项")
    with pytest.raises(PluginError, match=r"say why .* \(reason\)"):
        merge_case(repeat, main, by, "  ")
    merge_case(repeat, main, by, "同一事项")
    third = new_case("R5", on=D(2025, 3, 7))
    with pytest.raises(PluginError, match="case R2 is already merged into case R1"):
        merge_case(third, repeat, by, "同一事项")  # into a merged case
    with pytest.raises(PluginError, match="case R2 is already merged into case R1"):
        merge_case(repeat, third, by, "again")  # a merged case again
    with pytest.raises(PluginError, match="it is a main case"):
        merge_case(main, third, by, "反过来")
    respond(third, D(2025, 3, 8))
    followed_up(third, D(2025, 3, 9), "satisfied", 5)
    with pytest.raises(PluginError, match="case R5 is closed"):
        merge_case(third, main, by, "同一事项")
    main.refresh_from_db()
    assert main.status == "received" and main.steps.count() == 2  # received, merged (R2)


def test_a_merge_by_a_grid_worker_of_another_village_is_not_allowed(petition_a):
    main, repeat = new_case("R1"), new_case("R2", on=D(2025, 3, 6))
    outsider = f.person("grid-v02", "grid_worker", "V02")
    household = f.person("home", "household", household_code="V01-0001")
    for who in (outsider, household):
        with pytest.raises(NotAllowed):
            merge_case(repeat, main, who, "同一事项")
    merge_case(repeat, main, f.person("grid-v01", "grid_worker", "V01"), "同一事项")


# --- the follow-up call -------------------------------------------------------------------


def test_the_follow_up_is_due_in_working_days_over_national_day(petition_a):
    case = new_case("R1", on=D(2025, 9, 29))
    respond(case, D(2025, 9, 30))
    # 3 working days after Tue 30 Sep 2025: 1-8 Oct are the holiday; Thu 9, Fri 10 and
    # Sat 11 Oct (a make-up working day, 调休) -> due at the end of 11 Oct.
    assert timezone.localtime(case.follow_up_due) == at(D(2025, 10, 11), 0).replace(
        hour=23, minute=59, second=59
    )


def test_the_follow_up_closes_the_case_with_its_result_and_satisfaction(petition_a):
    case = respond(new_case("R1"), D(2025, 3, 6))
    caller = f.person("caller")
    call = record_follow_up(
        case, caller, "群众认可处理结果", 4, "basically_satisfied", at=at(D(2025, 3, 7))
    )
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.satisfaction_score) == (
        "closed",
        "basically_satisfied",
        4,
    )
    assert case.followed_up_at == case.closed_at == at(D(2025, 3, 7))
    assert case.follow_up_result == "群众认可处理结果"
    assert (call.due, call.score, call.by_label) == (case.follow_up_due, 4, "caller@test.local")
    assert [s.status for s in case_steps(case)][-2:] == ["responded", "follow_up"]
    assert case_steps(case).last().note == "群众认可处理结果"
    with pytest.raises(PluginError, match="the follow-up call comes after the response"):
        record_follow_up(case, caller, "再次回访", 5, "satisfied")


@pytest.mark.parametrize(
    ("result", "score", "satisfied", "field", "message"),
    [
        ("ok", 0, "satisfied", "satisfaction_score", "score 0: give a whole number from 1 to 5"),
        ("ok", 6, "satisfied", "satisfaction_score", "score 6: give a whole number from 1 to 5"),
        ("ok", "5", "satisfied", "satisfaction_score", "score '5': give a whole number"),
        ("  ", 3, "satisfied", "result", r"what the citizen said at the follow-up \(result\)"),
        ("ok", 3, "happy", "satisfied", "satisfaction 'happy': use one of satisfied, "),
    ],
)
def test_bad_follow_up_input_is_refused_clearly(
    petition_a, result, score, satisfied, field, message
):
    case = respond(new_case("R1"), D(2025, 3, 6))
    with pytest.raises(PluginError, match=message) as refused:
        record_follow_up(case, f.person(), result, score, satisfied)
    assert refused.value.field == field
    case.refresh_from_db()
    assert case.status == "responded" and not FollowUp.objects.exists()


def test_only_a_responded_case_is_followed_up_and_only_by_its_villages_staff(petition_a):
    case = new_case("R1")
    with pytest.raises(PluginError, match="is Received: the follow-up call comes after"):
        record_follow_up(case, f.person(), "x", 3, "satisfied")
    respond(case, D(2025, 3, 6))
    with pytest.raises(NotAllowed):
        record_follow_up(case, f.person("grid-v02", "grid_worker", "V02"), "x", 3, "satisfied")
    with pytest.raises(PluginError, match="earlier than the last one"):
        record_follow_up(case, f.person(), "x", 3, "satisfied", at=at(D(2025, 3, 6), 8))


# --- reopening ------------------------------------------------------------------------------


def test_an_unsatisfied_citizens_case_is_reopened_within_the_window(petition_a):
    case = followed_up(respond(new_case("R1"), D(2025, 3, 6)), D(2025, 3, 7), "unsatisfied", 1)
    reopened_at = at(D(2025, 3, 21))  # 14 days after closing: within 15
    reopen_case(case, f.person("clerk"), "群众仍不满意，路面仍积水", at=reopened_at)
    case.refresh_from_db()
    assert (case.status, case.reopened_count, case.satisfaction) == ("handling", 1, "")
    assert case.closed_at is None and case.satisfaction_score is None
    # A petition's handling deadline: 60 working days from the reopening.
    from township_integrity.services import working_deadline

    assert case.handling_due == working_deadline(reopened_at, 60)
    steps = [(s.status, s.note) for s in case_steps(case)]
    assert steps[-2:] == [("follow_up", "电话回访"), ("reopened", "群众仍不满意，路面仍积水")]
    # It goes round again: answered, followed up (satisfied this time), closed.
    advance(case, "responded", by=f.person(), note="已修复", at=at(D(2025, 3, 24)))
    followed_up(case, D(2025, 3, 25), "satisfied", 5)
    assert case.status == "closed" and case.reopened_count == 1
    assert [c.satisfaction for c in case.follow_ups.all()] == ["unsatisfied", "satisfied"]
    with pytest.raises(PluginError, match="closed with the citizen Satisfied"):
        reopen_case(case, f.person(), "再来")


def test_reopening_is_refused_after_the_window_and_unless_unsatisfied(petition_a):
    late = followed_up(respond(new_case("R1"), D(2025, 3, 6)), D(2025, 3, 7), "unsatisfied")
    with pytest.raises(
        PluginError,
        match="case R1 was closed on 2025-03-07: it could be reopened within 15 days, "
        "until 2025-03-22 15:00",
    ):
        reopen_case(late, f.person(), "太晚了", at=at(D(2025, 3, 22), 16))
    basically = followed_up(
        respond(new_case("R2"), D(2025, 3, 6)), D(2025, 3, 7), "basically_satisfied", 3
    )
    with pytest.raises(PluginError, match="only a case the citizen was unsatisfied with"):
        reopen_case(basically, f.person(), "想重开", at=at(D(2025, 3, 8)))
    still_open = new_case("R3")
    with pytest.raises(PluginError, match="is Received: only a closed case is reopened"):
        reopen_case(still_open, f.person(), "x")
    fresh = followed_up(respond(new_case("R4"), D(2025, 3, 6)), D(2025, 3, 7), "unsatisfied")
    with pytest.raises(PluginError, match=r"say why the case is reopened \(reason\)") as empty:
        reopen_case(fresh, f.person(), " ", at=at(D(2025, 3, 8)))
    assert empty.value.field == "reason"
    with pytest.raises(NotAllowed):
        reopen_case(fresh, f.person("grid-v02", "grid_worker", "V02"), "x", at=at(D(2025, 3, 8)))
    for case in (late, basically, fresh):
        case.refresh_from_db()
        assert case.status == "closed" and case.reopened_count == 0


def test_a_case_closed_the_old_way_unsatisfied_may_be_reopened_too(petition_a):
    case = respond(new_case("R1"), D(2025, 3, 6))
    advance(case, "closed", by=f.person(), satisfaction="unsatisfied", at=at(D(2025, 3, 7)))
    case.refresh_from_db()
    assert case.closed_at == at(D(2025, 3, 7)) and not case.follow_ups.exists()
    reopen_case(case, f.person(), "不满意", at=at(D(2025, 3, 10)))
    case.refresh_from_db()
    assert case.status == "handling" and case.reopened_count == 1


# --- the satisfaction rate --------------------------------------------------------------------


def test_the_satisfaction_rate_per_village_and_month(petition_a):
    def call(reference, village, household, on, satisfied):
        case = respond(new_case(reference, household, on, village), on)
        return followed_up(case, on, satisfied, 3)

    call("A1", "V01", "V01-0001", D(2025, 3, 3), "satisfied")
    call("A2", "V01", "V01-0002", D(2025, 3, 4), "basically_satisfied")
    reopened = call("A3", "V01", "V01-0003", D(2025, 3, 5), "unsatisfied")
    reopen_case(reopened, f.person(), "不满意", at=at(D(2025, 3, 6)))  # still counted in March
    call("A4", "V01", "V01-0001", D(2025, 4, 1), "unsatisfied")
    call("B1", "V02", "V02-0001", D(2025, 3, 10), "satisfied")
    found = satisfaction_rates(D(2025, 3, 1), D(2025, 4, 30))
    assert [(r.village.code, f"{r.month:%Y-%m}", r.satisfied, r.followed_up) for r in found] == [
        ("V01", "2025-03", 2, 3),
        ("V01", "2025-04", 0, 1),
        ("V02", "2025-03", 1, 1),
    ]
    assert found[0].rate == pytest.approx(2 / 3)
    assert [r.village.code for r in satisfaction_rates(D(2025, 3, 1), D(2025, 3, 31), ["V02"])] == [
        "V02"
    ]


def test_the_dashboard_shows_the_satisfaction_rate_of_the_last_six_months(petition_a):
    today = timezone.localdate()
    now = timezone.now()
    by = f.person()
    case = receive_case(
        kind="hotline",
        reference="D1",
        village=Village.objects.get(code="V01"),
        household=f.household("V01-0001"),
        summary="路灯",
        received_at=now - dt.timedelta(minutes=40),
        by=by,
    )
    advance(case, "assigned", by=by, at=now - dt.timedelta(minutes=30))
    advance(case, "handling", by=by, at=now - dt.timedelta(minutes=20))
    advance(case, "responded", by=by, at=now - dt.timedelta(minutes=10))
    record_follow_up(case, by, "满意", 5, "satisfied")
    [panel] = [p for p in panels(None) if p.key == "satisfaction"]
    assert panel.problems() == []
    assert panel.table.headers_en[0] == "Village" and len(panel.table.headers_en) == 7
    assert panel.table.headers_en[-1] == f"{today:%Y-%m}"
    rows = {row[0]: row for row in panel.table.rows}
    assert rows["太湖村"][-1] == "100% (1/1)" and rows["白鹤村"][-1] == "—"
    [only_v02] = [p for p in panels(["V02"]) if p.key == "satisfaction"]
    assert [row[0] for row in only_v02.table.rows] == ["白鹤村"]


# --- townships ------------------------------------------------------------------------------


def test_nothing_of_one_township_is_seen_in_another(petition_a, township_b, in_township):
    case = followed_up(respond(new_case("R1"), D(2025, 3, 6)), D(2025, 3, 7), "unsatisfied")
    assert len(satisfaction_rates(D(2025, 3, 1), D(2025, 3, 31))) == 1
    with in_township(township_b):
        with pytest.raises(PluginError, match="not enabled"):
            satisfaction_rates(D(2025, 3, 1), D(2025, 3, 31))
        with pytest.raises(PluginError, match="not enabled"):
            reopen_case(case, f.person("admin-b", "township_admin"), "x")
    enable_plugin(township_b, "petition")
    with in_township(township_b):
        f.village()
        assert satisfaction_rates(D(2025, 3, 1), D(2025, 3, 31)) == []
        assert not FollowUp.objects.exists() and not Case.objects.filter(pk=case.pk).exists()


# --- GraphQL --------------------------------------------------------------------------------

MERGE = """mutation($case: ID!, $into: ID!, $reason: String!) {
  mergePetitionCase(caseId: $case, intoId: $into, reason: $reason) {
    case { reference status mergedInto { reference } steps { status note } }
    into { reference mergedCases { reference } }
    errors { field code message }
  }
}"""
FOLLOW_UP = """mutation($case: ID!, $result: String!, $score: Int!, $satisfied: String!) {
  followUpPetitionCase(caseId: $case, result: $result, satisfactionScore: $score,
                       satisfied: $satisfied) {
    case { status satisfaction followUp { score satisfaction result due at } }
    followUp { score }
    errors { field code message }
  }
}"""
REOPEN = """mutation($case: ID!, $reason: String!) {
  reopenPetitionCase(caseId: $case, reason: $reason) {
    case { status reopenedCount handlingDue steps { status note } }
    errors { field code message }
  }
}"""
CASE = """query($id: ID!) { petitionCase(id: $id) {
  reference reopenedCount followUpDue repeatCandidates { reference }
  followUps { score } mergedInto { reference } } }"""
RECEIVE = """mutation($ref: String!, $at: DateTime!, $household: String) {
  receivePetitionCase(kind: "hotline", reference: $ref, villageCode: "V01",
                      householdCode: $household, summary: "road", receivedAt: $at) {
    case { id } errors { message } } }"""
ADVANCE = """mutation($id: ID!, $status: String!) {
  advancePetitionCase(caseId: $id, status: $status) { errors { message } } }"""


def _ask(township, bearer, query, variables):
    return gql(Client(), endpoint(township), query, variables, token=bearer)


def _result(body, name):
    assert not body.get("errors"), body
    return body["data"][name]


def test_the_api_merges_follows_up_and_reopens(township_a, township_b, in_township):
    enable_plugin(township_a, "petition")
    enable_plugin(township_b, "petition")
    for township in (township_a, township_b):
        with in_township(township):
            f.village()
            f.village("V02", "白鹤村")
    handler = token_for(township_a, "handler@loop.test", "grid_worker", "V01")
    outsider = token_for(township_a, "outsider@loop.test", "grid_worker", "V02")
    now = timezone.now()

    def receive(township, bearer, reference, household="V01-0001", minutes=60):
        variables = {
            "ref": reference,
            "household": household,
            "at": (now - dt.timedelta(minutes=minutes)).isoformat(),
        }
        body = _ask(township, bearer, RECEIVE, variables)
        return _result(body, "receivePetitionCase")["case"]["id"]

    main, repeat = (
        receive(township_a, handler, "H1", minutes=90),
        receive(township_a, handler, "H2"),
    )
    other = receive(township_a, handler, "H3", household="V01-0002")
    assert [
        c["reference"]
        for c in _result(_ask(township_a, handler, CASE, {"id": repeat}), "petitionCase")[
            "repeatCandidates"
        ]
    ] == ["H1"]
    refused = _result(
        _ask(township_a, handler, MERGE, {"case": other, "into": main, "reason": "同一事项"}),
        "mergePetitionCase",
    )
    assert [e["field"] for e in refused["errors"]] == ["into"]
    assert "not of the same household" in refused["errors"][0]["message"]
    unseen = _ask(township_a, outsider, MERGE, {"case": repeat, "into": main, "reason": "x"})
    assert codes(unseen) == []  # another village's case: not found, in the payload
    assert _result(unseen, "mergePetitionCase")["errors"][0]["code"] == "NOT_FOUND"
    admin_b = token_for(township_b, "admin-b@loop.test", "township_admin")
    foreign = receive(township_b, admin_b, "B1")
    across = _result(
        _ask(township_a, handler, MERGE, {"case": repeat, "into": foreign, "reason": "x"}),
        "mergePetitionCase",
    )
    # Another township's global ID names its township: not found here.
    assert [e["code"] for e in across["errors"]] == ["NOT_FOUND"]
    merged = _result(
        _ask(township_a, handler, MERGE, {"case": repeat, "into": main, "reason": "同一事项"}),
        "mergePetitionCase",
    )
    assert merged["errors"] == []
    assert merged["case"]["status"] == "merged"
    assert merged["case"]["mergedInto"] == {"reference": "H1"}
    assert merged["case"]["steps"][-1] == {"status": "merged", "note": "→ H1: 同一事项"}
    assert merged["into"]["mergedCases"] == [{"reference": "H2"}]

    for status in ("assigned", "handling", "responded"):
        assert (
            _result(
                _ask(township_a, handler, ADVANCE, {"id": main, "status": status}),
                "advancePetitionCase",
            )["errors"]
            == []
        )
    assert _result(_ask(township_a, handler, CASE, {"id": main}), "petitionCase")["followUpDue"]
    bad = _result(
        _ask(
            township_a,
            handler,
            FOLLOW_UP,
            {"case": main, "result": "ok", "score": 6, "satisfied": "satisfied"},
        ),
        "followUpPetitionCase",
    )
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("satisfactionScore", "REFUSED")]
    done = _result(
        _ask(
            township_a,
            handler,
            FOLLOW_UP,
            {"case": main, "result": "仍积水", "score": 1, "satisfied": "unsatisfied"},
        ),
        "followUpPetitionCase",
    )
    assert done["errors"] == [] and done["followUp"] == {"score": 1}
    assert done["case"]["status"] == "closed" and done["case"]["followUp"]["result"] == "仍积水"
    assert (
        _result(
            _ask(township_a, outsider, REOPEN, {"case": main, "reason": "x"}), "reopenPetitionCase"
        )["errors"][0]["code"]
        == "NOT_FOUND"
    )
    empty = _result(
        _ask(township_a, handler, REOPEN, {"case": main, "reason": ""}), "reopenPetitionCase"
    )
    assert [e["field"] for e in empty["errors"]] == ["reason"]
    reopened = _result(
        _ask(township_a, handler, REOPEN, {"case": main, "reason": "群众不满意"}),
        "reopenPetitionCase",
    )
    assert reopened["errors"] == []
    assert reopened["case"]["status"] == "handling" and reopened["case"]["reopenedCount"] == 1
    assert reopened["case"]["handlingDue"]
    assert reopened["case"]["steps"][-1] == {"status": "reopened", "note": "群众不满意"}
    # Township B's administrator does not find township A's case.
    assert (
        _result(
            _ask(township_b, admin_b, REOPEN, {"case": main, "reason": "x"}), "reopenPetitionCase"
        )["errors"][0]["code"]
        == "NOT_FOUND"
    )


# --- the workbench ------------------------------------------------------------------------


def _client(actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(actor.user)
    return client


def _key(page, prefix: str) -> str:
    parts = page.content.decode().split(f'name="{prefix}-submission" value="')
    return parts[1].split('"')[0] if len(parts) > 1 else ""


def _post(client, url, prefix, **fields):
    page = client.get(url)
    data = {"form": prefix, f"{prefix}-submission": _key(page, prefix)}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(url, data)


def _field(page, name: str) -> str:
    return page.content.decode().split(f'data-field="{name}"')[1].split('data-field="')[0]


@pytest.fixture
def desk(township_a, township_b):
    """Township A (plugin enabled): V01's grid worker, V02's grid worker, two cases of
    V01-0001 received this week, and township B's administrator."""
    enable_plugin(township_a, "petition")
    enable_plugin(township_b, "petition")
    with tenant_context(township_a):
        f.village()
        f.village("V02", "白鹤村")
        grid = f.person("grid", "grid_worker", "V01")
        now = timezone.now()
        cases = {}
        for reference, hours in (("W1", 50), ("W2", 30)):
            cases[reference] = receive_case(
                kind="hotline",
                reference=reference,
                village=Village.objects.get(code="V01"),
                household=f.household("V01-0001"),
                summary="路灯不亮",
                received_at=now - dt.timedelta(hours=hours),
                by=grid,
            )
        other = f.person("grid2", "grid_worker", "V02")
    with tenant_context(township_b):
        f.village()
        admin_b = f.person("admin-b", "township_admin")
    return {"grid": grid, "other": other, "admin_b": admin_b, **cases}


def url_of(township, case) -> str:
    return f"/t/{township.code}/work/x/petition/cases/{case.pk}/"


def test_the_case_page_merges_a_repeat(township_a, township_b, desk):
    client = _client(desk["grid"])
    url = url_of(township_a, desk["W2"])
    page = client.get(url).content.decode()
    assert 'data-repeat="W1"' in page and 'data-form="merge"' in page
    forged = _post(client, url, "merge", into="999999", reason="同一事项")
    assert forged.status_code == 400 and "Select a valid choice" in _field(forged, "into")
    no_reason = _post(client, url, "merge", into=str(desk["W1"].pk), reason="")
    assert no_reason.status_code == 400 and "required" in _field(no_reason, "reason")
    done = _post(client, url, "merge", into=str(desk["W1"].pk), reason="同一路灯")
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-merged-into="W1"' in page and 'data-form="merge"' not in page
    assert '<tr data-step="merged">' in page
    main_page = client.get(url_of(township_a, desk["W1"])).content.decode()
    assert 'data-merged-case="W2"' in main_page
    with tenant_context(township_a):
        assert Case.objects.get(pk=desk["W2"].pk).merged_into_id == desk["W1"].pk
    listing = client.get(f"/t/{township_a.code}/work/x/petition/cases/").content.decode()
    assert f'data-case="{desk["W2"].pk}"' not in listing  # merged: not open any more
    # A grid worker of another village and another township's administrator find nothing.
    assert _client(desk["other"]).get(url).status_code == 404
    assert _client(desk["admin_b"]).get(url_of(township_b, desk["W1"])).status_code == 404


def test_the_case_page_records_the_follow_up_and_reopens(township_a, desk):
    client = _client(desk["grid"])
    case = desk["W1"]
    url = url_of(township_a, case)
    for status in ("assigned", "handling", "responded"):
        assert _post(client, url, "advance", status=status, note="修好了").status_code == 302
    page = client.get(url).content.decode()
    assert 'data-form="follow_up"' in page and "data-follow-up-due=" in page
    six = _post(
        client, url, "follow_up", result="ok", satisfaction_score="6", satisfied="satisfied"
    )
    assert six.status_code == 400 and "less than or equal to 5" in _field(six, "satisfaction_score")
    zero = _post(
        client, url, "follow_up", result="ok", satisfaction_score="0", satisfied="satisfied"
    )
    assert "greater than or equal to 1" in _field(zero, "satisfaction_score")
    empty = _post(
        client, url, "follow_up", result="", satisfaction_score="3", satisfied="satisfied"
    )
    assert "required" in _field(empty, "result")
    done = _post(
        client, url, "follow_up", result="还是不亮", satisfaction_score="2", satisfied="unsatisfied"
    )
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-status="closed"' in page and 'data-follow-up="unsatisfied"' in page
    assert '<tr data-step="follow_up">' in page and 'data-form="reopen"' in page
    assert 'data-form="follow_up"' not in page
    assert _client(desk["other"]).post(url, {"form": "reopen"}).status_code == 404
    no_reason = _post(client, url, "reopen", reason="")
    assert no_reason.status_code == 400 and "required" in _field(no_reason, "reason")
    assert _post(client, url, "reopen", reason="群众仍不满意").status_code == 302
    page = client.get(url).content.decode()
    assert 'data-status="handling"' in page and 'data-reopened="1"' in page
    assert '<tr data-step="reopened">' in page and 'data-form="reopen"' not in page
    with tenant_context(township_a):
        case.refresh_from_db()
        assert case.reopened_count == 1 and case.follow_ups.count() == 1


def test_a_reopened_case_overdue_again_is_escalated_again(
    petition_a, django_capture_on_commit_callbacks
):
    from platform_core.actors import Actor
    from platform_core.notices.models import StaffNotice
    from plugins.petition.services import escalate_overdue

    boss = f.person("boss", "township_admin")
    boss.user.email = "boss@test.local"
    boss.user.save()
    case = new_case("E1", kind="hotline", on=D(2025, 3, 3))  # unanswered: overdue long ago
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue(by=Actor.plugin("petition")) == [case]
    respond(case, D(2025, 3, 4))
    followed_up(case, D(2025, 3, 5), "unsatisfied")
    reopen_case(case, f.person(), "仍未解决", at=at(D(2025, 3, 6)))
    case.refresh_from_db()
    assert case.escalated_at is None and case.overdue  # due 2025-03-14: overdue again
    with django_capture_on_commit_callbacks(execute=True):
        assert escalate_overdue(by=Actor.plugin("petition")) == [case]
    keys = set(StaffNotice.objects.values_list("key", flat=True))
    assert keys == {f"petition-overdue-{case.pk}", f"petition-overdue-{case.pk}-r1"}


def test_the_admin_shows_a_cases_follow_up_calls(petition_a):
    case = followed_up(respond(new_case("R1"), D(2025, 3, 6)), D(2025, 3, 7), "unsatisfied")
    admin = _client(f.person("admin", "township_admin"))
    page = admin.get(f"/t/{petition_a.code}/admin/petition/case/{case.pk}/change/")
    assert page.status_code == 200 and 'id="follow_ups-group"' in page.content.decode()
