"""The township Django admin by role: village scope, review-only roles, imports, exports, language.

Township A (甲镇) has two villages, 太湖村 (V01) and 青山村 (V02), three households
each and one approved entry per village; a village committee member of V01, a
council member and the township administrator look at the same admin.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from platform_core.households.models import Household, Village
from platform_core.plugins.services import enable_plugin
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.scoring.services import record_entry
from tests import factories as f
from tests.api import member

pytestmark = pytest.mark.django_db

ID_HASH = "9f" * 32


@pytest.fixture
def villages(township_a, in_township):
    """V01 and V02 with households and one approved entry each; V01-0001 has an ID hash."""
    with in_township(township_a):
        f.village("V01", "太湖村")
        f.village("V02", "青山村")
        Household.objects.filter(code="V01-0001").update(id_number_hash=ID_HASH)
        ours = f.approved("V01-0001", "PS-01", dt.date(2026, 3, 2))
        theirs = f.approved("V02-0001", "PS-02", dt.date(2026, 3, 3))
        proposed = record_entry(
            household=f.household("V02-0002"),
            rule=f.rule("PS-01"),
            occurred_on=dt.date(2026, 3, 4),
            recorder=f.person("recorder"),
            source="staff",
            evidence="patrol roster",
        )
        ids = {
            "ours": ours.pk,
            "theirs": theirs.pk,
            "proposed": proposed.pk,
            "v01_0001": f.household("V01-0001").pk,
            "v02_0001": f.household("V02-0001").pk,
        }
    return ids


def base(township) -> str:
    return f"/t/{township.code}/admin/"


def sign_in(client, township, email: str, password: str = "pw") -> None:
    """Through the admin's own login form (as a person would)."""
    reply = client.post(
        base(township) + "login/",
        {"username": email, "password": password, "next": base(township)},
    )
    assert reply.status_code == 302, reply.text[:2000]


@pytest.fixture
def committee(client, township_a, villages):
    """A village committee member for V01 only, signed in (not is_staff)."""
    user = member(township_a, "vc@jia.test", "village_committee", "V01")
    assert not user.is_staff
    sign_in(client, township_a, "vc@jia.test")
    return client


@pytest.fixture
def council(client, township_a, villages):
    member(township_a, "council@jia.test", "council_member")
    sign_in(client, township_a, "council@jia.test")
    return client


@pytest.fixture
def township_admin(client, township_a, villages):
    """The township administrator, reading the admin in English (the default is zh-hans)."""
    sign_in(client, township_a, "admin@jia.test", "pw-jia")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- what each role sees ---------------------------------------------------------------


def test_a_village_committee_member_sees_only_their_village(committee, township_a, villages):
    admin = base(township_a)
    households = committee.get(admin + "households/household/")
    assert households.status_code == 200
    assert "V01-0001" in households.text and "V02-0001" not in households.text
    assert "青山村" not in households.text  # not even as a filter choice
    assert (
        committee.get(admin + f"households/household/{villages['v02_0001']}/change/").status_code
        == 404
    )
    own = committee.get(admin + f"households/household/{villages['v01_0001']}/change/")
    assert own.status_code == 200 and 'name="_save"' in own.text

    ledger = committee.get(admin + "scoring/scoreevent/")
    assert "V01-0001" in ledger.text and "V02-0001" not in ledger.text
    assert (
        committee.get(admin + f"scoring/scoreevent/{villages['theirs']}/change/").status_code == 404
    )
    assert (
        committee.get(admin + f"scoring/scoreevent/{villages['ours']}/change/").status_code == 200
    )

    village_list = committee.get(admin + "households/village/")
    assert "太湖村" in village_list.text and "青山村" not in village_list.text
    # The choices of a new household's village are their own villages only.
    add = committee.get(admin + "households/household/add/")
    assert add.status_code == 200
    assert "太湖村" in add.text and "青山村" not in add.text
    with_other_village = committee.post(
        admin + "households/household/add/",
        {"code": "V02-0099", "village": _village_pk(township_a, "V02"), "head_name": "外村"},
    )
    assert with_other_village.status_code == 200  # the form refuses the choice
    assert not _exists(township_a, "V02-0099")
    # Covenant: read, never edited; villages are the township administrator's.
    rules = committee.get(admin + "scoring/rule/")
    assert rules.status_code == 200 and "PS-01" in rules.text
    assert committee.get(admin + "scoring/rule/add/").status_code == 403
    assert committee.get(admin + "households/village/add/").status_code == 403


def test_village_scope_holds_for_rounds_boards_and_plugin_records(
    committee, township_a, in_township, villages
):
    from platform_core.evaluation.models import EvaluationRound

    enable_plugin(township_a, "petition")
    with in_township(township_a):
        v01, v02 = Village.objects.get(code="V01"), Village.objects.get(code="V02")
        EvaluationRound.objects.create(village=v01, period=dt.date(2026, 3, 1))
        other = EvaluationRound.objects.create(village=v02, period=dt.date(2026, 3, 1))
    admin = base(township_a)
    rounds = committee.get(admin + "evaluation/evaluationround/")
    assert "太湖村" in rounds.text and "青山村" not in rounds.text
    assert (
        committee.get(admin + f"evaluation/evaluationround/{other.pk}/change/").status_code == 404
    )
    assert committee.get(admin + "petition/case/").status_code == 200


def test_a_council_member_reviews_and_reads_but_does_not_edit(
    council, township_a, in_township, villages
):
    admin = base(township_a)
    households = council.get(admin + "households/household/")
    assert "V01-0001" in households.text and "V02-0001" in households.text
    rule_pk = _rule_pk(township_a, "PS-01")
    page = council.get(admin + f"scoring/rule/{rule_pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text
    changed = council.post(
        admin + f"scoring/rule/{rule_pk}/change/",
        {"code": "PS-01", "title_zh": "改了", "title_en": "x", "category": "other", "points": 9},
    )
    assert changed.status_code == 403
    with in_township(township_a):
        assert Rule.objects.get(pk=rule_pk).points == 2
    assert council.get(admin + "scoring/rule/add/").status_code == 403
    assert council.get(admin + "alliance/alliancemember/add/").status_code == 403
    household = council.get(admin + f"households/household/{villages['v01_0001']}/change/")
    assert household.status_code == 200 and 'name="_save"' not in household.text
    # ... and approves a proposed entry through the service (the joint review).
    reply = council.post(
        admin + "scoring/scoreevent/",
        {"action": "approve_selected", "_selected_action": [villages["proposed"]]},
    )
    assert reply.status_code == 302
    with in_township(township_a):
        entry = ScoreEvent.objects.get(pk=villages["proposed"])
        assert entry.status == "approved" and entry.reviewed_by_label == "council@jia.test"
    # Approved entries stay as they are: no save, no delete, no add.
    approved = council.get(admin + f"scoring/scoreevent/{villages['ours']}/change/")
    assert 'name="_save"' not in approved.text
    assert council.get(admin + f"scoring/scoreevent/{villages['ours']}/delete/").status_code == 403
    assert council.get(admin + "scoring/scoreevent/add/").status_code == 403


def test_the_township_administrator_edits_the_covenant_but_not_the_ledger(
    township_admin, township_a, in_township, villages
):
    admin = base(township_a)
    rule_pk = _rule_pk(township_a, "PS-01")
    reply = township_admin.post(
        admin + f"scoring/rule/{rule_pk}/change/",
        {
            "code": "PS-01",
            "title_zh": "参加平安巡防",
            "title_en": "Patrol",
            "category": "public_safety",
            "points": 3,
            "needs_review": "on",
            "active": "on",
        },
    )
    assert reply.status_code == 302
    with in_township(township_a):
        assert Rule.objects.get(pk=rule_pk).points == 3
        assert ScoreEvent.objects.get(pk=villages["ours"]).points == 2  # entries keep theirs
    page = township_admin.get(admin + f"scoring/scoreevent/{villages['ours']}/change/")
    assert 'name="_save"' not in page.text
    assert (
        township_admin.get(admin + f"scoring/scoreevent/{villages['ours']}/delete/").status_code
        == 403
    )


def test_roles_outside_the_admin_and_other_townships_are_turned_away(
    client, township_a, township_b, villages
):
    member(township_a, "grid@jia.test", "grid_worker", "V01")
    refused = client.post(
        base(township_a) + "login/", {"username": "grid@jia.test", "password": "pw"}
    )
    assert refused.status_code == 200 and "_auth_user_id" not in client.session
    # A's administrator at B's admin: the login page, for every page.
    sign_in(client, township_a, "admin@jia.test", "pw-jia")
    for page in ("", "households/household/", "households/household/import/", "scoring/rule/"):
        reply = client.get(base(township_b) + page)
        assert reply.status_code == 302 and "/login/" in reply["Location"], page
    assert client.get(base(township_b) + "households/household/export/csv/").status_code == 302


def test_a_role_in_another_township_counts_only_there(client, township_a, township_b, in_township):
    """A's administrator who is a V01 committee member in B gets only that in B (Django's
    global permissions of the "township administrators" group do not carry over)."""
    with in_township(township_b):
        f.village("V01", "乙一村")
        f.village("V02", "乙二村")
    member(township_b, "admin@jia.test", "village_committee", "V01")
    sign_in(client, township_a, "admin@jia.test", "pw-jia")
    households = client.get(base(township_b) + "households/household/")
    assert households.status_code == 200
    assert "V01-0001" in households.text and "V02-0001" not in households.text
    assert client.get(base(township_b) + "scoring/rule/add/").status_code == 403
    assert client.get(base(township_b) + "households/household/import/").status_code == 403


# --- imports -----------------------------------------------------------------------------

GOOD_HOUSEHOLDS = (
    "户码,村,网格,户主,地址,人口,电话\nV01-0100,太湖村,第1网格,周新,一号,3,\n,新村,,吴立,,2,\n"
)
BAD_HOUSEHOLDS = (
    "code,village,head_name,members\n"
    "V01-0101,太湖村,周甲,2\nV01-0102,,周乙,2\nV01-0103,太湖村,周丙,120\n"
)


def upload(name: str, content: str | bytes, bom: bool = False) -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, (codecs.BOM_UTF8 if bom else b"") + data)


def xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_importing_households_from_the_admin(township_admin, township_a, in_township, villages):
    page = base(township_a) + "households/household/"
    listing = township_admin.get(page)
    assert 'href="/t/330502901/admin/households/household/import/"' in listing.text
    form = township_admin.get(page + "import/")
    assert form.status_code == 200 and "head_name" in form.text and "户主" in form.text
    reply = township_admin.post(
        page + "import/", {"file": upload("households.csv", GOOD_HOUSEHOLDS, bom=True)}, follow=True
    )
    assert reply.status_code == 200
    assert "2 rows, 2 households created, 0 updated, 1 villages" in reply.text
    assert "V01-0100" in reply.text
    with in_township(township_a):
        assert Household.objects.get(code="V01-0100").head_name == "周新"
        assert Household.objects.filter(head_name="吴立", village__name="新村").exists()
        log = LogEntry.objects.get(object_repr="households.csv")
        assert (
            log.user.username == "admin@jia.test" and "2 households created" in log.change_message
        )


def test_a_bad_household_file_lists_every_problem_and_writes_nothing(
    township_admin, township_a, in_township, villages
):
    with in_township(township_a):
        before = Household.objects.count()
    url = base(township_a) + "households/household/import/"
    reply = township_admin.post(url, {"file": upload("bad households.csv", BAD_HOUSEHOLDS)})
    assert reply.status_code == 200
    assert _problems(reply.text) == [
        ["bad households.csv", "3", "village", "missing value"],
        ["bad households.csv", "4", "members", "120 is not between 1 and 99"],
    ]
    assert "Nothing from bad households.csv was imported." in reply.text
    # In Chinese, the services' own translations, with the same file, rows and columns.
    township_admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = township_admin.post(url, {"file": upload("bad households.csv", BAD_HOUSEHOLDS)})
    assert _problems(chinese.text) == [
        ["bad households.csv", "3", "village", "缺少值"],
        ["bad households.csv", "4", "members", "120 不在 1 到 99 之间"],
    ]
    # A file the services cannot read is named the same way (no row, no column).
    township_admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pdf = township_admin.post(url, {"file": upload("list.pdf", b"%PDF-1.4")})
    assert _problems(pdf.text) == [["list.pdf", "", "", "use a .csv (UTF-8) or .xlsx file"]]
    with in_township(township_a):
        assert Household.objects.count() == before
        assert not Household.objects.filter(code="V01-0101").exists()
        assert not LogEntry.objects.filter(object_repr="bad households.csv").exists()


def test_importing_rules_and_entries_from_xlsx(township_admin, township_a, in_township, villages):
    admin = base(township_a)
    rules = xlsx(
        [
            ("编码", "名称", "英文名称", "类别", "分值", "需审核"),
            ("XX-01", "打扫公共区域", "Cleaned a public area", "志愿活动", 2, "否"),
        ]
    )
    reply = township_admin.post(
        admin + "scoring/rule/import/", {"file": upload("rules.xlsx", rules)}, follow=True
    )
    assert "ules.xlsx: 1 rules added, 0 updated" in reply.text  # capitalised by the admin
    entries = xlsx(
        [
            ("户码", "规则", "日期", "外部编号"),
            ("V01-0002", "XX-01", dt.date(2026, 3, 9), "sheet-1"),
            ("V02-0003", "XX-01", "2026-03-10", "sheet-2"),
        ]
    )
    reply = township_admin.post(
        admin + "scoring/scoreevent/import/", {"file": upload("march.xlsx", entries)}, follow=True
    )
    assert "arch.xlsx: 2 rows, 2 entries recorded" in reply.text
    with in_township(township_a):
        imported = ScoreEvent.objects.filter(rule__code="XX-01")
        assert imported.count() == 2
        assert {e.recorded_by_label for e in imported} == {"admin@jia.test"}
        assert {e.status for e in imported} == {"approved"}  # the rule needs no review
        assert imported.first().evidence.startswith("imported from march.xlsx, row ")

    bad = xlsx(
        [
            ("household_code", "rule_code", "occurred_on", "points"),
            ("V01-0001", "XX-01", "2026-03-11", None),
            ("V01-0002", "XX-01", "2999-01-01", None),
            ("V01-0003", "XX-01", "2026-03-12", "many"),
        ]
    )
    reply = township_admin.post(
        admin + "scoring/scoreevent/import/", {"file": upload("bad.xlsx", bad)}
    )
    assert _problems(reply.text) == [
        ["bad.xlsx", "3", "occurred_on", "2999-01-01 is in the future"],
        ["bad.xlsx", "4", "points", "'many' is not a whole number"],
    ]
    with in_township(township_a):
        assert ScoreEvent.objects.filter(rule__code="XX-01").count() == 2
    # The database checks (unknown household, unknown rule) are listed the same way.
    bad_refs = xlsx(
        [
            ("household_code", "rule_code", "occurred_on"),
            ("V01-0001", "XX-01", "2026-03-11"),
            ("V09-0001", "XX-01", "2026-03-12"),
            ("V01-0002", "NOPE", "2026-03-13"),
        ]
    )
    reply = township_admin.post(
        admin + "scoring/scoreevent/import/", {"file": upload("refs.xlsx", bad_refs)}
    )
    problems = _problems(reply.text)
    assert ["refs.xlsx", "3", "household_code", "unknown household V09-0001"] in problems
    assert ["refs.xlsx", "4", "rule_code", "unknown rule NOPE"] in problems
    with in_township(township_a):
        assert ScoreEvent.objects.filter(rule__code="XX-01").count() == 2  # row 2 not kept either


def test_plugin_imports_appear_with_the_plugin_and_use_its_service(
    township_admin, township_a, in_township, villages
):
    from plugins.garbage_sorting.models import Inspection
    from plugins.petition.models import Case

    admin = base(township_a)
    assert township_admin.get(admin + "garbage_sorting/inspection/import/").status_code == 403
    enable_plugin(township_a, "garbage_sorting")
    enable_plugin(township_a, "petition")
    sheet = "户码,检查日期,结果,照片\nV01-0001,2026-03-02,错误,a.jpg\nV02-0002,2026-03-02,正确,\n"
    reply = township_admin.post(
        admin + "garbage_sorting/inspection/import/",
        {"file": upload("inspections.csv", sheet)},
        follow=True,
    )
    assert "nspections.csv: 2 rows, 2 inspections recorded" in reply.text
    bad = "户码,检查日期,结果\nV09-0001,2026-03-05,正确\nV01-0001,2026-03-05,脏\n"
    reply = township_admin.post(
        admin + "garbage_sorting/inspection/import/", {"file": upload("bad.csv", bad)}
    )
    problems = _problems(reply.text)
    assert ["bad.csv", "2", "户码 (household_code)", "unknown household 'V09-0001'"] in problems
    assert [
        "bad.csv",
        "3",
        "结果 (result)",
        "use correct/wrong/not_sorted (正确/错误/未分类)",
    ] in problems
    cases = (
        "工单号,类型,受理时间,村,户码,姓名,内容\n"
        "H-001,12345热线,2026-03-05 10:20,太湖村,V01-0001,俞国明,路灯不亮\n"
    )
    reply = township_admin.post(
        admin + "petition/case/import/", {"file": upload("hotline.csv", cases)}, follow=True
    )
    assert "otline.csv: 1 rows, 1 cases imported" in reply.text
    with in_township(township_a):
        inspection = Inspection.objects.get(household__code="V01-0001")
        assert inspection.inspector_label == "admin@jia.test"
        assert Inspection.objects.count() == 2
        assert Case.objects.get(reference="H-001").steps.get().by_label == "admin@jia.test"


def test_only_a_township_wide_administrator_imports(council, township_a):
    """Import services write for every village: review-only and village-scoped roles get none."""
    admin = base(township_a)
    assert "/import/" not in council.get(admin + "households/household/").text
    assert council.get(admin + "households/household/import/").status_code == 403
    member(township_a, "vc@jia.test", "village_committee", "V01")
    sign_in(council, township_a, "vc@jia.test")
    assert council.get(admin + "scoring/scoreevent/import/").status_code == 403
    assert (
        council.post(admin + "scoring/rule/import/", {"file": upload("r.csv", "x")}).status_code
        == 403
    )


# --- exports -----------------------------------------------------------------------------


def _csv(reply) -> list[list[str]]:
    body = b"".join(reply.streaming_content)
    assert body.startswith(codecs.BOM_UTF8), body[:20]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(reply) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(reply.streaming_content)), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_household_exports_follow_the_scope_and_carry_no_id_numbers(
    committee, township_a, villages
):
    page = base(township_a) + "households/household/"
    listing = committee.get(page)
    assert "export/csv/" in listing.text and "export/xlsx/" in listing.text
    reply = committee.get(page + "export/csv/")
    assert reply.status_code == 200 and reply["Content-Disposition"].startswith("attachment")
    rows = _csv(reply)
    assert rows[0] == [
        "code",
        "village",
        "grid",
        "head_name",
        "address",
        "members",
        "phone",
        "email",
    ]
    assert [row[0] for row in rows[1:]] == ["V01-0001", "V01-0002", "V01-0003"]
    assert all(ID_HASH not in cell for row in rows for cell in row)
    sheet = _xlsx(committee.get(page + "export/xlsx/"))
    assert sheet[0][0] == "code" and [row[0] for row in sheet[1:]] == [
        "V01-0001",
        "V01-0002",
        "V01-0003",
    ]
    # The list's filters and search carry over; the selected-rows action too.
    assert [r[0] for r in _csv(committee.get(page + "export/csv/?q=V01-0002"))[1:]] == ["V01-0002"]
    chosen = committee.post(
        page, {"action": "export_selected_csv", "_selected_action": [villages["v01_0001"]]}
    )
    assert [r[0] for r in _csv(chosen)[1:]] == ["V01-0001"]
    # Another village's rows cannot be smuggled into the selection.
    smuggled = committee.post(
        page,
        {
            "action": "export_selected_xlsx",
            "_selected_action": [villages["v01_0001"], villages["v02_0001"]],
        },
    )
    assert [row[0] for row in _xlsx(smuggled)[1:]] == ["V01-0001"]


def test_ledger_and_score_exports(committee, township_a, villages):
    admin = base(township_a)
    rows = _csv(committee.get(admin + "scoring/scoreevent/export/csv/"))
    header = rows[0]
    assert header[:4] == ["id", "household_code", "village", "rule_code"]
    assert [row[1] for row in rows[1:]] == ["V01-0001"]
    assert rows[1][header.index("points")] == "2" and rows[1][header.index("status")] == "approved"
    sheet = _xlsx(committee.get(admin + "scoring/scoreevent/export/xlsx/"))
    assert [row[1] for row in sheet[1:]] == ["V01-0001"]

    form = committee.get(admin + "households/household/export-scores/")
    assert form.status_code == 200 and 'name="period"' in form.text
    scores = _csv(
        committee.get(admin + "households/household/export-scores/?period=2026-03&format=csv")
    )
    assert scores[0] == ["code", "score", "tier"]
    assert [row[0] for row in scores[1:]] == ["V01-0001", "V01-0002", "V01-0003"]
    assert scores[1][1] == str(int(scores[2][1]) + 2)  # V01-0001's approved +2
    xlsx_scores = _xlsx(
        committee.get(admin + "households/household/export-scores/?period=2026-03&format=xlsx")
    )
    assert [row[0] for row in xlsx_scores[1:]] == ["V01-0001", "V01-0002", "V01-0003"]
    wrong = committee.get(admin + "households/household/export-scores/?period=March&format=csv")
    assert wrong.status_code == 200 and "YYYY-MM" in wrong.text


def test_the_township_administrator_exports_every_village(township_admin, township_a, villages):
    rows = _csv(township_admin.get(base(township_a) + "households/household/export/csv/"))
    assert len(rows) == 1 + 6


# --- language ----------------------------------------------------------------------------


def test_the_admin_speaks_chinese_by_default_and_english_after_switching(
    client, township_a, villages
):
    login = client.get(base(township_a) + "login/")
    assert '<html lang="zh-hans"' in login.text and 'id="language-switch"' in login.text
    sign_in(client, township_a, "admin@jia.test", "pw-jia")
    index = client.get(base(township_a))
    assert '<html lang="zh-hans"' in index.text and "站点管理" in index.text
    assert 'id="language-switch"' in index.text and "/i18n/setlang/" in index.text
    switched = client.post(
        f"/t/{township_a.code}/i18n/setlang/", {"language": "en", "next": base(township_a)}
    )
    assert switched.status_code == 302
    english = client.get(base(township_a))
    assert '<html lang="en"' in english.text and "Site administration" in english.text
    assert "站点管理" not in english.text
    login_page = client.get(base(township_a) + "login/")  # signed in: back to the index
    assert login_page.status_code == 302


# --- helpers -----------------------------------------------------------------------------


def _problems(html: str) -> list[list[str]]:
    """The rows of the import page's problem table: file, row, column, message."""
    import re
    from html import unescape

    table = re.search(r'<table id="import-problems">(.*?)</table>', html, re.S)
    assert table, html[:3000]
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    return [
        [unescape(cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in rows
        if "<td>" in row
    ]


def _village_pk(township, code: str) -> int:
    from django_tenants.utils import tenant_context

    with tenant_context(township):
        return Village.objects.get(code=code).pk


def _rule_pk(township, code: str) -> int:
    from django_tenants.utils import tenant_context

    with tenant_context(township):
        return Rule.objects.get(code=code).pk


def _exists(township, code: str) -> bool:
    from django_tenants.utils import tenant_context

    with tenant_context(township):
        return Household.objects.filter(code=code).exists()
