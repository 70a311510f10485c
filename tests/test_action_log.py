"""The action log (issue 16, item 12): django-pghistory triggers record who changed what.

Each path writes and finds its row with the right person: the admin, the workbench,
the API (a token), a command (--operator and the OS account) and a Celery task (the
person who queued it, else the scheduler). The log lives in each township's own
schema, survives cloning, is append-only, and only township administrators read it.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from platform_core import action_context
from platform_core.accounts.models import Membership, MembershipEvent, Role
from platform_core.actionlog.selectors import KINDS, LogFilter, describe, log_rows
from platform_core.actors import Actor
from platform_core.scoring.models import EntryStatusEvent, Rule, RuleEvent, ScoreEvent
from platform_core.scoring.services import record_entry, review_entry, save_rule
from platform_core.townships import policy
from tenants.models import TownshipPolicyEvent
from tests import factories as f
from tests.api import endpoint, gql, member, token_for

pytestmark = pytest.mark.django_db

ADMIN_EMAIL = "admin@jia.test"  # township A's administrator in the public fixtures


@pytest.fixture
def admin_client(township_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=ADMIN_EMAIL, password="pw-jia")
    return client


@pytest.fixture
def proposed(township_a):
    with tenant_context(township_a):
        f.village()
        save_rule(code="PS-01", by=Actor.cli(), basis="村规民约第三条")
        return record_entry(
            household=f.household("V01-0001"),
            rule=f.rule("PS-01"),
            occurred_on=dt.date(2026, 3, 2),
            recorder=f.person("grid"),
            source="staff",
            evidence="patrol roster",
        )


def work(township, path: str = "") -> str:
    return f"/t/{township.code}/work/{path}"


def context_of(event) -> dict:
    return event.pgh_context or {}


# --- the schema: triggers in every township, the log in its own schema -------------------


def _triggers(schema: str, table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND NOT t.tgisinternal",
            [schema, table],
        )
        return {row[0] for row in cursor.fetchall()}


def test_every_township_schema_and_the_template_have_the_triggers(township_a, township_b):
    from django.conf import settings

    for schema in (township_a.schema_name, township_b.schema_name, settings.TENANT_TEMPLATE_SCHEMA):
        rules = _triggers(schema, "scoring_rule")
        assert any(name.startswith("pgtrigger_update_update") for name in rules), schema
        ledger = _triggers(schema, "scoring_scoreevent")
        # The status trigger next to the ledger guard of scoring.0002, which stays.
        assert any(name.startswith("pgtrigger_status_update") for name in ledger)
        assert {"scoring_ledger_guard_rows", "scoring_ledger_guard_inserts"} <= ledger
        assert not any("insert" in name and "pgtrigger" in name for name in ledger)
    # The public tables' triggers are in the public schema only.
    assert any(
        n.startswith("pgtrigger_policy_update") for n in _triggers("public", "tenants_township")
    )
    assert not _triggers(township_a.schema_name, "tenants_township")


def test_a_township_onboarded_now_is_cloned_with_the_triggers_and_logs_into_its_own_schema(
    township_a,
):
    from platform_core.townships.services import onboard_township

    fresh = onboard_township(code="330502977", name="丙镇", slug="bing", by=Actor.cli()).township
    assert any(
        n.startswith("pgtrigger_insert_insert")
        for n in _triggers(fresh.schema_name, "scoring_rule")
    )
    with tenant_context(fresh), action_context.acting(user=None, label="cli:test", via="cli"):
        save_rule(code="PS-01", title_en="Fresh wording", by=Actor.cli())
    with tenant_context(fresh):
        assert RuleEvent.objects.filter(code="PS-01", title_en="Fresh wording").exists()
    with tenant_context(township_a):
        assert not RuleEvent.objects.filter(title_en="Fresh wording").exists()


def test_the_log_is_append_only(township_a):
    with tenant_context(township_a), action_context.acting(label="cli:test"):
        save_rule(code="PS-01", title_en="Logged", by=Actor.cli())
        event = RuleEvent.objects.filter(title_en="Logged").get()
        for change in (
            lambda: RuleEvent.objects.filter(pk=event.pk).update(title_en="Forged"),
            lambda: RuleEvent.objects.filter(pk=event.pk).delete(),
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                change()
        assert RuleEvent.objects.get(pk=event.pk).title_en == "Logged"


# --- entry status: status changes only, the ledger guard intact ---------------------------


def test_entry_status_changes_are_logged_but_not_inserts(township_a, proposed):
    with tenant_context(township_a):
        assert not EntryStatusEvent.objects.exists()  # recording wrote no log row
        reviewer = f.person("council")
        with action_context.acting(user=reviewer.user_id, label=reviewer.label, via="test"):
            review_entry(proposed, reviewer=reviewer, approve=True)
        (event,) = EntryStatusEvent.objects.filter(pgh_obj_id=proposed.pk)
        assert event.status == "approved" and context_of(event)["label"] == reviewer.label
        # The guard still refuses to change an approved entry; nothing is logged for it.
        with pytest.raises(DatabaseError), transaction.atomic():
            ScoreEvent.objects.filter(pk=proposed.pk).update(note="edited")
        with pytest.raises(DatabaseError), transaction.atomic():
            ScoreEvent.objects.filter(pk=proposed.pk).update(status="rejected")
        assert EntryStatusEvent.objects.filter(pgh_obj_id=proposed.pk).count() == 1


# --- each path names its person -----------------------------------------------------------


def test_admin_path_names_the_signed_in_administrator(township_a, proposed, admin_client):
    reply = admin_client.post(
        f"/t/{township_a.code}/admin/scoring/scoreevent/",
        {"action": "approve_selected", "_selected_action": [proposed.pk]},
    )
    assert reply.status_code == 302
    with tenant_context(township_a):
        event = EntryStatusEvent.objects.get(pgh_obj_id=proposed.pk)
    context = context_of(event)
    assert context["label"] == ADMIN_EMAIL and context["via"] == "web"
    assert context["user"] == Membership.objects.filter(user__username=ADMIN_EMAIL)[0].user_id
    assert context["path"] == f"/t/{township_a.code}/admin/scoring/scoreevent/"


def test_workbench_path_names_the_person_and_the_page_shows_it(township_a, admin_client):
    page = admin_client.get(work(township_a, "policy/"))
    submission = page.content.decode().split('name="submission" value="')[1].split('"')[0]
    current = policy.Policy.of(township_a)
    data = {k: v for k, v in vars(current).items() if v is not None}
    data.update(submission=submission, green_above=111, red_below=90)
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    reply = admin_client.post(work(township_a, "policy/"), data)
    assert reply.status_code == 302, reply.content.decode()[:2000]
    event = TownshipPolicyEvent.objects.filter(pgh_obj_id=township_a.pk).latest("pgh_id")
    assert event.green_above == 111 and context_of(event)["label"] == ADMIN_EMAIL
    assert context_of(event)["path"] == work(township_a, "policy/")

    log = admin_client.get(work(township_a, "log/"), {"kind": "policy"})
    html = log.content.decode()
    assert log.status_code == 200 and 'data-kind="policy"' in html
    assert ADMIN_EMAIL in html and "111" in html


def test_api_path_names_the_token(township_a):
    token = token_for(township_a, "rules@jia.test", Role.TOWNSHIP_ADMIN)
    body = gql(
        Client(),
        endpoint(township_a),
        'mutation { saveRule(code: "VO-03", titleEn: "Renamed by API") { errors { code } } }',
        token=token,
    )
    assert not body.get("errors") and not body["data"]["saveRule"]["errors"], body
    with tenant_context(township_a):
        event = RuleEvent.objects.filter(code="VO-03").latest("pgh_id")
    context = context_of(event)
    assert event.title_en == "Renamed by API" and context["via"] == "api"
    assert context["label"].startswith("rules@jia.test (token ") and context["user"]


def test_cli_path_names_the_operator_or_the_os_account(township_a, tmp_path: Path):
    rules = tmp_path / "rules.csv"
    rules.write_text(
        "code,title_zh,title_en,category,points,basis\n"
        "PS-01,夜间巡逻,Night patrol by CLI,public_safety,3,\n",
        encoding="utf-8",
    )
    call_command("import_rules", "--township", township_a.code, str(rules))
    with tenant_context(township_a):
        event = RuleEvent.objects.filter(code="PS-01").latest("pgh_id")
    assert context_of(event) == {
        "user": None,
        "label": f"cli:{getpass.getuser()}",
        "via": "cli",
        "path": "manage.py import_rules",
    }
    rules.write_text(rules.read_text().replace("by CLI", "by operator"), encoding="utf-8")
    call_command(
        "import_rules", "--township", township_a.code, str(rules), "--operator", ADMIN_EMAIL
    )
    with tenant_context(township_a):
        event = RuleEvent.objects.filter(code="PS-01").latest("pgh_id")
    assert event.title_en == "Night patrol by operator"
    assert context_of(event)["label"] == ADMIN_EMAIL and context_of(event)["user"]


def test_task_path_names_the_scheduler_or_the_person_who_queued_it(township_a):
    from platform_core.celery import app

    @app.task(name="tests.action_log.rename_rule")
    def rename_rule(title: str):
        save_rule(code="PS-01", title_en=title, by=Actor(label="system:scheduler"))

    with tenant_context(township_a):
        rename_rule.apply(args=["Renamed by a scheduled task"])
        event = RuleEvent.objects.filter(code="PS-01").latest("pgh_id")
    assert context_of(event)["label"] == action_context.SCHEDULER
    assert context_of(event)["via"] == "task"
    assert context_of(event)["path"] == "tests.action_log.rename_rule"

    # A person's request queues it: the message carries who (before_task_publish), the
    # worker names them (task_prerun).
    headers = {}
    with action_context.acting(user=7, label="clerk@jia.test", via="web", path="/t/x/work/"):
        action_context._on_publish(headers=headers)
    assert headers[action_context.HEADER] == {
        "user": 7,
        "label": "clerk@jia.test",
        "from": "/t/x/work/",
    }
    with tenant_context(township_a):
        rename_rule.apply(args=["Renamed for a clerk"], headers=headers)
        event = RuleEvent.objects.filter(code="PS-01").latest("pgh_id")
    assert event.title_en == "Renamed for a clerk"
    assert context_of(event)["label"] == "clerk@jia.test" and context_of(event)["user"] == 7
    assert context_of(event)["sent_from"] == "/t/x/work/"


def test_memberships_are_logged_in_the_public_schema(township_a):
    with action_context.acting(user=None, label="cli:grant", via="cli"):
        user = member(township_a, "grid9@jia.test", Role.GRID_WORKER)
    event = MembershipEvent.objects.filter(user=user).get()
    assert event.pgh_label == "insert" and event.township_id == township_a.pk
    assert context_of(event)["label"] == "cli:grant"


# --- reading: the workbench page, filters, roles, townships -------------------------------


def test_the_page_filters_by_kind_person_and_date_and_pages(township_a, admin_client):
    with tenant_context(township_a):
        for n in range(30):
            with action_context.acting(user=None, label=f"cli:batch{n % 2}", via="cli"):
                save_rule(code="PS-01", title_en=f"Wording {n}", by=Actor.cli())
    everything = admin_client.get(work(township_a, "log/"), {"kind": "rule"})
    html = everything.content.decode()
    assert everything.status_code == 200 and "30 changes" in html and "Next" in html
    assert html.count('data-kind="rule"') == 25  # a page
    second = admin_client.get(work(township_a, "log/"), {"kind": "rule", "page": 2}).content
    assert second.decode().count('data-kind="rule"') == 5
    one_person = admin_client.get(work(township_a, "log/"), {"person": "batch1"})
    assert "15 changes" in one_person.content.decode()
    today = timezone.localdate()
    later = admin_client.get(work(township_a, "log/"), {"since": today + dt.timedelta(days=2)})
    assert "No change matches." in later.content.decode()
    # What changed: before → after.
    with tenant_context(township_a):
        rows = describe(log_rows(township_a, LogFilter(kinds=("rule",)))[:1])
    assert rows[0].changes == [("title (English)", "Wording 28", "Wording 29")]
    assert rows[0].person == "cli:batch1" and rows[0].subject == "PS-01"


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ({"kind": "passwords"}, "is not a kind of change in the log"),
        ({"since": "2026-13-40"}, "Enter a date as YYYY-MM-DD"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "The end date is before the start date."),
        ({"person": "x" * 151}, "at most 150 characters"),
    ],
)
def test_a_bad_filter_is_refused_with_the_reason(township_a, admin_client, query, problem):
    reply = admin_client.get(work(township_a, "log/"), query)
    assert reply.status_code == 400 and problem in reply.content.decode()


def test_only_township_administrators_read_the_log(township_a):
    with tenant_context(township_a):
        f.village()
        clerk = f.person("villageclerk", "village_committee", "V01")
        council = f.person("councillor", "council_member")
    for actor in (clerk, council):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(actor.user)
        assert client.get(work(township_a, "log/")).status_code == 403
        admin_page = client.get(f"/t/{township_a.code}/admin/scoring/ruleevent/")
        assert admin_page.status_code in (302, 403)
    assert Client().get(work(township_a, "log/")).status_code == 302  # sign in first


def test_township_b_never_reads_township_a_s_log(township_a, township_b):
    with tenant_context(township_a), action_context.acting(label="cli:a-only", via="cli"):
        save_rule(code="PS-01", title_en="Only in A", by=Actor.cli())
    policy.set_policy(
        township_a,
        policy.Policy(**{**vars(policy.Policy.of(township_a)), "green_above": 120}),
        by=Actor.cli(),
    )
    admin_b = member(township_b, "admin2@yi.test", Role.TOWNSHIP_ADMIN)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin_b)
    html = client.get(work(township_b, "log/")).content.decode()
    assert "Only in A" not in html
    assert "cli:a-only" not in html
    assert f'data-kind="policy" data-object="{township_a.pk}"' not in html
    assert f'data-kind="policy" data-object="{township_b.pk}"' in html  # B's own onboarding
    with tenant_context(township_b):
        assert not RuleEvent.objects.filter(title_en="Only in A").exists()
        kinds_and_objects = {(row[-1], row[3]) for row in log_rows(township_b)}
        assert ("policy", township_a.pk) not in kinds_and_objects  # A's policy change
        assert not Rule.objects.filter(title_en="Only in A").exists()
    # A's administrator does not open B's log either.
    client_a = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client_a.login(username=ADMIN_EMAIL, password="pw-jia")
    assert client_a.get(work(township_b, "log/")).status_code in (302, 403)
    with schema_context("public"):
        assert TownshipPolicyEvent.objects.filter(pgh_obj_id=township_a.pk).exists()


def test_every_kind_has_a_table_the_admin_lists(township_a, admin_client):
    for key, kind in KINDS.items():
        if kind.public:
            continue
        url = f"/t/{township_a.code}/admin/scoring/{kind.model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, key


# --- the county admin: the public schema's part, its own county's townships only ----------


def _county_administrator(email: str, county) -> Client:
    from django.contrib.auth import get_user_model

    from platform_core.accounts.services import grant_role

    user = get_user_model().objects.create_user(username=email, email=email, password="pw")
    grant_role(user, None, Role.COUNTY_ADMIN, county=county)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_county_administrators_read_the_public_log_of_their_own_townships(township_a):
    from tenants.models import County

    with action_context.acting(user=None, label="cli:county-test", via="cli"):
        policy.set_policy(
            township_a,
            policy.Policy(**{**vars(policy.Policy.of(township_a)), "green_above": 130}),
            by=Actor.cli(),
        )
    ours = _county_administrator("county@jia.test", township_a.county)
    page = ours.get("/admin/tenants/townshippolicyevent/")
    assert page.status_code == 200 and "cli:county-test" in page.content.decode()
    assert ours.get("/admin/accounts/membershipevent/").status_code == 200
    assert ours.get("/admin/tenants/pluginactivationevent/").status_code == 200
    # Nobody edits or deletes the log, not even here.
    event = TownshipPolicyEvent.objects.filter(pgh_obj_id=township_a.pk).latest("pgh_id")
    change = ours.get(f"/admin/tenants/townshippolicyevent/{event.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert ours.get(f"/admin/tenants/townshippolicyevent/{event.pk}/delete/").status_code == 403

    elsewhere = County.objects.create(code="330999", name="别县")
    theirs = _county_administrator("county@bie.test", elsewhere)
    page = theirs.get("/admin/tenants/townshippolicyevent/")
    assert page.status_code == 200 and "cli:county-test" not in page.content.decode()
    # A township administrator does not enter the county admin at all.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.login(username=ADMIN_EMAIL, password="pw-jia")
    assert client.get("/admin/tenants/townshippolicyevent/").status_code == 302
