"""Merchants and firms: credit codes, registration, imports, exports,
the workbench and admin screens, and households left exactly as they were."""

from __future__ import annotations

import codecs
import csv
import io
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import Workbook, load_workbook

from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.households import services
from platform_core.households.admin import household_rows
from platform_core.households.credit_codes import CreditCodeError, normalise_credit_code
from platform_core.households.enterprise_imports import export_enterprises, import_enterprises
from platform_core.households.imports import import_households
from platform_core.households.models import Enterprise, Household, Village
from platform_core.households.selectors import household_count
from platform_core.tabular import TableError
from tests import factories as f
from tests.api import endpoint, gql, member, token_for

pytestmark = pytest.mark.django_db

# Real published codes (checked by hand against GB 32100-2015) and their check characters.
REAL = {
    "91350100M000100Y43": "3",  # the standard's own example
    "914403001922038216": "6",  # Huawei
    "91440300708461136T": "T",  # Tencent
    "91330100716105852F": "F",  # Alibaba
    "91110000802100433B": "B",  # Baidu
}
HUAWEI, TENCENT, ALIBABA, BAIDU = (
    "914403001922038216",
    "91440300708461136T",
    "91330100716105852F",
    "91110000802100433B",
)


def _wrong_check(code: str) -> str:
    return code[:17] + ("0" if code[17] != "0" else "1")


# --- the credit code ----------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(REAL))
def test_real_credit_codes_pass_and_a_wrong_check_character_says_the_right_one(code):
    assert normalise_credit_code(code) == code
    assert normalise_credit_code(f"  {code.lower()} ") == code
    wrong = _wrong_check(code)
    with pytest.raises(CreditCodeError) as error:
        normalise_credit_code(wrong)
    assert str(error.value) == (
        f"the check character is {wrong[17]} but should be {REAL[code]}: a character is mistyped"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "has 18 characters; this one has 0"),
        ("91350100M000100Y4", "has 18 characters; this one has 17"),
        ("91350100M000100Y433", "has 18 characters; this one has 19"),
        ("91350100M0O0100Y43", "cannot contain O (I, O, Z, S and V are never used)"),
        ("91350100M000I00S43", "cannot contain I, S"),
        ("B1350100M000100Y43", "B1 is not a registering authority and kind"),
        ("94350100M000100Y43", "94 is not a registering authority and kind"),
        ("9135A100M000100Y43", "characters 3 to 8 of a unified social credit code"),
    ],
)
def test_malformed_credit_codes_say_what_is_wrong(raw, message):
    with pytest.raises(CreditCodeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalise_credit_code(raw)


# --- registration -----------------------------------------------------------------------


def _fields(village, **changes) -> dict:
    fields = {
        "kind": "merchant",
        "name": "太湖小卖部",
        "credit_code": HUAWEI,
        "legal_representative": "俞国明",
        "village": village,
        "phone": "13900000000",
        "address": "太湖村1号",
    }
    return fields | changes


@pytest.fixture
def world(township_a, in_township):
    with in_township(township_a):
        f.village("V01", "太湖村")
        f.village("V02", "南浔村")
    return township_a


def test_the_township_administrator_registers_and_updates(world, in_township):
    with in_township(world):
        admin = f.person(role="township_admin")
        v01, v02 = Village.objects.get(code="V01"), Village.objects.get(code="V02")
        shop = services.register_enterprise(by=admin, **_fields(v01, credit_code=HUAWEI.lower()))
        firm = services.register_enterprise(
            by=admin, **_fields(v01, kind="firm", name="太湖农机有限公司", credit_code=TENCENT)
        )
        assert (shop.code, firm.code) == ("V01-E0001", "V01-E0002")
        assert shop.credit_code == HUAWEI and shop.name == "太湖小卖部"
        assert shop.kind == "merchant" and firm.kind == "firm"
        updated = services.update_enterprise(
            shop, by=admin, **_fields(v02, name="南浔小卖部", credit_code=HUAWEI)
        )
        assert (updated.code, updated.village.code, updated.head_name) == (
            "V01-E0001",
            "V02",
            "南浔小卖部",
        )
        assert services.next_enterprise_code(v01) == "V01-E0003"


def test_a_village_committee_registers_only_in_its_village(world, in_township):
    with in_township(world):
        committee = f.person(role="village_committee", village_code="V01")
        v01, v02 = Village.objects.get(code="V01"), Village.objects.get(code="V02")
        own = services.register_enterprise(by=committee, **_fields(v01))
        with pytest.raises(NotAllowed):
            services.register_enterprise(by=committee, **_fields(v02, credit_code=TENCENT))
        with pytest.raises(NotAllowed):  # moving it out of the village
            services.update_enterprise(own, by=committee, **_fields(v02))
        for role in ("council_member", "grid_worker", "party_member"):
            with pytest.raises(NotAllowed):
                services.register_enterprise(
                    by=f.person(role=role), **_fields(v01, credit_code=TENCENT)
                )
        admin = f.person(role="township_admin")
        theirs = services.register_enterprise(by=admin, **_fields(v02, credit_code=TENCENT))
        with pytest.raises(NotAllowed):
            services.update_enterprise(theirs, by=committee, **_fields(v01, credit_code=TENCENT))
        assert Enterprise.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"credit_code": _wrong_check(HUAWEI)}, "credit_code", "should be 6"),
        ({"credit_code": "91350100M0O0100Y43"}, "credit_code", "cannot contain O"),
        ({"name": "  "}, "name", "missing value"),
        ({"legal_representative": ""}, "legal_representative", "missing value"),
        ({"village": None}, "village", "missing value"),
        ({"kind": "household"}, "kind", "is not a kind of merchant or firm"),
        ({"name": "名" * 51}, "name", "longer than 50 characters"),
    ],
)
def test_bad_registrations_name_the_field_and_write_nothing(
    world, in_township, changes, field, message
):
    with in_township(world):
        admin = f.person(role="township_admin")
        with pytest.raises(services.EnterpriseError, match=message) as error:
            services.register_enterprise(
                by=admin, **_fields(Village.objects.get(code="V01")) | changes
            )
        assert error.value.field == field
        assert not Enterprise.objects.exists()


def test_a_credit_code_is_registered_once(world, in_township):
    with in_township(world):
        admin = f.person(role="township_admin")
        v01 = Village.objects.get(code="V01")
        first = services.register_enterprise(by=admin, **_fields(v01))
        with pytest.raises(services.EnterpriseError, match="already registered here, as V01-E0001"):
            services.register_enterprise(by=admin, **_fields(v01, credit_code=HUAWEI.lower()))
        other = services.register_enterprise(by=admin, **_fields(v01, credit_code=BAIDU))
        with pytest.raises(services.EnterpriseError) as error:
            services.update_enterprise(other, by=admin, **_fields(v01, credit_code=HUAWEI))
        assert error.value.field == "credit_code"
        # Its own code again is no conflict.
        services.update_enterprise(first, by=admin, **_fields(v01, name="新名称"))
        with pytest.raises(services.EnterpriseError, match="is a household"):
            services.update_enterprise(f.household("V01-0001"), by=admin, **_fields(v01))


def test_households_are_unaffected(world, in_township):
    with in_township(world):
        before = (household_count(), list(household_rows(Household.objects.all())))
        admin = f.person(role="township_admin")
        services.register_enterprise(by=admin, **_fields(Village.objects.get(code="V01")))
        assert (household_count(), list(household_rows(Household.objects.all()))) == before
        assert Household.objects.filter(code__contains="-E").count() == 0
        assert Household.subjects.count() == before[0] + 1
        assert list(Enterprise.objects.values_list("code", flat=True)) == ["V01-E0001"]


def test_the_household_api_counts_households_only(world, in_township):
    with in_township(world):
        services.register_enterprise(
            by=f.person(role="township_admin"), **_fields(Village.objects.get(code="V01"))
        )
    token = token_for(world, "api@jia.test", "township_admin")
    body = gql(Client(), endpoint(world), "{ households(first: 50) { totalCount } }", token=token)
    assert body["data"]["households"]["totalCount"] == 6


def test_a_household_import_refuses_a_merchants_code(world, in_township, tmp_path):
    with in_township(world):
        services.register_enterprise(
            by=f.person(role="township_admin"), **_fields(Village.objects.get(code="V01"))
        )
        path = _csv(tmp_path, "households.csv", "户码,村,户主\nV01-E0001,太湖村,张三\n")
        with pytest.raises(
            TableError, match="row 2, column 户码 \\(code\\): V01-E0001 is the code of a"
        ):
            import_households(path)


# --- import and export ------------------------------------------------------------------


def _csv(tmp_path, name: str, text: str, bom: bool = False):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + text, encoding="utf-8")
    return path


CHINESE = (
    "名称,统一社会信用代码,法定代表人,村,类型,电话,地址\n"
    f"太湖小卖部,{HUAWEI.lower()},俞国明,太湖村,商户,139,太湖村1号\n"
    f"南浔茶叶有限公司,{TENCENT},沈红,V02,企业,,\n"
)


def test_import_with_chinese_headers_and_bom_is_idempotent(world, in_township, tmp_path):
    with in_township(world):
        path = _csv(tmp_path, "商户.csv", CHINESE, bom=True)
        first = import_enterprises(path)
        assert (first.created, first.updated) == (2, 0)
        rows = list(Enterprise.objects.values_list("code", "kind", "credit_code", "head_name"))
        assert rows == [
            ("V01-E0001", "merchant", HUAWEI, "太湖小卖部"),
            ("V02-E0001", "firm", TENCENT, "南浔茶叶有限公司"),
        ]
        again = import_enterprises(path)
        assert (again.created, again.updated) == (0, 2)
        assert (
            list(Enterprise.objects.values_list("code", "kind", "credit_code", "head_name")) == rows
        )
        changed = _csv(
            tmp_path,
            "changed.csv",
            "name,credit_code,legal_representative,village,kind\n"
            f"太湖便利店,{HUAWEI},俞国明,V01,merchant\n",
        )
        import_enterprises(changed)
        assert Enterprise.objects.get(credit_code=HUAWEI).head_name == "太湖便利店"
        assert Household.objects.count() == 6


def test_import_from_xlsx_and_the_command(world, in_township, tmp_path):
    workbook = Workbook()
    workbook.active.append(["名称", "统一社会信用代码", "法定代表人", "村", "类型"])
    workbook.active.append(["太湖农机", ALIBABA, "李建国", "太湖村", "企业"])
    path = tmp_path / "firms.xlsx"
    workbook.save(path)
    out = StringIO()
    call_command("import_enterprises", "--township", world.code, str(path), stdout=out)
    assert "1 rows, 1 merchants and firms registered, 0 updated" in out.getvalue()
    with in_township(world):
        assert Enterprise.objects.get().credit_code == ALIBABA


def test_a_bad_row_names_file_row_and_column_and_nothing_is_written(world, in_township, tmp_path):
    text = (
        "名称,统一社会信用代码,法定代表人,村,类型\n"
        f"好商户,{HUAWEI},俞国明,太湖村,商户\n"
        f"坏商户,{_wrong_check(TENCENT)},沈红,太湖村,商户\n"
        f",{BAIDU},,无名村,工厂\n"
        f"重复,{HUAWEI},王芳,太湖村,企业\n"
    )
    path = _csv(tmp_path, "bad.csv", text)
    with pytest.raises(CommandError) as error:
        call_command("import_enterprises", "--township", world.code, str(path))
    message = str(error.value)
    assert (
        "bad.csv, row 3, column 统一社会信用代码 (credit_code): "
        "the check character is 0 but should be T"
    ) in message
    assert "bad.csv, row 4, column 名称 (name): missing value" in message
    assert "bad.csv, row 4, column 法定代表人 (legal_representative): missing value" in message
    assert "bad.csv, row 4, column 村 (village): 无名村 is not a village of the township" in message
    assert "bad.csv, row 4, column 类型 (kind): 工厂 is not a kind" in message
    assert (
        f"bad.csv, row 5, column 统一社会信用代码 (credit_code): {HUAWEI} repeats row 2" in message
    )
    with in_township(world):
        assert not Enterprise.objects.exists()


def test_a_missing_column_is_named(world, in_township, tmp_path):
    path = _csv(tmp_path, "short.csv", f"名称,统一社会信用代码\n小店,{HUAWEI}\n")
    with in_township(world), pytest.raises(TableError, match="法定代表人|legal_representative"):
        import_enterprises(path)


def test_export_escapes_formulas_and_imports_back(world, in_township, tmp_path):
    with in_township(world):
        admin = f.person(role="township_admin")
        services.register_enterprise(
            by=admin,
            **_fields(Village.objects.get(code="V01"), name="=HYPERLINK(1)", address="+1 街"),
        )
        path = tmp_path / "out.csv"
        assert export_enterprises(path) == 1
        raw = path.read_bytes()
        assert raw.startswith(codecs.BOM_UTF8)
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows == [
            ["户码", "名称", "统一社会信用代码", "法定代表人", "村", "类型", "电话", "地址"],
            [
                "V01-E0001",
                "'=HYPERLINK(1)",
                HUAWEI,
                "俞国明",
                "太湖村",
                "商户",
                "13900000000",
                "'+1 街",
            ],
        ]
        again = import_enterprises(path)  # the export imports back unchanged
        assert (again.created, again.updated) == (0, 1)
        assert Enterprise.objects.get().head_name == "=HYPERLINK(1)"
        xlsx = tmp_path / "out.xlsx"
        export_enterprises(xlsx)
        sheet = load_workbook(xlsx).active
        assert [c.value for c in next(sheet.iter_rows(min_row=2))][1] == "'=HYPERLINK(1)"


def test_a_village_committee_imports_only_its_villages_rows(world, in_township, tmp_path):
    path = _csv(tmp_path, "mixed.csv", CHINESE)
    with in_township(world):
        committee = f.person(role="village_committee", village_code="V01")
        with pytest.raises(TableError, match=r"row 3, column 村 \(village\): you may not import"):
            import_enterprises(path, by=committee)
        assert not Enterprise.objects.exists()
        with pytest.raises(NotAllowed):
            import_enterprises(path, by=f.person(role="grid_worker"))


# --- cross-township ----------------------------------------------------------------------


def test_township_a_merchants_are_invisible_from_b(world, township_b, in_township, tmp_path):
    with in_township(world):
        services.register_enterprise(
            by=f.person(role="township_admin"), **_fields(Village.objects.get(code="V01"))
        )
    with in_township(township_b):
        f.village("V01", "乙一村")
        assert not Enterprise.objects.exists()
        assert not Household.subjects.filter(credit_code=HUAWEI).exists()
        path = tmp_path / "b.csv"
        assert export_enterprises(path) == 0
        # The same credit code is registered in B on its own (each township its own list).
        result = import_enterprises(
            _csv(
                tmp_path,
                "b_in.csv",
                CHINESE.splitlines()[0] + "\n" + f"乙店,{HUAWEI},乙,乙一村,商户\n",
            )
        )
        assert result.created == 1
    with in_township(world):
        assert Enterprise.objects.get().head_name == "太湖小卖部"


# --- workbench ----------------------------------------------------------------------------


def work(township, path: str = "") -> str:
    return f"/t/{township.code}/work/{path}"


def _client(actor) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(actor.user)
    return client


def test_workbench_register_edit_and_errors_at_the_field(world, in_township):
    with in_township(world):
        admin = _client(f.person(role="township_admin"))
        v01 = Village.objects.get(code="V01").pk
    page = work(world, "enterprises/")
    assert admin.get(page).status_code == 200
    data = {
        "kind": "firm",
        "name": "太湖农机有限公司",
        "credit_code": _wrong_check(TENCENT),
        "legal_representative": "李建国",
        "village": v01,
    }
    refused = admin.post(page, data)
    assert refused.status_code == 400
    assert 'data-field="credit_code"' in refused.text
    assert (
        "should be T"
        in refused.text.split('data-field="credit_code"')[1].split("</div>\n</div>")[0]
    )
    with in_township(world):
        assert not Enterprise.objects.exists()
    done = admin.post(page, data | {"credit_code": TENCENT})
    assert done.status_code == 302 and done["Location"].endswith("/enterprises/V01-E0001/")
    detail = admin.get(work(world, "enterprises/V01-E0001/"))
    assert detail.status_code == 200 and TENCENT in detail.text
    saved = admin.post(
        work(world, "enterprises/V01-E0001/"), data | {"credit_code": TENCENT, "name": "新名"}
    )
    assert saved.status_code == 302
    listing = admin.get(page + "?q=" + TENCENT[:10])
    assert "新名" in listing.text and "V01-E0001" in listing.text


def test_workbench_upload_and_export(world, in_township, tmp_path):
    with in_township(world):
        admin = _client(f.person(role="township_admin"))
    bad = io.BytesIO(
        (
            f"名称,统一社会信用代码,法定代表人,村,类型\n坏,{_wrong_check(BAIDU)},王,太湖村,商户\n"
        ).encode()
    )
    bad.name = "bad.csv"
    refused = admin.post(work(world, "enterprises/import/"), {"file": bad})
    assert refused.status_code == 400
    assert "import-problems" in refused.text and "should be B" in refused.text
    good = io.BytesIO(CHINESE.encode("utf-8-sig"))
    good.name = "good.csv"
    assert admin.post(work(world, "enterprises/import/"), {"file": good}).status_code == 302
    export = admin.get(work(world, "enterprises/export/csv/"))
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert HUAWEI in body and TENCENT in body
    assert admin.get(work(world, "enterprises/export/pdf/")).status_code == 404


def test_workbench_roles_and_village_scope(world, in_township, township_b):
    with in_township(world):
        admin = f.person(role="township_admin")
        services.register_enterprise(by=admin, **_fields(Village.objects.get(code="V02")))
        v01 = Village.objects.get(code="V01").pk
        v02 = Village.objects.get(code="V02").pk
        committee = _client(f.person(role="village_committee", village_code="V01"))
        grid_worker = _client(f.person(role="grid_worker", village_code="V01"))
        household = _client(f.person(role="household", household_code="V01-0001"))
    listing = committee.get(work(world, "enterprises/"))
    assert listing.status_code == 200 and "V02-E0001" not in listing.text
    assert committee.get(work(world, "enterprises/V02-E0001/")).status_code == 404
    assert HUAWEI not in b"".join(
        committee.get(work(world, "enterprises/export/csv/")).streaming_content
    ).decode("utf-8-sig")
    # Its village choice offers only V01; another village's id is refused at the field.
    posted = committee.post(
        work(world, "enterprises/"), _fields(v02, credit_code=BAIDU) | {"village": v02}
    )
    assert posted.status_code == 400 and 'data-field="village"' in posted.text
    assert (
        committee.post(
            work(world, "enterprises/"), _fields(v01, credit_code=BAIDU) | {"village": v01}
        ).status_code
        == 302
    )
    for client in (grid_worker, household):
        assert client.get(work(world, "enterprises/")).status_code == 403
        assert client.get(work(world, "enterprises/export/csv/")).status_code == 403
    # A's administrator has no role in B: B's screen refuses them.
    with in_township(township_b):
        f.village("V01", "乙一村")
    a_admin = _client(admin)
    assert a_admin.get(work(township_b, "enterprises/")).status_code in (302, 403)
    assert a_admin.get(work(township_b, "enterprises/V02-E0001/")).status_code in (302, 403, 404)


# --- admin --------------------------------------------------------------------------------


def _admin_client(township, email, password) -> Client:
    client = Client()
    reply = client.post(
        f"/t/{township.code}/admin/login/",
        {"username": email, "password": password, "next": f"/t/{township.code}/admin/"},
    )
    assert reply.status_code == 302
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_admin_lists_merchants_apart_from_households(world, in_township, township_b):
    with in_township(world):
        services.register_enterprise(
            by=Actor.cli(), **_fields(Village.objects.get(code="V01"), name="太湖小卖部")
        )
    client = _admin_client(world, "admin@jia.test", "pw-jia")
    base = f"/t/{world.code}/admin/households/"
    enterprises = client.get(base + "enterprise/?q=" + HUAWEI)
    assert enterprises.status_code == 200 and "太湖小卖部" in enterprises.text
    households = client.get(base + "household/")
    assert "V01-E0001" not in households.text and "V01-0001" in households.text
    export = client.get(base + "enterprise/export/csv/")
    assert HUAWEI in b"".join(export.streaming_content).decode("utf-8-sig")
    # B's administrator sees none of A's.
    other = _admin_client(township_b, "admin@yi.test", "pw-yi")
    listing = other.get(f"/t/{township_b.code}/admin/households/enterprise/")
    assert listing.status_code == 200 and "太湖小卖部" not in listing.text


def test_admin_add_refuses_a_bad_code_at_the_field(world, in_township):
    client = _admin_client(world, "admin@jia.test", "pw-jia")
    with in_township(world):
        v01 = Village.objects.get(code="V01").pk
    add = f"/t/{world.code}/admin/households/enterprise/add/"
    data = {
        "kind": "merchant",
        "head_name": "小店",
        "credit_code": _wrong_check(HUAWEI),
        "legal_representative": "王",
        "village": v01,
    }
    refused = client.post(add, data)
    assert refused.status_code == 200 and "should be 6" in refused.text
    assert client.post(add, data | {"credit_code": HUAWEI}).status_code == 302
    with in_township(world):
        assert Enterprise.objects.get().code == "V01-E0001"


def test_admin_import_is_for_the_township_administrator(world, in_township, township_a):
    member(township_a, "vc@jia.test", "village_committee", "V01")
    client = _admin_client(world, "vc@jia.test", "pw")
    assert client.get(f"/t/{world.code}/admin/households/enterprise/import/").status_code == 403


def test_the_screen_speaks_chinese_by_default(world, in_township):
    with in_township(world):
        actor = f.person(role="township_admin")
        v01 = Village.objects.get(code="V01").pk
    client = Client()
    client.force_login(actor.user)
    page = client.get(work(world, "enterprises/"))
    assert "诚信商户和企业" in page.text and "统一社会信用代码" in page.text
    refused = client.post(
        work(world, "enterprises/"),
        {
            "kind": "firm",
            "name": "太湖农机有限公司",
            "credit_code": "91440300708461136A",
            "legal_representative": "李建国",
            "village": v01,
        },
    )
    assert "校验码为 A，应为 T：有字符录入错误" in refused.text


def test_admin_change_and_import(world, in_township):
    client = _admin_client(world, "admin@jia.test", "pw-jia")
    base = f"/t/{world.code}/admin/households/enterprise/"
    upload = io.BytesIO(CHINESE.encode("utf-8-sig"))
    upload.name = "商户.csv"
    assert client.post(base + "import/", {"file": upload}).status_code == 302
    with in_township(world):
        shop = Enterprise.objects.get(credit_code=HUAWEI)
        v02 = Village.objects.get(code="V02").pk
    change = base + f"{shop.pk}/change/"
    data = {
        "kind": "merchant",
        "head_name": "南浔小卖部",
        "credit_code": TENCENT,  # the firm's: refused at the field
        "legal_representative": "俞国明",
        "village": v02,
    }
    refused = client.post(change, data)
    assert refused.status_code == 200 and "already registered here, as V02-E0001" in refused.text
    assert client.post(change, data | {"credit_code": HUAWEI}).status_code == 302
    with in_township(world):
        shop.refresh_from_db()
        assert (shop.code, shop.head_name, shop.village.code) == ("V01-E0001", "南浔小卖部", "V02")
    assert client.post(base + f"{shop.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_registration_racing_another_is_refused_cleanly(world, in_township, monkeypatch):
    with in_township(world):
        admin = f.person(role="township_admin")
        v01 = Village.objects.get(code="V01")
        services.register_enterprise(by=admin, **_fields(v01))
        # Another request took the next code between the check and the insert.
        monkeypatch.setattr(services, "next_enterprise_code", lambda village: "V01-E0001")
        with pytest.raises(services.EnterpriseError, match="at the same moment"):
            services.register_enterprise(by=admin, **_fields(v01, credit_code=BAIDU))
        assert Enterprise.objects.count() == 1
