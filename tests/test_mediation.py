"""The mediation plugin: the dispute code, the station's queue, the mediation steps to an
agreement and follow-up, statistics, the three-none counts and the GraphQL fields.

Written with the public test fixtures (``township_integrity.testing``), as a third
party would test its plugin.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from plugins.mediation import plugin as mediation
from plugins.mediation.models import Case, Step
from plugins.mediation.services import (
    accept,
    reach_agreement,
    record_follow_up,
    record_session,
    refer,
    request_mediation,
)
from township_integrity import VillageCaseCounts
from township_integrity.errors import NotAllowed, PluginError
from township_integrity.models import Village
from township_integrity.testing import TownshipClient, codes, contract_problems

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
REQUEST = {
    "village": "V01",
    "applicant_name": "俞国明",
    "phone": "138 1234 5678",
    "phone_again": "13812345678",
    "other_party": "沈红",
    "category": "neighbours",
    "description": "邻居排水管道堵塞，污水流入我家院子",
}


def public(township, language="en") -> TownshipClient:
    return TownshipClient(township, HTTP_ACCEPT_LANGUAGE=language)


@pytest.fixture
def on(township, enable_plugin):
    enable_plugin("mediation")
    return township


def receipt_of(response) -> str:
    return re.search(r"data-receipt>(MD\w+)<", response.content.decode()).group(1)


def new_case(township, in_township, village="V01", **changes) -> Case:
    with in_township(township):
        values = {**REQUEST, **changes}
        values["village"] = Village.objects.get(code=village)
        return request_mediation(**values)


def scan_file(content=PDF, name="agreement.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_contract(on, other_township):
    assert contract_problems(mediation, settings={}) == []
    assert contract_problems(mediation, settings={"max_scan_kb": 2048}) == []
    assert contract_problems(mediation, settings={}, township=on, elsewhere=other_township) == []


# --- the whole loop -----------------------------------------------------------------


def test_the_loop_from_the_dispute_code_to_the_agreement_and_follow_up(on, sign_in, in_township):
    page = public(on).get(public(on).address("mediation/"))
    assert page.status_code == 200 and 'name="phone_again"' in page.content.decode()
    answer = public(on).post(public(on).address("mediation/"), REQUEST)
    assert answer.status_code == 200
    receipt = receipt_of(answer)
    committee = sign_in("village_committee", "V01")
    queue = committee.get(committee.address("work/x/mediation/cases/"))
    assert queue.status_code == 200 and receipt in queue.content.decode()
    with in_township(on):
        case = Case.objects.get(receipt=receipt)
        assert case.phone == "13812345678" and case.status == "requested"
    url = committee.address(f"work/x/mediation/cases/{case.pk}/")

    def post(form, data, files=None):
        body = {"form": form, **{f"{form}-{k}": v for k, v in data.items()}}
        return committee.post(url, {**body, **(files or {})})

    # Accepting needs the call back on the phone given.
    refused = post("accept", {"note": "x"})
    assert refused.status_code == 400 and "Call the applicant first" in refused.content.decode()
    assert post("accept", {"phone_confirmed": "on", "note": "已电话联系"}).status_code == 302
    today = timezone.localdate().isoformat()
    # An agreement needs a session first.
    early = post("agreement", {"text": "双方同意"})
    assert early.status_code == 400 and "at least one mediation session" in early.content.decode()
    assert post("session", {"on": today, "note": "双方到和治楼调解"}).status_code == 302
    done = post("agreement", {"text": "疏通管道，费用各半"}, {"agreement-scan": scan_file()})
    assert done.status_code == 302
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert f"{due}</p>" in committee.get(url).content.decode()  # follow_up_days: 30
    assert post("follow_up", {"on": today, "held": "yes", "note": "已履行"}).status_code == 302
    with in_township(on):
        case.refresh_from_db()
        assert case.status == "closed" and case.agreement_held is True
        assert case.scan_type == "pdf" and case.agreement_text == "疏通管道，费用各半"
        steps = list(case.steps.order_by("at", "pk"))
    assert [s.kind for s in steps] == ["requested", "accepted", "session", "settled", "follow_up"]
    assert all(s.by_label == committee.user.email for s in steps[1:])
    assert steps[2].on == timezone.localdate() and steps[2].note == "双方到和治楼调解"
    # A closed case is not edited: no form is offered and a post is refused.
    page = committee.get(url).content.decode()
    assert "data-finished" in page and 'data-form="session"' not in page
    again = post("session", {"on": today, "note": "再次调解"})
    assert again.status_code == 400 and "not edited any more" in again.content.decode()
    scan = committee.get(url + "scan/")
    assert scan.status_code == 200 and b"".join(scan.streaming_content) == PDF
    # The resident follows it with the receipt and the phone's last four digits.
    lookup = public(on).get(
        public(on).address("mediation/receipt/"), {"receipt": receipt, "phone_tail": "5678"}
    )
    text = lookup.content.decode()
    assert lookup.status_code == 200 and 'data-status="closed"' in text
    assert "俞国明" not in text and "疏通管道" not in text  # status and dates only
    wrong = public(on).get(
        public(on).address("mediation/receipt/"), {"receipt": receipt, "phone_tail": "0000"}
    )
    assert wrong.status_code == 404


def test_htmx_posts_swap_the_case_in_place(on, sign_in, in_township):
    case = new_case(on, in_township)
    committee = sign_in("village_committee", "V01")
    url = committee.address(f"work/x/mediation/cases/{case.pk}/")
    page = committee.get(url).content.decode()
    assert 'hx-post="' in page and 'hx-select="#mediation-case"' in page
    refused = committee.post(url, {"form": "accept", "accept-note": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200  # htmx swaps 2xx answers only
    assert "Call the applicant first" in refused.content.decode()


def test_referral_finishes_the_case(on, sign_in, in_township):
    case = new_case(on, in_township)
    actor = sign_in("township_admin").actor
    with in_township(on):
        accept(case, by=actor, phone_confirmed=True)
        with pytest.raises(PluginError, match="why mediation failed"):
            refer(case, by=actor, to="court", note=" ")
        with pytest.raises(PluginError, match="Referred to"):
            refer(case, by=actor, to="mayor", note="x")
        refer(case, by=actor, to="court", note="调解不成")
        case.refresh_from_db()
        assert case.status == "referred" and case.referred_to == "court"
        with pytest.raises(PluginError, match="not edited any more"):
            record_session(case, by=actor, on=timezone.localdate(), note="x")


# --- the dispute code: bad input, phone check, stations, rate limit ----------------------


def test_bad_input_names_every_field_and_saves_nothing(on, in_township):
    client = public(on)
    answer = client.post(client.address("mediation/"), {"village": "V99", "category": "feud"})
    assert answer.status_code == 400
    text = answer.content.decode()
    for field in ("village", "applicant_name", "phone", "category", "description"):
        block = re.search(rf'data-field="{field}">(.*?)</div>', text, re.S).group(1)
        assert "errorlist" in block, field
    with in_township(on):
        assert not Case.objects.exists() and not Step.objects.exists()


@pytest.mark.parametrize(
    ("phone", "again", "field", "message"),
    [
        ("12345", "12345", "phone", "mainland mobile number"),
        ("12812345678", "12812345678", "phone", "mainland mobile number"),  # no 12x prefix
        ("1381234567", "1381234567", "phone", "mainland mobile number"),  # 10 digits
        ("010-12345678", "010-12345678", "phone", "mainland mobile number"),  # a landline
        ("13812345678", "13812345679", "phone_again", "differ"),
    ],
)
def test_the_phone_is_a_mainland_mobile_typed_twice(on, in_township, phone, again, field, message):
    client = public(on)
    answer = client.post(
        client.address("mediation/"), {**REQUEST, "phone": phone, "phone_again": again}
    )
    assert answer.status_code == 400
    block = re.search(rf'data-field="{field}">(.*?)</div>', answer.content.decode(), re.S).group(1)
    assert message in block
    with in_township(on):
        assert not Case.objects.exists()


def test_a_country_prefix_is_accepted(on, in_township):
    case = new_case(on, in_township, phone="+86 139-1234-0000", phone_again="13912340000")
    assert case.phone == "13912340000" and re.fullmatch(r"MD[2-9A-Z]{8}", case.receipt)


def test_a_station_code_preselects_its_village(on):
    client = public(on)
    page = client.get(client.address("mediation/V02/")).content.decode()
    assert '<option value="V02" selected>' in page and "南浔村" in page
    assert client.get(client.address("mediation/V99/")).status_code == 404


def test_the_page_is_chinese_by_default(on):
    client = public(on, language=None)
    client.defaults.pop("HTTP_ACCEPT_LANGUAGE", None)
    text = client.get(client.address("mediation/")).content.decode()
    assert "解纷码" in text


def test_requests_are_rate_limited_per_client(on, settings, in_township):
    settings.PUBLIC_SCAN_RATE_PER_MINUTE = 2
    client = public(on)
    for _n in range(2):
        assert client.post(client.address("mediation/"), REQUEST).status_code == 200
    limited = client.post(client.address("mediation/"), REQUEST)
    assert limited.status_code == 429 and "data-limited" in limited.content.decode()
    lookup = client.get(client.address("mediation/receipt/"), {"receipt": "MDX", "phone_tail": "1"})
    assert lookup.status_code == 429
    with in_township(on):
        assert Case.objects.count() == 2


def test_without_the_plugin_there_is_no_dispute_code(township, other_township):
    assert public(township).get(public(township).address("mediation/")).status_code == 404


# --- roles and townships ---------------------------------------------------------------


def test_other_villages_and_wrong_roles_are_refused(on, sign_in, in_township):
    case = new_case(on, in_township)
    other_village = sign_in("village_committee", "V02")
    url = f"work/x/mediation/cases/{case.pk}/"
    assert other_village.get(other_village.address(url)).status_code == 404
    queue = other_village.get(other_village.address("work/x/mediation/cases/")).content.decode()
    assert case.receipt not in queue
    grid = sign_in("grid_worker", "V01")
    assert grid.get(grid.address("work/x/mediation/cases/")).status_code == 403
    assert grid.get(grid.address(url)).status_code == 403
    household = sign_in("household", "V01")
    assert household.get(household.address("work/x/mediation/stats/")).status_code == 403
    with in_township(on):
        with pytest.raises(NotAllowed):
            accept(case, by=other_village.actor, phone_confirmed=True)
        with pytest.raises(NotAllowed):
            accept(case, by=grid.actor, phone_confirmed=True)
        with pytest.raises(NotAllowed):  # refused before the file is even looked at
            reach_agreement(case, by=grid.actor, text="同意", scan=scan_file(b"junk"))
        case.refresh_from_db()
        assert case.status == "requested"
    admin = sign_in("township_admin")
    assert admin.get(admin.address(url)).status_code == 200


def test_a_case_of_one_township_is_invisible_from_another(
    on, other_township, sign_in, in_township, enable_plugin, graphql
):
    enable_plugin("mediation", township=other_township)
    case = new_case(on, in_township)
    admin_b = sign_in("township_admin", township=other_township)
    url = f"work/x/mediation/cases/{case.pk}/"
    assert admin_b.get(admin_b.address(url)).status_code == 404
    posted = admin_b.post(admin_b.address(url), {"form": "accept", "accept-phone_confirmed": "on"})
    assert posted.status_code == 404
    queue = admin_b.get(admin_b.address("work/x/mediation/cases/?show=all")).content.decode()
    assert case.receipt not in queue
    lookup = public(other_township).get(
        public(other_township).address("mediation/receipt/"),
        {"receipt": case.receipt, "phone_tail": "5678"},
    )
    assert lookup.status_code == 404
    answer = graphql(admin_b, "{ mediationCases { totalCount edges { node { receipt } } } }")
    assert answer["data"]["mediationCases"]["totalCount"] == 0
    # A's own staff, asking B's API, are not B's staff.
    admin_a = sign_in("township_admin")
    answer = graphql(admin_a, "{ mediationCases { totalCount } }", township=other_township)
    assert answer.get("data") is None or not answer["data"].get("mediationCases")
    with in_township(on):
        case.refresh_from_db()
        assert case.status == "requested"


# --- the signed scan ---------------------------------------------------------------------


def _settled_ready(township, in_township, actor) -> Case:
    case = new_case(township, in_township)
    with in_township(township):
        accept(case, by=actor, phone_confirmed=True)
        record_session(case, by=actor, on=timezone.localdate(), note="调解")
    return case


@pytest.mark.parametrize(
    "upload",
    [
        scan_file(b"MZ\x90\x00 not a pdf", "agreement.pdf"),  # named .pdf, an executable
        scan_file(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.png", "image/png"),
        scan_file(b"GIF89a....", "a.gif", "image/gif"),
    ],
)
def test_the_scan_type_is_checked_by_its_content(on, sign_in, in_township, upload):
    committee = sign_in("village_committee", "V01")
    case = _settled_ready(on, in_township, committee.actor)
    url = committee.address(f"work/x/mediation/cases/{case.pk}/")
    answer = committee.post(
        url, {"form": "agreement", "agreement-text": "同意", "agreement-scan": upload}
    )
    assert answer.status_code == 400
    block = re.search(r'data-field="scan">(.*?)</div>', answer.content.decode(), re.S)
    assert "PDF, JPEG or PNG" in answer.content.decode() and block
    with in_township(on):
        case.refresh_from_db()
        assert case.status == "accepted" and not case.agreement_scan and not case.agreement_text


def test_a_second_scan_replaces_the_first_once_committed(
    on, sign_in, in_township, monkeypatch, django_capture_on_commit_callbacks
):
    from plugins.mediation.services import attach_scan

    actor = sign_in("township_admin").actor
    case = _settled_ready(on, in_township, actor)
    with in_township(on):
        reach_agreement(case, by=actor, text="同意", scan=scan_file())
        case.refresh_from_db()
        storage, first = case.agreement_scan.storage, case.agreement_scan.name
        # A failure after the new file is written leaves the first scan in place.
        real_save = Case.save

        def failing(self, *args, **kwargs):
            if "agreement_scan" in (kwargs.get("update_fields") or ()):
                raise RuntimeError("database gone")
            return real_save(self, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(Case, "save", failing)
            with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
                attach_scan(case, by=actor, scan=scan_file(PNG, "a.png", "image/png"))
        case.refresh_from_db()
        assert case.agreement_scan.name == first and storage.exists(first)
        with django_capture_on_commit_callbacks(execute=True):
            attach_scan(case, by=actor, scan=scan_file(PNG, "a.png", "image/png"))
        case.refresh_from_db()
        assert case.scan_type == "png" and storage.exists(case.agreement_scan.name)
        assert not storage.exists(first)
        assert list(case.steps.values_list("kind", flat=True)).count("scan") == 1


def test_a_too_large_scan_is_refused(on, sign_in, in_township, enable_plugin):
    enable_plugin("mediation", {"max_scan_kb": 100})
    actor = sign_in("township_admin").actor
    case = _settled_ready(on, in_township, actor)
    with in_township(on):
        big = scan_file(PDF + b"0" * (100 * 1024))
        with pytest.raises(PluginError, match="larger than 100 KB"):
            reach_agreement(case, by=actor, text="同意", scan=big)
        case.refresh_from_db()
        assert case.status == "accepted"
        reach_agreement(case, by=actor, text="同意", scan=scan_file(PNG, "a.png", "image/png"))
        case.refresh_from_db()
        assert case.status == "settled" and case.scan_type == "png"


# --- statistics, the three-none feed and GraphQL -----------------------------------------


def _spread(township, in_township, actor):
    """V01: one agreement, one referral to court, one to the petition office, one open;
    V02: one agreement followed up, one referral to the police."""
    made = []
    for village, fate in (
        ("V01", "settled"),
        ("V01", "court"),
        ("V01", "petition_office"),
        ("V01", "open"),
        ("V02", "held"),
        ("V02", "police"),
    ):
        case = new_case(township, in_township, village=village)
        with in_township(township):
            if fate != "open":
                accept(case, by=actor, phone_confirmed=True)
                record_session(case, by=actor, on=timezone.localdate(), note="调解")
            if fate in ("court", "petition_office", "police"):
                refer(case, by=actor, to=fate, note="调解不成")
            elif fate in ("settled", "held"):
                reach_agreement(case, by=actor, text="同意")
            if fate == "held":
                record_follow_up(case, by=actor, on=timezone.localdate(), held=True)
        made.append(case)
    return made


def test_the_three_none_counts(on, sign_in, in_township):
    _spread(on, in_township, sign_in("township_admin").actor)
    today = timezone.localdate()
    with in_township(on):
        counts = mediation.township_village_case_counts(today.replace(day=1), today, {})
        assert counts == [
            VillageCaseCounts("V01", petitions=1, lawsuits=1, settled_in_village=1),
            VillageCaseCounts("V02", criminal_cases=1, settled_in_village=1),
        ]
        before = today.replace(day=1) - dt.timedelta(days=1)
        assert mediation.township_village_case_counts(before.replace(day=1), before, {}) == []


def test_statistics_per_village(on, sign_in, in_township):
    _spread(on, in_township, sign_in("township_admin").actor)
    committee = sign_in("village_committee", "V01")
    text = committee.get(committee.address("work/x/mediation/stats/")).content.decode()
    row = re.search(r'data-village="V01">(.*?)</tr>', text, re.S).group(1)
    assert "<td data-received>4</td>" in row and "<td data-settled>1</td>" in row
    assert "<td data-referred>2</td>" in row and "<td data-open>1</td>" in row
    assert 'data-village="V02"' not in text  # their own village only
    bad = committee.get(committee.address("work/x/mediation/stats/"), {"start": "2025-13-01"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()


def test_graphql_cases_and_stats(on, sign_in, in_township, graphql):
    _spread(on, in_township, sign_in("township_admin").actor)
    committee = sign_in("village_committee", "V02")
    answer = graphql(
        committee,
        "{ mediationCases { totalCount edges { node { villageCode status referredTo "
        "steps { kind byLabel } } } } }",
    )
    nodes = [e["node"] for e in answer["data"]["mediationCases"]["edges"]]
    assert answer["data"]["mediationCases"]["totalCount"] == 2
    assert {n["villageCode"] for n in nodes} == {"V02"}
    assert {n["status"] for n in nodes} == {"closed", "referred"}
    today = timezone.localdate().isoformat()
    stats = graphql(
        committee,
        "query($s: Date!, $e: Date!) { mediationStats(start: $s, end: $e) "
        "{ villageCode received settled referred open } }",
        {"s": today, "e": today},
    )
    assert stats["data"]["mediationStats"] == [
        {"villageCode": "V02", "received": 2, "settled": 1, "referred": 1, "open": 0}
    ]
    backwards = graphql(
        committee,
        '{ mediationStats(start: "2025-02-01", end: "2025-01-01") { villageCode } }',
    )
    assert codes(backwards) == ["BAD_INPUT"]
    wrong_status = graphql(committee, '{ mediationCases(status: "won") { totalCount } }')
    assert codes(wrong_status) == ["BAD_INPUT"]
    grid = sign_in("grid_worker", "V02")
    assert codes(graphql(grid, "{ mediationCases { totalCount } }")) == ["FORBIDDEN"]


def test_the_demo_makes_cases_in_various_states(on, sign_in, in_township):
    import random

    from plugins.mediation.demo import seed_demo_cases

    with in_township(on):
        summary = seed_demo_cases(sign_in("township_admin").actor, random.Random(1), [])
        statuses = set(Case.objects.values_list("status", flat=True))
    assert summary == "8 mediation cases" and len(statuses) >= 3


STEP = """mutation($id: ID!, $step: String!, $on: Date, $note: String, $text: String,
  $to: String, $held: Boolean, $phone: Boolean) {
  recordMediationStep(caseId: $id, step: $step, on: $on, note: $note, text: $text, to: $to,
    held: $held, phoneConfirmed: $phone) {
    errors { field code message } case { status steps { kind byLabel } }
  }
}"""


def _case_id(client, graphql, receipt) -> str:
    answer = graphql(client, "{ mediationCases { edges { node { id receipt } } } }")
    return next(
        e["node"]["id"]
        for e in answer["data"]["mediationCases"]["edges"]
        if e["node"]["receipt"] == receipt
    )


def test_graphql_steps_to_the_follow_up(on, sign_in, in_township, graphql):
    case = new_case(on, in_township)
    committee = sign_in("village_committee", "V01")
    case_id = _case_id(committee, graphql, case.receipt)
    today = timezone.localdate().isoformat()

    def step(**variables):
        answer = graphql(committee, STEP, {"id": case_id, **variables})
        return answer["data"]["recordMediationStep"]

    assert step(step="accept")["errors"][0]["message"].startswith("Call the applicant first")
    assert step(step="accept", phone=True)["case"]["status"] == "accepted"
    assert step(step="session", note="调解")["errors"][0]["field"] == "on"
    assert step(step="session", on=today, note="调解")["errors"] == []
    assert step(step="agreement", text="同意")["case"]["status"] == "settled"
    assert step(step="won")["errors"][0]["code"] == "BAD_INPUT"
    done = step(step="follow_up", on=today, held=False, note="未履行")
    assert done["errors"] == [] and done["case"]["status"] == "closed"
    assert done["case"]["steps"][-1] == {"kind": "follow_up", "byLabel": committee.user.email}
    again = step(step="session", on=today, note="再调")
    assert "not edited any more" in again["errors"][0]["message"]
    with in_township(on):
        case.refresh_from_db()
        assert case.status == "closed" and case.agreement_held is False


def test_graphql_steps_are_refused_elsewhere(
    on, other_township, sign_in, in_township, enable_plugin, graphql
):
    enable_plugin("mediation", township=other_township)
    case = new_case(on, in_township)
    admin = sign_in("township_admin")
    case_id = _case_id(admin, graphql, case.receipt)
    variables = {"id": case_id, "step": "accept", "phone": True}
    other_village = sign_in("village_committee", "V02")
    answer = graphql(other_village, STEP, variables)["data"]["recordMediationStep"]
    assert answer["errors"][0]["code"] == "NOT_FOUND" and answer["case"] is None
    grid = sign_in("grid_worker", "V01")
    assert codes(graphql(grid, STEP, variables)) == ["FORBIDDEN"]
    admin_b = sign_in("township_admin", township=other_township)
    answer = graphql(admin_b, STEP, variables)
    assert answer.get("errors") or answer["data"]["recordMediationStep"]["errors"]
    with in_township(on):
        case.refresh_from_db()
        assert case.status == "requested"


def test_the_core_three_none_reading_sums_the_mediation_counts(on, sign_in, in_township):
    from platform_core.dashboard.three_none import plugin_counts

    _spread(on, in_township, sign_in("township_admin").actor)
    today = timezone.localdate()
    with in_township(on):
        sums = plugin_counts(on, today.replace(day=1), today)
    assert sums["V01"]["lawsuits"] == 1 and sums["V01"]["petitions"] == 1
    assert sums["V01"]["settled_in_village"] == 1
    assert sums["V02"]["criminal_cases"] == 1 and sums["V02"]["settled_in_village"] == 1


def test_the_admin_shows_cases_to_their_station_only(on, sign_in, in_township):
    """Applicants' names, phones and disputes: the mediators of the case's village (and
    the township administrators), never another village's committee or the council."""
    case = new_case(on, in_township, applicant_name="俞国明", description="宅基地界址不清")
    change = f"admin/mediation/case/{case.pk}/change/"
    ours = sign_in("village_committee", "V01")
    listed = ours.get(ours.address("admin/mediation/case/"))
    assert listed.status_code == 200 and case.receipt in listed.content.decode()
    page = ours.get(ours.address(change))
    assert page.status_code == 200 and "宅基地界址不清" in page.content.decode()
    theirs = sign_in("village_committee", "V02")
    assert case.receipt not in theirs.get(theirs.address("admin/mediation/case/")).text
    assert theirs.get(theirs.address(change)).status_code == 404
    council = sign_in("council_member")
    assert council.get(council.address("admin/mediation/case/")).status_code == 403
    assert council.get(council.address(change)).status_code in (403, 404)
    admin = sign_in("township_admin")
    assert admin.get(admin.address(change)).status_code == 200
    assert admin.post(admin.address(change), {"status": "closed"}).status_code == 403
    with in_township(on):
        case.refresh_from_db()
        assert case.status == "requested"


def test_graphql_cases_with_their_steps_in_a_fixed_number_of_queries(
    on, sign_in, in_township, graphql
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = sign_in("township_admin")
    query = "{ mediationCases(first: 50) { edges { node { receipt steps { kind } } } } }"

    def cases_read() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            answer = graphql(admin, query)
        return len(answer["data"]["mediationCases"]["edges"]), len(queries)

    for _n in range(2):
        new_case(on, in_township)
    cases_read()  # the first request's own reads (the session, the viewer) aside
    few = cases_read()
    for village in ("V01", "V02", "V02"):
        case = new_case(on, in_township, village=village)
        with in_township(on):
            accept(case, by=admin.actor, phone_confirmed=True)
    more = cases_read()
    assert (few[0], more[0]) == (2, 5)
    assert more[1] == few[1]  # the steps of every case in one query, not one per case


def test_the_dispute_codes_to_print_are_of_the_viewers_stations(on, sign_in):
    committee = sign_in("village_committee", "V02")
    page = committee.get(committee.address("work/x/mediation/stations/"))
    text = page.content.decode()
    assert page.status_code == 200 and 'data-code="V02"' in text and "<svg" in text
    assert 'data-code="V01"' not in text and f"/t/{on.code}/mediation/V02/" in text
    admin = sign_in("township_admin")
    text = admin.get(admin.address("work/x/mediation/stations/")).content.decode()
    assert 'data-code="V01"' in text and 'data-code="V02"' in text
    grid = sign_in("grid_worker", "V02")
    assert grid.get(grid.address("work/x/mediation/stations/")).status_code == 403
