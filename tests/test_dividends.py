"""The ten integrity dividends (《诚信红利十条》): a township's catalogue drafted and published
by its administrator, the public page and PDF, "your dividends" on a household's page, the
GraphQL field; refusals name the field and save nothing; nothing crosses townships."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.alliance.models import Dividend, DividendCatalogue
from platform_core.alliance.selectors import (
    dividend_rows,
    draft_catalogue,
    household_dividends,
    published_catalogue,
)
from platform_core.alliance.services import (
    AllianceError,
    add_member,
    open_draft,
    publish_dividends,
    remove_dividend,
    save_dividend,
)
from platform_core.errors import NotAllowed
from platform_core.evaluation.services import finalise_month
from platform_core.plugins.services import enable_plugin
from tests import factories as f
from tests.api import codes, endpoint, gql, token_for
from tests.test_pages_boards import PAGE, cid, pdf_text
from tests.workbench.conftest import work

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
LOAN = {
    "title_zh": "鸿信贷",
    "title_en": "Integrity loan",
    "member": "B1",
    "tiers": ["green"],
    "subject_kinds": ["household", "merchant", "firm"],
    "gives_zh": "免担保、基准利率贷款",
    "gives_en": "Collateral-free loans at the base rate",
    "basis": "镇诚信积分管理办法第十条",
    "benefit_code": "integrity_loan",
}
CHECKUP = {
    "title_zh": "免费体检",
    "title_en": "Free check-up",
    "member": "C1",
    "tiers": ["green", "blue"],
    "subject_kinds": ["household"],
    "gives_zh": "每年一次免费体检",
    "basis": "镇卫生院承诺书",
    "benefit_code": "",
}


def admin(name: str = "tadmin") -> Actor:
    return f.person(name, "township_admin")


def members() -> None:
    add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
    add_member(code="C1", name="镇卫生院", kind="clinic", by=Actor.cli())


@pytest.fixture
def catalogue(township_a, in_township):
    """甲镇 with the loans plugin, members B1 and C1, version 1 published (two dividends)."""
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        members()
        by = admin()
        save_dividend(number=1, by=by, **LOAN)
        save_dividend(number=2, by=by, **CHECKUP)
        publish_dividends(by=by)
    return township_a


def public() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# --- services ---------------------------------------------------------------------------


def test_drafting_publishing_and_a_new_version_leave_the_published_one_as_it_was(catalogue):
    with tenant_context(catalogue):
        v1 = published_catalogue()
        assert (v1.version, v1.state, v1.published_by_label) == (
            1,
            "published",
            "tadmin@test.local",
        )
        assert draft_catalogue() is None
        rows = dividend_rows(v1)
        assert [(r.dividend.number, r.plugin) for r in rows] == [(1, "loans"), (2, "")]
        assert rows[0].dividend.subject_kinds == ["household", "merchant", "firm"]

        by = admin("tadmin2")
        save_dividend(number=2, by=by, **{**CHECKUP, "title_zh": "免费体检（两次）"})
        draft = draft_catalogue()
        assert draft.version == 2 and draft.dividends.count() == 2  # a copy, then the edit
        assert open_draft(by=by) == draft  # one draft at a time
        # The public still sees version 1, unchanged.
        assert published_catalogue() == v1
        assert v1.dividends.get(number=2).title_zh == "免费体检"
        remove_dividend(number=1, by=by)
        assert v1.dividends.filter(number=1).exists()
        publish_dividends(by=by)
        v2 = published_catalogue()
        assert v2.version == 2 and [d.title_zh for d in v2.dividends.all()] == ["免费体检（两次）"]
        assert DividendCatalogue.objects.get(version=1).dividends.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"benefit_code": "no_such_benefit"}, "benefit_code"),
        ({"member": "ZZ"}, "member"),
        ({"tiers": []}, "tiers"),
        ({"tiers": ["gold"]}, "tiers"),
        ({"subject_kinds": []}, "subject_kinds"),
        ({"subject_kinds": ["citizen"]}, "subject_kinds"),
        ({"title_zh": "  "}, "title_zh"),
        ({"basis": ""}, "basis"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(township_a, in_township, change, field):
    enable_plugin(township_a, "loans")
    with in_township(township_a):
        members()
        with pytest.raises(AllianceError) as refused:
            save_dividend(number=1, by=admin(), **{**LOAN, **change})
        assert refused.value.field == field
        assert not Dividend.objects.exists() and not DividendCatalogue.objects.exists()


def test_a_benefit_of_a_plugin_not_enabled_is_refused(township_a, in_township):
    with in_township(township_a):  # loans not enabled here
        members()
        with pytest.raises(AllianceError) as refused:
            save_dividend(number=1, by=admin(), **LOAN)
        assert refused.value.field == "benefit_code" and "integrity_loan" in str(refused.value)


def test_bad_numbers_and_empty_drafts_are_refused(township_a, in_township):
    with in_township(township_a):
        members()
        by = admin()
        with pytest.raises(AllianceError) as refused:
            save_dividend(number=0, by=by, **CHECKUP)
        assert refused.value.field == "number"
        with pytest.raises(AllianceError):
            publish_dividends(by=by)  # no draft
        open_draft(by=by)
        with pytest.raises(AllianceError):
            publish_dividends(by=by)  # an empty draft
        with pytest.raises(AllianceError) as refused:
            remove_dividend(number=5, by=by)
        assert refused.value.field == "number"


def test_publishing_refuses_a_benefit_whose_plugin_was_switched_off(township_a, in_township):
    from platform_core.plugins.services import disable_plugin

    enable_plugin(township_a, "loans")
    with in_township(township_a):
        members()
        by = admin()
        save_dividend(number=1, by=by, **LOAN)
    disable_plugin(township_a, "loans")
    with in_township(township_a):
        with pytest.raises(AllianceError) as refused:
            publish_dividends(by=by)
        assert refused.value.field == "benefit_code" and "dividend 1" in str(refused.value)
        assert published_catalogue() is None


@pytest.mark.parametrize("role", ["council_member", "village_committee", "household", None])
def test_only_the_township_administrator_edits_and_publishes(catalogue, role):
    with tenant_context(catalogue):
        scope = {"household_code": "V01-0001"} if role == "household" else {}
        village = "V01" if role == "village_committee" else ""
        other = f.person(f"other-{role}", role, village, **scope)
        with pytest.raises(NotAllowed):
            save_dividend(number=3, by=other, **CHECKUP)
        with pytest.raises(NotAllowed):
            open_draft(by=other)
        with pytest.raises(NotAllowed):
            publish_dividends(by=other)
        with pytest.raises(NotAllowed):
            remove_dividend(number=1, by=other)
        assert draft_catalogue() is None


def test_a_draft_published_meanwhile_is_never_written_to(catalogue, monkeypatch):
    """Another administrator publishes the draft between this save reading it and writing
    to it: the published version stays as published, the save goes to a new draft."""
    from platform_core.alliance import services

    with tenant_context(catalogue):
        by = admin("tadmin6")
        save_dividend(number=2, by=by, **{**CHECKUP, "title_zh": "免费体检（两次）"})
        real, published = services.open_draft, []

        def open_then_published_by_another(*, by):
            draft = real(by=by)
            if not published:
                published.append(publish_dividends(by=by))
            return draft

        monkeypatch.setattr(services, "open_draft", open_then_published_by_another)
        save_dividend(number=3, by=by, **CHECKUP)
        v2 = DividendCatalogue.objects.get(version=2)
        assert v2.state == "published"
        assert sorted(v2.dividends.values_list("number", flat=True)) == [1, 2]
        draft = draft_catalogue()
        assert draft.version == 3
        assert sorted(draft.dividends.values_list("number", flat=True)) == [1, 2, 3]


def test_a_member_of_another_township_cannot_be_named(catalogue, township_b):
    with tenant_context(township_b):
        add_member(code="B9", name="乙镇银行", kind="bank", by=Actor.cli())
    with tenant_context(catalogue):
        with pytest.raises(AllianceError) as refused:
            save_dividend(number=3, by=admin("tadmin3"), **{**CHECKUP, "member": "B9"})
        assert refused.value.field == "member"


# --- public page and PDF ----------------------------------------------------------------


def test_the_public_page_lists_the_published_version_only(catalogue):
    with tenant_context(catalogue):
        save_dividend(number=3, by=admin("tadmin4"), **{**CHECKUP, "title_zh": "草稿中的红利"})
    response = public().get(f"/t/{catalogue.code}/dividends/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Integrity loan" in text and "Free check-up" in text and "农商银行" in text
    assert "Collateral-free loans at the base rate" in text
    assert "草稿中的红利" not in text  # a draft is never public
    assert 'data-plugin="loans"' in text and 'data-version="1"' in text
    assert f"/t/{catalogue.code}/dividends.pdf" in text
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/t/{catalogue.code}/dividends/")
    assert (
        "鸿信贷" in chinese.content.decode() and "免担保、基准利率贷款" in chinese.content.decode()
    )


def test_nothing_published_says_so_and_the_pdf_is_not_found(township_a):
    text = public().get(f"/t/{township_a.code}/dividends/").content.decode()
    assert "has not published its integrity dividends yet" in text
    assert public().get(f"/t/{township_a.code}/dividends.pdf").status_code == 404


def test_the_pdf_is_printable_with_the_titles(catalogue):
    response = public().get(f"/t/{catalogue.code}/dividends.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(PAGE.findall(response.content)) == 1
    shown = pdf_text(response.content)
    assert cid("鸿信贷") in shown and cid("免费体检") in shown and cid("农商银行") in shown
    assert b"Integrity loan" in shown


def test_one_townships_dividends_are_not_on_anothers_pages(catalogue, township_b):
    text = public().get(f"/t/{township_b.code}/dividends/").content.decode()
    assert "鸿信贷" not in text and "has not published" in text
    assert public().get(f"/t/{township_b.code}/dividends.pdf").status_code == 404
    token = token_for(township_b, "clerk@yi.test", "alliance_member", alliance_member_code="B1")
    answer = gql(Client(), endpoint(township_b), "{ dividends { number titleZh } }", token=token)
    assert answer["data"]["dividends"] == []


# --- GraphQL ----------------------------------------------------------------------------


def test_graphql_dividends_are_read_by_any_role_of_the_township(catalogue):
    query = (
        "{ dividends { number titleZh memberCode tiers subjectKinds benefitCode plugin version } }"
    )
    # Anonymous callers may ask only ``health`` (graphql_api/limits.py): the public reads
    # the page and the PDF; any role of the township reads the field.
    assert codes(gql(Client(), endpoint(catalogue), query)) == ["UNAUTHENTICATED"]
    token = token_for(catalogue, "head@jia.test", "household", household_code="V01-0001")
    answer = gql(Client(), endpoint(catalogue), query, token=token)
    assert "errors" not in answer
    assert answer["data"]["dividends"] == [
        {
            "number": 1,
            "titleZh": "鸿信贷",
            "memberCode": "B1",
            "tiers": ["green"],
            "subjectKinds": ["household", "merchant", "firm"],
            "benefitCode": "integrity_loan",
            "plugin": "loans",
            "version": 1,
        },
        {
            "number": 2,
            "titleZh": "免费体检",
            "memberCode": "C1",
            "tiers": ["green", "blue"],
            "subjectKinds": ["household"],
            "benefitCode": "",
            "plugin": "",
            "version": 1,
        },
    ]


# --- the workbench ----------------------------------------------------------------------


def test_the_admin_edits_and_publishes_on_the_workbench(catalogue):
    with tenant_context(catalogue):
        by = admin("wbadmin")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(by.user)
    page = client.get(work(catalogue, "dividends/"))
    assert page.status_code == 200 and "Integrity loan" in page.content.decode()
    form = {
        "submission": "s1",
        "number": "3",
        "title_zh": "应聘绿色通道",
        "member": "B1",
        "tiers": ["green"],
        "subject_kinds": ["household"],
        "gives_zh": "优先面试",
        "basis": "联盟协议",
        "benefit_code": "",
    }
    assert client.post(work(catalogue, "dividends/"), form).status_code == 302
    # Bad input: an unknown member is shown at its field, nothing saved.
    bad = client.post(work(catalogue, "dividends/"), {**form, "submission": "s2", "member": "ZZ"})
    assert bad.status_code == 400 and 'data-field="member"' in bad.content.decode()
    published = client.post(work(catalogue, "dividends/publish/"), {"submission": "s3"})
    assert published.status_code == 302
    with tenant_context(catalogue):
        assert published_catalogue().version == 2
        assert published_catalogue().dividends.count() == 3


def test_the_workbench_page_refuses_other_roles(catalogue):
    with tenant_context(catalogue):
        council = f.person("council9", "council_member")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(council.user)
    assert client.get(work(catalogue, "dividends/")).status_code == 403
    assert (
        client.post(work(catalogue, "dividends/publish/"), {"submission": "x"}).status_code == 403
    )


def test_removing_on_the_workbench_refuses_other_roles_and_unknown_numbers(catalogue):
    with tenant_context(catalogue):
        by = admin("wbadmin2")
        council = f.person("council8", "council_member")
        save_dividend(number=2, by=by, **CHECKUP)  # a draft of v1's two dividends
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(council.user)
    assert (
        client.post(work(catalogue, "dividends/1/remove/"), {"submission": "r1"}).status_code == 403
    )
    # Bad input: a number the draft does not hold is refused by name, nothing removed.
    client.force_login(by.user)
    page = client.post(
        work(catalogue, "dividends/7/remove/"), {"submission": "r2"}, follow=True
    ).content.decode()
    assert "the draft has no dividend number 7" in page
    with tenant_context(catalogue):
        assert sorted(draft_catalogue().dividends.values_list("number", flat=True)) == [1, 2]
    done = client.post(work(catalogue, "dividends/1/remove/"), {"submission": "r3"})
    assert done.status_code == 302
    with tenant_context(catalogue):
        assert list(draft_catalogue().dividends.values_list("number", flat=True)) == [2]
        assert published_catalogue().dividends.count() == 2


def test_another_townships_admin_cannot_open_the_page(catalogue, township_b):
    with tenant_context(township_b):
        other = f.person("yiadmin", "township_admin")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(other.user)
    assert client.get(work(catalogue, "dividends/")).status_code in (302, 403)
    with tenant_context(catalogue):
        assert draft_catalogue() is None
    for address in ("dividends/1/remove/", "dividends/publish/"):
        refused = client.post(work(catalogue, address), {"submission": address})
        assert refused.status_code in (302, 403)
    with tenant_context(catalogue):
        assert draft_catalogue() is None and published_catalogue().version == 1


def test_another_townships_token_reads_no_dividends_here(catalogue, township_b):
    query = "{ dividends { number titleZh } }"
    token = token_for(township_b, "head@yi.test", "township_admin")
    assert codes(gql(Client(), endpoint(catalogue), query, token=token)) == ["UNAUTHENTICATED"]
    # Its own township has published nothing: an empty list, none of 甲镇's.
    assert gql(Client(), endpoint(township_b), query, token=token)["data"]["dividends"] == []


# --- "your dividends" ---------------------------------------------------------------------


@pytest.fixture
def households(catalogue):
    """V01-0001 red, V01-0002 green, V01-0003 blue after March."""
    with tenant_context(catalogue):
        f.village()
        f.approved("V01-0001", "P7-04", dt.date(2026, 3, 2))
        f.approved("V01-0002", "VO-03", dt.date(2026, 3, 2))
        finalise_month(MARCH, by=f.person())
    return catalogue


def test_your_dividends_follow_the_households_tier(households):
    with tenant_context(households):
        green = household_dividends(f.household("V01-0002"))
        red = household_dividends(f.household("V01-0001"))
        blue = household_dividends(f.household("V01-0003"))
    assert green.tier == "green" and [d.number for d in green.qualifies] == [1, 2]
    assert red.tier == "red" and red.qualifies == [] and [d.number for d in red.not_yet] == [1, 2]
    assert [d.number for d in blue.qualifies] == [2] and [d.number for d in blue.not_yet] == [1]


def test_a_merchant_sees_the_dividends_of_its_kind(households):
    from platform_core.households.models import Village
    from platform_core.households.services import register_enterprise
    from tests.test_subjects import HUAWEI

    with tenant_context(households):
        shop = register_enterprise(
            by=admin("tadmin7"),
            kind="merchant",
            name="太湖小卖部",
            credit_code=HUAWEI,
            legal_representative="俞国明",
            village=Village.objects.get(code="V01"),
        )
        found = household_dividends(shop)
    # Dividend 1 (the loan) is offered to merchants; 2 (the check-up) to households only.
    assert [d.number for d in found.qualifies + found.not_yet] == [1]


def test_your_dividends_read_the_catalogue_once(households):
    with tenant_context(households):
        household = f.household("V01-0002")
        with CaptureQueriesContext(connection) as few:
            household_dividends(household)
        by = admin("tadmin5")
        for number in range(3, 11):
            save_dividend(number=number, by=by, **CHECKUP)
        publish_dividends(by=by)
        with CaptureQueriesContext(connection) as many:
            assert len(household_dividends(household).qualifies) == 10
    assert len(many) == len(few)


def test_the_household_page_shows_your_dividends_and_why_not(households):
    with tenant_context(households):
        red = f.person("head-red", "household", household_code="V01-0001")
        green = f.person("head-green", "household", household_code="V01-0002")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(red.user)
    text = client.get(work(households, "mine/")).content.decode()
    assert 'data-dividends-tier="red"' in text and 'data-not-yet="1"' in text
    assert "For tiers: Green (model household); your tier now: Red" in text
    assert 'data-qualifies="' not in text
    client.force_login(green.user)
    text = client.get(work(households, "mine/")).content.decode()
    assert 'data-qualifies="1"' in text and 'data-qualifies="2"' in text and "农商银行" in text


# --- the demo ---------------------------------------------------------------------------


def test_the_demo_publishes_the_seeds_ten_dividends_once(township_a, in_township):
    from platform_core import demo
    from platform_core.demo_spec import DEMO_ALLIANCE

    enable_plugin(township_a, "loans")  # integrity_card and points_shop are not enabled
    with in_township(township_a):
        for code, name, kind in DEMO_ALLIANCE:
            add_member(code=code, name=name, kind=kind, by=Actor.cli())
        demo.ensure_demo_dividends()
        demo.ensure_demo_dividends()  # a second run changes nothing
        assert DividendCatalogue.objects.count() == 1
        rows = dividend_rows(published_catalogue())
    assert [r.dividend.number for r in rows] == list(range(1, 11))
    assert rows[0].dividend.title_zh == "鸿信贷" and rows[0].plugin == "loans"
    assert rows[1].dividend.benefit_code == ""  # integrity_card is not enabled here
    assert {k for r in rows for k in r.dividend.subject_kinds} == {"household", "merchant", "firm"}
