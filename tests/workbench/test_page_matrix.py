"""Every workbench page × every role: allowed, refused, or not found outside one's village.

The pages are read from the URL configuration (the core's and the enabled plugins'
screens), so a new page without a row here fails ``test_every_page_has_a_row``. Each
principal opens each page (GET) in a world with objects of village V01 (and V02); pages
that take an ID get the ID of a V01 object, so village-scoped principals of V02 must
get 404 there, and the administrator of another township 403 (no role) for every page.
Lists narrowed to a village are checked in the journeys' own tests.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from django_tenants.utils import tenant_context
from PIL import Image

from platform_core.actors import Actor
from platform_core.plugins.services import enable_plugin
from tests import factories as f

OK, DENIED, GONE, POST_ONLY, SIGN_IN = 200, 403, 404, 405, 302
STAFF_V1 = {"ta", "vc1", "cm", "pm", "gl", "gw1"}  # staff who see V01
STAFF_V2 = {"vc2", "gw2"}  # staff of V02 only
STAFF = STAFF_V1 | STAFF_V2
REVIEWERS = {"ta", "vc1", "vc2", "cm"}
PRINCIPALS = ["anon", "ta", "vc1", "vc2", "cm", "pm", "gl", "gw1", "gw2", "am", "hh", "hh2", "ot"]


def expect(ok=(), gone=(), post_only=()) -> dict[str, int]:
    """Everyone not named is refused (403); anonymous visitors are sent to sign in.

    ``post_only``: an action page. A GET answers 405 to everyone (the method is checked
    first, so it tells nothing); a POST is tried too, expecting the named principals to
    pass the role check (``POSTED``) and everyone else refused as above.
    """
    table = {p: DENIED for p in PRINCIPALS}
    table.update({p: OK for p in ok})
    table.update({p: GONE for p in gone})
    table.update({p: POSTED for p in post_only})
    table["anon"] = SIGN_IN
    return table


POSTED = "posted"  # an action page's POST passed the role check (any answer but 403/404)


# URL name → (address builder from the world, expected status per principal)
PAGES = {
    "work:home": (lambda w: "", expect(ok=set(PRINCIPALS) - {"anon", "ot"})),
    "work:households": (lambda w: "households/", expect(ok=STAFF)),
    "work:household": (lambda w: "households/V01-0001/", expect(ok=STAFF_V1, gone=STAFF_V2)),
    "work:household-answer": (
        lambda w: f"households/V01-0001/entries/{w['deduction'].pk}/answer/",
        expect(ok=STAFF_V1, gone=STAFF_V2),
    ),
    # Merchants and firms: the township administrator, village committees for their villages;
    # one's page (its ledger and standing) for every staff role of its village, as a household's.
    "work:enterprises": (lambda w: "enterprises/", expect(ok={"ta", "vc1", "vc2"})),
    "work:enterprise": (
        lambda w: "enterprises/V01-E0001/",
        expect(ok=STAFF_V1, gone=STAFF_V2),
    ),
    "work:enterprises-import": (
        lambda w: "enterprises/import/",
        expect(post_only={"ta", "vc1", "vc2"}),
    ),
    "work:enterprises-export": (
        lambda w: "enterprises/export/csv/",
        expect(ok={"ta", "vc1", "vc2"}),
    ),
    "work:record": (lambda w: "record/", expect(ok=STAFF)),
    "work:record-round": (lambda w: "record/round/", expect(ok=STAFF)),
    "work:review": (lambda w: "review/", expect(ok=REVIEWERS)),
    "work:objections": (lambda w: "objections/", expect(ok=REVIEWERS)),
    "work:objection": (
        lambda w: f"objections/{w['objection'].pk}/",
        expect(ok={"ta", "vc1", "cm"}, gone={"vc2"}),
    ),
    "work:month": (lambda w: "month/", expect(ok=REVIEWERS)),
    "work:rate": (lambda w: "rate/", expect(ok={"pm", "gl"})),
    "work:mine": (lambda w: "mine/", expect(ok={"hh", "hh2"})),
    "work:declare": (lambda w: "mine/declare/", expect(ok={"hh", "hh2"})),
    "work:my-consent": (lambda w: "mine/consent/", expect(ok={"hh", "hh2"})),
    "work:household-consent": (
        lambda w: "households/V01-0001/consent/",
        expect(ok=STAFF_V1, gone=STAFF_V2),
    ),
    "work:object": (
        lambda w: f"mine/entries/{w['deduction'].pk}/object/",
        expect(ok={"hh"}, gone={"hh2"}),
    ),
    "work:apply-repair": (
        lambda w: f"mine/entries/{w['deduction'].pk}/repair/",
        expect(ok={"hh"}, gone={"hh2"}),
    ),
    "work:my-explanation": (lambda w: "mine/explanation/", expect(ok={"hh", "hh2"})),
    "work:household-explanation": (
        lambda w: "households/V01-0001/explanation/",
        expect(ok=STAFF_V1, gone=STAFF_V2),
    ),
    "work:repairs": (lambda w: "repairs/", expect(ok=REVIEWERS)),
    "work:repair": (
        lambda w: f"repairs/{w['repair'].pk}/",
        expect(ok={"ta", "vc1", "cm"}, gone={"vc2"}),
    ),
    "work:declarations": (lambda w: "declarations/", expect(ok=STAFF)),
    "work:declaration": (
        lambda w: f"declarations/{w['declaration'].pk}/",
        expect(ok=STAFF_V1, gone=STAFF_V2),
    ),
    "work:eligibility": (lambda w: "eligibility/", expect(ok=STAFF | {"am"})),
    "work:photo": (
        lambda w: f"photos/{w['photo'].pk}/",
        expect(ok=STAFF_V1 | {"hh"}, gone=STAFF_V2 | {"hh2"}),
    ),
    "work:staff": (lambda w: "staff/", expect(ok={"ta"})),
    "work:staff-revoke": (
        lambda w: f"staff/roles/{w['membership'].pk}/revoke/",
        expect(post_only={"ta"}),
    ),
    "work:staff-deactivate": (
        lambda w: f"staff/people/{w['victims']['deactivate'].pk}/deactivate/",
        expect(post_only={"ta"}),
    ),
    "work:staff-link": (
        lambda w: f"staff/people/{w['victims']['link'].pk}/link/",
        expect(post_only={"ta"}),
    ),
    "work:staff-unlock": (
        lambda w: f"staff/people/{w['victims']['unlock'].pk}/unlock/",
        expect(post_only={"ta"}),
    ),
    "work:policy": (lambda w: "policy/", expect(ok={"ta"})),
    "work:dividends": (lambda w: "dividends/", expect(ok={"ta"})),
    "work:dividends-publish": (lambda w: "dividends/publish/", expect(post_only={"ta"})),
    "work:dividend-remove": (lambda w: "dividends/1/remove/", expect(post_only={"ta"})),
    "work:plugins": (lambda w: "plugins/", expect(ok={"ta"})),
    "work:plugin": (lambda w: "plugins/loans/", expect(ok={"ta"})),
    "work:plugin-switch": (lambda w: "plugins/loans/disable/", expect(post_only={"ta"})),
    "work:feeds": (lambda w: "feeds/", expect(ok={"ta", "vc1", "vc2"})),
    "work:feed-run": (lambda w: "feeds/run/", expect(post_only={"ta", "vc1", "vc2"})),
    "work:action-log": (lambda w: "log/", expect(ok={"ta"})),
    "work:whatif": (lambda w: "whatif/", expect(ok={"ta", "vc1", "vc2"})),
    "work:integrity_card:checks": (
        lambda w: "x/integrity_card/checks/",
        expect(ok={"ta", "vc1", "vc2", "cm", "am"}),
    ),
    "work:loans:applications": (lambda w: "x/loans/applications/", expect(ok={"ta", "am"})),
    "work:loans:application": (
        lambda w: f"x/loans/applications/{w['application'].pk}/",
        expect(ok={"ta", "am"}),
    ),
    "work:petition:cases": (lambda w: "x/petition/cases/", expect(ok=STAFF)),
    "work:petition:case": (
        lambda w: f"x/petition/cases/{w['case'].pk}/",
        expect(ok=STAFF_V1, gone=STAFF_V2),
    ),
    # Lists narrowed to the person's villages (tests/test_petition_deadlines.py, _warnings.py)
    "work:petition:overdue": (lambda w: "x/petition/overdue/", expect(ok=STAFF)),
    "work:petition:warnings": (lambda w: "x/petition/warnings/", expect(ok=STAFF)),
    # Mediators: the village committee of the case's village and the township admin.
    "work:mediation:cases": (lambda w: "x/mediation/cases/", expect(ok={"ta", "vc1", "vc2"})),
    "work:mediation:case": (
        lambda w: f"x/mediation/cases/{w['mediation'].pk}/",
        expect(ok={"ta", "vc1"}, gone={"vc2"}),
    ),
    "work:mediation:scan": (
        lambda w: f"x/mediation/cases/{w['mediation'].pk}/scan/",
        expect(ok={"ta", "vc1"}, gone={"vc2"}),
    ),
    "work:mediation:stats": (lambda w: "x/mediation/stats/", expect(ok={"ta", "vc1", "vc2"})),
    "work:mediation:stations": (lambda w: "x/mediation/stations/", expect(ok={"ta", "vc1", "vc2"})),
    # Selections: administrators, committees and the council; a round of V01 only.
    "work:selections:rounds": (lambda w: "x/selections/rounds/", expect(ok=REVIEWERS)),
    "work:selections:new": (lambda w: "x/selections/rounds/new/", expect(ok={"ta"})),
    "work:selections:round": (
        lambda w: f"x/selections/rounds/{w['selection'].pk}/",
        expect(ok={"ta", "vc1", "cm"}, gone={"vc2"}),
    ),
    "work:selections:posted": (lambda w: "x/selections/posted/", expect(ok={"hh", "hh2"})),
}


def workbench_url_names() -> set[str]:
    """Every named page under work/ (the core's and every loaded plugin's screens)."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner.strip(":"))
            elif namespace.startswith("work") and pattern.name:
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver("platform_core.urls_tenant").url_patterns, "")
    return names


def test_every_page_has_a_row_and_every_row_a_page():
    assert set(PAGES) == workbench_url_names()


def _status(client, url: str, table: dict, principal: str):
    """GET for pages; for action pages, 405 to a GET and then the POST's outcome."""
    if POSTED not in table.values():
        return client.get(url).status_code
    if client.get(url).status_code != POST_ONLY:
        return "GET not refused"
    got = client.post(url, {}).status_code
    return POSTED if table[principal] == POSTED and got not in (403, 404) else got


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def matrix_world(world, township_b):
    """V01/V02 objects of every kind a page takes, and one person per principal."""
    from platform_core.accounts.models import Membership
    from platform_core.alliance.services import add_member
    from platform_core.scoring.evidence import attach_photos, declare_good_deed
    from platform_core.scoring.repair import apply_for_repair
    from platform_core.scoring.services import file_objection
    from plugins.loans.services import add_product, apply
    from plugins.petition.services import receive_case

    for plugin in ("loans", "integrity_card", "petition", "mediation", "selections"):
        enable_plugin(world, plugin)
    today = timezone.localdate()
    with tenant_context(township_b):
        other = f.person("ot", "township_admin")
    with tenant_context(world):
        people = {
            "ta": f.person("ta", "township_admin"),
            "vc1": f.person("vc1", "village_committee", "V01"),
            "vc2": f.person("vc2", "village_committee", "V02"),
            "cm": f.person("cm", "council_member"),
            "pm": f.person("pm", "party_member", "V01"),
            "gl": f.person("gl", "group_leader", "V01"),
            "gw1": f.person("gw1", "grid_worker", "V01"),
            "gw2": f.person("gw2", "grid_worker", "V02"),
            "am": f.person("am", "alliance_member", alliance_member_code="B1"),
            "hh": f.person("hh", "household", household_code="V01-0001"),
            "hh2": f.person("hh2", "household", household_code="V02-0001"),
            "ot": other,
        }
        recorder = f.person("recorder", "grid_worker", "V01")
        # The staff actions' subjects: one each, as the administrator's POSTs act on them.
        victims = {
            a: f.person(f"victim-{a}", "grid_worker", "V01")
            for a in ("revoke", "deactivate", "link", "unlock")
        }
        filed = f.approved("V01-0001", "P7-02", today, by=recorder)
        deduction = f.approved("V01-0001", "P7-04", today, by=recorder)
        objection = file_objection(filed, by=people["hh"], reason="not us")
        repair = apply_for_repair(
            deduction, by=people["hh"], action="rectification", evidence="wall repainted"
        )
        attach_photos([png()], by=recorder, entry=deduction)
        declaration = declare_good_deed(
            household=f.household("V01-0001"),
            rule=f.rule("VO-03"),
            occurred_on=today,
            note="cleared the canal",
            by=people["hh"],
        )
        bank = add_member(code="B1", name="农商银行", kind="bank", by=Actor.cli())
        f.approved("V01-0002", "VO-03", today, by=recorder)
        product = add_product(
            bank,
            name="鸿信贷",
            limit_green=200000,
            limit_blue=50000,
            annual_rate="4.35",
            by=people["ta"],
        )
        application = apply(f.household("V01-0002"), product, 30000, by=recorder)
        from platform_core.households.models import Village

        case = receive_case(
            kind="petition",
            reference="XF-1",
            village=Village.objects.get(code="V01"),
            household=f.household("V01-0001"),
            summary="road repair",
            received_at=timezone.now() - dt.timedelta(days=1),
            by=people["ta"],
        )
        mediation = _mediation_case(people["ta"])
        from plugins.selections.services import create_round

        selection = create_round(
            category="family", year=today.year, village_codes=["V01"], places=1, by=people["ta"]
        )
        from platform_core.households.services import register_enterprise

        register_enterprise(
            by=people["ta"],
            kind="merchant",
            name="太湖小卖部",
            credit_code="91350100M000100Y43",
            legal_representative="俞国明",
            village=Village.objects.get(code="V01"),
        )
        from platform_core.scoring.models import EvidencePhoto

        photo = EvidencePhoto.objects.get(entry=deduction)
    membership = Membership.objects.filter(user=victims["revoke"].user).first()
    return {
        "people": people,
        "objection": objection,
        "repair": repair,
        "deduction": deduction,
        "declaration": declaration,
        "photo": photo,
        "application": application,
        "case": case,
        "mediation": mediation,
        "selection": selection,
        "membership": membership,
        "victims": {action: actor.user for action, actor in victims.items()},
    }


def _mediation_case(admin):
    """A settled mediation case of V01 with its signed scan."""
    from platform_core.households.models import Village
    from plugins.mediation.services import (
        accept,
        reach_agreement,
        record_session,
        request_mediation,
    )

    case = request_mediation(
        village=Village.objects.get(code="V01"),
        applicant_name="俞国明",
        phone="13812345678",
        phone_again="13812345678",
        category="land",
        description="boundary",
    )
    accept(case, by=admin, phone_confirmed=True)
    record_session(case, by=admin, on=timezone.localdate(), note="met")
    scan = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    reach_agreement(case, by=admin, text="agreed", scan=scan)
    return case


def test_every_role_on_every_page(world, matrix_world):
    clients = {"anon": Client(HTTP_ACCEPT_LANGUAGE="en")}
    for name, actor in matrix_world["people"].items():
        clients[name] = Client(HTTP_ACCEPT_LANGUAGE="en")
        clients[name].force_login(actor.user)
    wrong = []
    for url_name, (address, table) in sorted(PAGES.items()):
        url = f"/t/{world.code}/work/{address(matrix_world)}"
        for principal in PRINCIPALS:
            got = _status(clients[principal], url, table, principal)
            if got != table[principal]:
                wrong.append(f"{url_name} {principal}: expected {table[principal]}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_pages_that_take_an_id_find_nothing_of_another_township(world, township_b, matrix_world):
    """Township B's administrator asks, in B, for A's objects by A's IDs: never A's data."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(matrix_world["people"]["ot"].user)
    for url_name, (address, _table) in sorted(PAGES.items()):
        path = address(matrix_world)
        if not any(ch.isdigit() for ch in path) and "V01-" not in path:
            continue
        reply = client.get(f"/t/{township_b.code}/work/{path}")
        assert reply.status_code in (403, 404, 405), (url_name, reply.status_code)
        assert b"V01-0001" not in reply.content, url_name
