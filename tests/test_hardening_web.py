"""Issue 13, findings 6, 7 and 9: sign-in lockout, the county admin's door, production headers.

6. django-axes counts failed sign-ins per account and per client on every sign-in form
   and failed API tokens per client; a locked-out client gets a 429 saying when to try
   again, in its language; county administrators unlock.
7. The county admin admits county administrators and superusers only; granting a
   township role no longer makes anyone ``is_staff``.
9. Production settings: HSTS, secure cookies, the HTTPS redirect, a CSP with nonces
   (GraphiQL's CDN allowed in DEBUG only), no ``Server`` banner from gunicorn, and
   ``health`` not telling strangers the schema name.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from platform_core.accounts import lockout
from platform_core.accounts.models import ApiToken, Role
from platform_core.accounts.services import grant_role, look_up_token, token_digest
from tests.api import endpoint, gql, member, token_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db

LIMIT = 3
locked_at_three = override_settings(AXES_FAILURE_LIMIT=LIMIT)


def sign_in(client, url: str, username: str, password: str, ip: str = "10.0.0.1", lang="en"):
    return client.post(
        url,
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=lang,
    )


def fail_until_locked(client, url: str, username: str, ip: str = "10.0.0.1"):
    """Wrong passwords up to the limit; returns the replies."""
    return [sign_in(client, url, username, "wrong", ip) for _ in range(LIMIT)]


# --- 6. sign-in lockout ------------------------------------------------------------------


@locked_at_three
def test_finding_6_wrong_passwords_lock_the_account_on_the_township_sign_in(client, township_a):
    url = f"/t/{township_a.code}/accounts/login/"
    first, second, third = fail_until_locked(client, url, "admin@jia.test")
    assert first.status_code == second.status_code == 200  # the form, with its error
    assert third.status_code == 429
    assert "Sign-in locked for a while" in third.text
    assert re.search(r"Try again after \d\d:\d\d \(in 15 min\)", third.text)
    assert "county administrator can lift the lock" in third.text
    assert int(third["Retry-After"]) == 15 * 60
    # The right password does not help while locked, from this client or another one.
    assert sign_in(client, url, "admin@jia.test", "pw-jia").status_code == 429
    assert sign_in(client, url, "admin@jia.test", "pw-jia", ip="10.9.9.9").status_code == 429


@locked_at_three
def test_finding_6_the_lockout_holds_in_every_township_the_county_and_both_admins(
    client, township_a, township_b
):
    fail_until_locked(client, f"/t/{township_a.code}/accounts/login/", "admin@jia.test")
    for url in (
        f"/t/{township_b.code}/accounts/login/",
        "/accounts/login/",
        f"/t/{township_a.code}/admin/login/",
        "/admin/login/",
    ):
        reply = sign_in(client, url, "admin@jia.test", "pw-jia", ip="10.2.2.2")
        assert reply.status_code == 429, url
    # Another account from another client is not affected.
    reply = sign_in(
        client, f"/t/{township_b.code}/accounts/login/", "admin@yi.test", "pw-yi", "10.3.3.3"
    )
    assert reply.status_code == 302


@locked_at_three
def test_finding_6_admin_sign_ins_count_failures_too(client, township_a):
    for url in (f"/t/{township_a.code}/admin/login/", "/admin/login/"):
        replies = fail_until_locked(client, url, f"someone{len(url)}@x.cn", ip=f"10.4.4.{len(url)}")
        assert [r.status_code for r in replies] == [200, 200, 429], url


@locked_at_three
def test_finding_6_one_client_spraying_many_accounts_is_locked(client, township_a):
    url = f"/t/{township_a.code}/accounts/login/"
    codes = [
        sign_in(client, url, f"user{n}@x.cn", "Password1", "10.5.5.5").status_code for n in range(4)
    ]
    assert codes == [200, 200, 429, 429]
    # Another client may still sign in with that account's right password.
    assert sign_in(client, url, "admin@jia.test", "pw-jia", "10.6.6.6").status_code == 302


@locked_at_three
def test_finding_6_bad_api_tokens_lock_the_client_out(client, township_a):
    good = token_for(township_a, "grid@jia.test", Role.GRID_WORKER)
    url = endpoint(township_a)

    def ask(token, ip="10.7.7.7"):
        return client.post(
            url,
            {"query": "{ me { email } }"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_ACCEPT_LANGUAGE="en",
            REMOTE_ADDR=ip,
        )

    replies = [ask(f"ti_0000000{n}_guess") for n in range(LIMIT)]
    assert [r.status_code for r in replies] == [401, 401, 429]
    locked = replies[-1].json()
    assert locked["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "Try again after" in locked["errors"][0]["message"]
    assert replies[-1]["Retry-After"] == str(15 * 60)
    assert ask(good).status_code == 429  # even a good token, from the locked client
    assert ask(good, ip="10.8.8.8").json()["data"] == {"me": {"email": "grid@jia.test"}}
    assert AccessAttempt.objects.filter(ip_address="10.7.7.7", username=None).exists()


@locked_at_three
def test_finding_6_a_client_locked_by_passwords_gets_no_token_through_and_adds_no_count(
    client, township_a
):
    """The lockout is read in the token's own statement (issue 18): a locked-out client is
    refused with a good, a revoked or an unknown token, before any token counts."""
    good = token_for(township_a, "grid-locked@jia.test", Role.GRID_WORKER)
    revoked = token_for(township_a, "grid-revoked@jia.test", Role.GRID_WORKER)
    with schema_context("public"):
        ApiToken.objects.filter(digest=token_digest(revoked)).update(revoked_at=timezone.now())
    fail_until_locked(client, f"/t/{township_a.code}/accounts/login/", "admin@jia.test", "10.3.3.3")
    counted = AccessAttempt.objects.filter(ip_address="10.3.3.3").count()

    def ask(token, ip="10.3.3.3"):
        return client.post(
            endpoint(township_a),
            {"query": "{ me { email } }"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            REMOTE_ADDR=ip,
        )

    assert [ask(t).status_code for t in (good, revoked, "ti_00000000_unknown")] == [429] * 3
    assert AccessAttempt.objects.filter(ip_address="10.3.3.3").count() == counted
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == LIMIT
    assert ask(good, ip="10.3.3.4").json()["data"] == {"me": {"email": "grid-locked@jia.test"}}
    assert ask(revoked, ip="10.3.3.5").status_code == 401


@locked_at_three
def test_finding_6_the_token_statement_counts_a_client_as_axes_does(rf, township_a):
    """``client_lock`` (read inside the token's statement) against axes' own answer:
    below, at and past the limit, attempts older than the cool-off, other clients."""
    good = token_for(township_a, "grid-count@jia.test", Role.GRID_WORKER)

    def both(ip: str) -> tuple[bool, bool]:
        request = rf.post(endpoint(township_a), REMOTE_ADDR=ip)
        lock = lockout.client_lock(request)
        assert lock.locked is None and lock.failures is not None
        with schema_context("public"):
            found = look_up_token(good, township_a, lock.failures)
        ours = lock.holds(found.extra)
        return ours, lockout.is_client_locked(rf.post(endpoint(township_a), REMOTE_ADDR=ip))

    def attempt(ip: str, failures: int, minutes_ago: int = 0, username=None) -> None:
        made = AccessAttempt.objects.create(
            ip_address=ip, username=username, user_agent="", failures_since_start=failures
        )
        when = timezone.now() - dt.timedelta(minutes=minutes_ago)  # attempt_time: auto_now_add
        AccessAttempt.objects.filter(pk=made.pk).update(attempt_time=when)

    assert both("10.2.2.1") == (False, False)  # never failed
    attempt("10.2.2.2", LIMIT - 1)
    assert both("10.2.2.2") == (False, False)
    attempt("10.2.2.3", LIMIT - 1)
    attempt("10.2.2.3", 1, username="someone@x.cn")  # per client: every account counts
    assert both("10.2.2.3") == (True, True)
    attempt("10.2.2.4", LIMIT + 5, minutes_ago=16)  # older than the 15-minute cool-off
    assert both("10.2.2.4") == (False, False)
    attempt("10.2.2.5", LIMIT)
    assert both("10.2.2.5") == (True, True) and both("10.2.2.6") == (False, False)


def test_finding_6_a_blocked_address_is_refused_without_reading_its_count(client, township_a):
    good = token_for(township_a, "grid-blocked@jia.test", Role.GRID_WORKER)

    def ask(ip):
        return client.post(
            endpoint(township_a),
            {"query": "{ me { email } }"},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {good}",
            REMOTE_ADDR=ip,
        )

    with override_settings(AXES_IP_BLACKLIST=["10.9.9.9"]):
        assert ask("10.9.9.9").status_code == 429
        assert ask("10.9.9.8").json()["data"] == {"me": {"email": "grid-blocked@jia.test"}}


def test_finding_6_a_token_request_signs_in_with_one_statement(client, township_a):
    """The token, its person's roles here and the client's lockout: one round trip."""
    good = token_for(township_a, "grid-one@jia.test", Role.GRID_WORKER, "V01")
    for _ in range(2):  # the first use marks the token used (a write, every 5 minutes)
        with CaptureQueriesContext(connection) as queries:
            body = gql(client, endpoint(township_a), "{ me { email roles { role } } }", token=good)
    assert body["data"]["me"] == {"email": "grid-one@jia.test", "roles": [{"role": "grid_worker"}]}
    sign_in = [q["sql"] for q in queries if "accounts_" in q["sql"] or "axes_" in q["sql"]]
    assert len(sign_in) == 1, sign_in
    assert all(t in sign_in[0] for t in ("accounts_apitoken", "accounts_membership", "axes_"))


@locked_at_three
def test_finding_6_the_lockout_page_speaks_chinese(client, township_a):
    url = f"/t/{township_a.code}/accounts/login/"
    for _ in range(LIMIT):
        reply = sign_in(client, url, "admin@jia.test", "wrong", lang="zh-hans")
    assert reply.status_code == 429
    assert "登录已暂时锁定" in reply.text and "县级管理员可以立即解除锁定" in reply.text


@locked_at_three
def test_finding_6_administrators_unlock_with_the_command_or_the_county_admin(client, township_a):
    url = f"/t/{township_a.code}/accounts/login/"
    fail_until_locked(client, url, "admin@jia.test")
    call_command("axes_reset_username", "admin@jia.test", stdout=StringIO())
    assert sign_in(client, url, "admin@jia.test", "pw-jia").status_code == 302
    client.logout()

    fail_until_locked(client, url, "admin@jia.test", ip="10.1.1.2")
    county = get_user_model().objects.create_user("county@x.cn", "county@x.cn", "pw")
    grant_role(county, None, Role.COUNTY_ADMIN)
    client.force_login(county)
    listing = client.get("/admin/axes/accessattempt/", HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200 and "admin@jia.test" in listing.text
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    reply = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert reply.status_code == 302 and not AccessAttempt.objects.exists()
    client.logout()
    assert sign_in(client, url, "admin@jia.test", "pw-jia", ip="10.1.1.2").status_code == 302


def test_finding_6_a_township_administrator_cannot_see_or_lift_lockouts(client, township_a):
    assert client.login(username="admin@jia.test", password="pw-jia")
    reply = client.get("/admin/axes/accessattempt/")
    assert reply.status_code == 302 and "/admin/login/" in reply["Location"]


def test_finding_6_bad_input_on_the_sign_in_form_is_a_form_error(client, township_a):
    url = f"/t/{township_a.code}/accounts/login/"
    reply = sign_in(client, url, "admin\x00@jia.test", "pw-jia")
    assert reply.status_code == 400  # NUL bytes are refused at the edge, not a server error
    assert sign_in(client, url, "", "").status_code == 200
    assert not AccessAttempt.objects.exists()  # neither counted as a failed password


def test_finding_6_tests_get_a_high_limit_and_the_lockout_is_global():
    assert settings.AXES_FAILURE_LIMIT >= 100  # test mode: tests never lock each other out
    assert "axes" in settings.SHARED_APPS and "axes" not in settings.TENANT_APPS
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AUTHENTICATION_BACKENDS[0] == "platform_core.accounts.lockout.LockoutBackend"


# --- 7. the county admin ------------------------------------------------------------------


def test_finding_7_a_township_administrator_is_kept_out_of_the_county_admin(client, township_a):
    admin = get_user_model().objects.get(username="admin@jia.test")
    assert not admin.is_staff  # granting a township role no longer makes staff
    assert client.login(username="admin@jia.test", password="pw-jia")
    reply = client.get("/admin/")
    assert reply.status_code == 302 and "/admin/login/" in reply["Location"]
    assert client.get("/admin/tenants/township/").status_code == 302
    # Their own township's admin still opens.
    assert client.get(f"/t/{township_a.code}/admin/").status_code == 200
    # The county admin's sign-in refuses them like a wrong password.
    client.logout()
    reply = client.post(
        "/admin/login/",
        {"username": "admin@jia.test", "password": "pw-jia", "next": "/admin/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert reply.status_code == 200 and "correct" in reply.text
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "role", [Role.TOWNSHIP_ADMIN, Role.VILLAGE_COMMITTEE, Role.COUNCIL_MEMBER, Role.GRID_WORKER]
)
def test_finding_7_no_township_role_opens_the_county_admin_even_with_is_staff(
    client, township_a, role
):
    """Accounts made staff by the old grant_role (or by hand) stay out too."""
    user = member(township_a, f"{role}@jia.test", role)
    assert not user.is_staff
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/tenants/county/").status_code == 302


def test_finding_7_county_administrators_and_superusers_enter(client, township_a):
    county = get_user_model().objects.create_user("county@x.cn", "county@x.cn", "pw")
    grant_role(county, None, Role.COUNTY_ADMIN)
    county.refresh_from_db()
    assert county.is_staff and not county.is_superuser
    reply = sign_in(client, "/admin/login/", "county@x.cn", "pw")
    assert reply.status_code == 302
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert index.status_code == 200 and "/admin/tenants/township/" in index.text
    assert "/admin/axes/accessattempt/" in index.text
    townships = client.get("/admin/tenants/township/")
    assert townships.status_code == 200 and township_a.code in townships.text
    client.logout()
    root = get_user_model().objects.create_superuser("root@x.cn", "root@x.cn", "pw")
    client.force_login(root)
    assert client.get("/admin/").status_code == 200


def test_finding_7_a_county_admin_in_another_county_role_only_is_not_a_township_role(
    client, township_a, township_b
):
    """Cross-township: a township B administrator gets neither A's admin nor the county's."""
    assert client.login(username="admin@yi.test", password="pw-yi")
    assert client.get(f"/t/{township_a.code}/admin/").status_code == 302
    assert client.get("/admin/").status_code == 302


# --- 9. production headers ------------------------------------------------------------------

PRINT = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps(default=str, obj={k: getattr(s, k, None) for k in ("
    "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD', "
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', "
    "'SECURE_PROXY_SSL_HEADER', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', "
    "'X_FRAME_OPTIONS', 'CONTENT_SECURITY_POLICY', 'AXES_FAILURE_LIMIT')} | "
    "{'AXES_COOLOFF_MINUTES': s.AXES_COOLOFF_TIME.total_seconds() / 60}))"
)
CLEARED = {
    "SECRET_KEY", "DATABASE_URL", "DEBUG", "PLATFORM_MODE", "SECURE_COOKIES",
    "BEHIND_TLS_PROXY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_TIME",
}  # fmt: skip


def settings_of(tmp_path, **env) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.update(DJANGO_SETTINGS_MODULE="platform_core.settings", PLATFORM_DATA_DIR=str(tmp_path))
    base.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION = {"SECRET_KEY": "s" * 50, "DATABASE_URL": "postgresql://u@db.example/x"}


def test_finding_9_production_settings_carry_the_security_headers(tmp_path):
    s = settings_of(tmp_path, **PRODUCTION, BEHIND_TLS_PROXY="true")
    assert s["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True and s["SECURE_HSTS_PRELOAD"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SECURE_SSL_REDIRECT"]
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["SECURE_CONTENT_TYPE_NOSNIFF"] and s["X_FRAME_OPTIONS"] == "DENY"
    assert s["SECURE_REFERRER_POLICY"] == "same-origin"
    csp = s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert csp["default-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp[directive] and not any(
            "http" in v for v in csp[directive]
        )
    assert (s["AXES_FAILURE_LIMIT"], s["AXES_COOLOFF_MINUTES"]) == (10, 15)


def test_finding_9_settings_are_read_from_the_environment(tmp_path):
    s = settings_of(
        tmp_path,
        **PRODUCTION,
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
        SECURE_HSTS_PRELOAD="yes",
        SECURE_SSL_REDIRECT="no",
        AXES_FAILURE_LIMIT="5",
        AXES_COOLOFF_TIME="60",
    )
    assert (s["SECURE_HSTS_SECONDS"], s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (600, False)
    assert s["SECURE_HSTS_PRELOAD"] is True and s["SECURE_SSL_REDIRECT"] is False
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    assert (s["AXES_FAILURE_LIMIT"], s["AXES_COOLOFF_MINUTES"]) == (5, 60)
    demo = settings_of(tmp_path, PLATFORM_MODE="demo", DATABASE_URL="postgresql://u@h/x")
    assert demo["SECURE_HSTS_SECONDS"] == 0 and not demo["SECURE_SSL_REDIRECT"]
    assert not demo["SESSION_COOKIE_SECURE"]


def test_finding_9_deploy_files_set_the_secure_settings():
    import yaml

    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    env = compose["services"]["web"]["environment"]
    for key in ("SECURE_COOKIES", "SECURE_SSL_REDIRECT", "BEHIND_TLS_PROXY"):
        assert env[key].endswith(":-true}"), key
    assert env["SECURE_HSTS_SECONDS"] == "${SECURE_HSTS_SECONDS:-31536000}"
    config = next(
        doc
        for doc in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "10-config.yaml").read_text())
        if doc["kind"] == "ConfigMap"
    )["data"]
    assert config["SECURE_SSL_REDIRECT"] == config["SECURE_COOKIES"] == "true"
    assert int(config["SECURE_HSTS_SECONDS"]) >= 365 * 24 * 3600
    assert config["SECURE_HSTS_INCLUDE_SUBDOMAINS"] == "true"
    example = (ROOT / "deploy" / "env.example").read_text()
    assert "SECURE_SSL_REDIRECT=false" in example and "SECURE_HSTS_SECONDS=0" in example


def csp_of(reply) -> dict[str, list[str]]:
    header = reply["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


INLINE = re.compile(r"<(script|style)\b([^>]*)>", re.I)


def assert_inline_code_carries_the_nonce(reply) -> None:
    html = reply.content.decode()
    nonces = {v[len("'nonce-") : -1] for v in csp_of(reply).get("script-src", []) if "nonce" in v}
    for tag, attributes in INLINE.findall(html):
        if "src=" in attributes:
            continue
        match = re.search(r'nonce="([^"]+)"', attributes)
        assert match and match[1] in nonces, (tag, attributes)
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert not re.search(r'<[^>]+\sstyle="', html), "inline style attribute"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/accounts/login/",
        "/admin/login/",
        "/t/330502901/",
        "/t/330502901/accounts/login/",
        "/t/330502901/admin/login/",
        "/t/330502901/boards/",
        "/t/999999999/",  # the routing middleware's own page
    ],
)
def test_finding_9_pages_carry_a_csp_that_their_inline_code_satisfies(client, township_a, path):
    reply = client.get(path)
    assert reply.status_code in (200, 404), reply.status_code
    csp = csp_of(reply)
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] + csp["style-src"]
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert reply["Referrer-Policy"] == "same-origin"
    assert reply["X-Frame-Options"] == "DENY"
    assert_inline_code_carries_the_nonce(reply)


def test_finding_9_signed_in_pages_satisfy_the_csp(client, township_a):
    assert client.login(username="admin@jia.test", password="pw-jia")
    for path in (f"/t/{township_a.code}/admin/", f"/t/{township_a.code}/dashboard/"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        assert_inline_code_carries_the_nonce(reply)


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_finding_9_hsts_covers_township_hosts_over_https(client, township_a):
    reply = client.get("/", secure=True)
    assert reply["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    hosted = client.get("/", secure=True, HTTP_HOST=f"{township_a.slug}.localhost")
    assert hosted["Strict-Transport-Security"].startswith("max-age=31536000")


@override_settings(SECURE_SSL_REDIRECT=True)
def test_finding_9_plain_http_is_redirected_but_health_probes_are_not(client, township_a):
    reply = client.get(f"/t/{township_a.code}/")
    assert reply.status_code == 301 and reply["Location"].startswith("https://")
    assert client.get("/health/live").status_code == 200
    assert client.get(f"/t/{township_a.code}/health/live").status_code == 200


GRAPHIQL_CDN = "https://cdn.jsdelivr.net"


@override_settings(DEBUG=True)
def test_finding_9_graphiql_in_debug_is_allowed_its_cdn_only(client, township_a):
    reply = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert reply.status_code == 200 and "graphiql" in reply.content.decode().lower()
    csp = csp_of(reply)
    assert GRAPHIQL_CDN in csp["script-src"] and GRAPHIQL_CDN in csp["style-src"]
    assert "'unsafe-inline'" not in csp["script-src"]
    html = reply.content.decode()
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith(GRAPHIQL_CDN + "/") or src.startswith("/static/"), src
    for href in re.findall(r'<link[^>]*href="([^"]+)"', html):
        assert href.startswith(GRAPHIQL_CDN + "/"), href
    inline = re.search(r"<script([^>]*)>\s*window\.GRAPHENE_SETTINGS", html)
    assert inline and f'nonce="{reply.wsgi_request.csp_nonce}"' in inline[1]
    # Nothing else is loosened, and the JSON API answers with the strict policy.
    assert csp["default-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    api = client.post(
        "/graphql/", {"query": "{ health { status } }"}, content_type="application/json"
    )
    assert GRAPHIQL_CDN not in api["Content-Security-Policy"]


def test_finding_9_without_debug_there_is_no_graphiql_and_no_cdn(client, township_a):
    reply = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert "GRAPHENE_SETTINGS" not in reply.content.decode()
    assert GRAPHIQL_CDN not in reply["Content-Security-Policy"]


def test_finding_9_the_graphiql_template_is_graphenes_with_nonces():
    """Our copy (templates/graphene/graphiql.html) must follow graphene-django's upgrades."""
    import graphene_django

    theirs = (
        Path(graphene_django.__file__).parent / "templates" / "graphene" / "graphiql.html"
    ).read_text()
    ours = (ROOT / "platform_core" / "templates" / "graphene" / "graphiql.html").read_text()
    assert ours.replace(' nonce="{{ request.csp_nonce }}"', "") == theirs


def test_finding_9_health_does_not_tell_strangers_the_schema(client, township_a, township_b):
    url = endpoint(township_a)
    query = "{ health { status schemaName } }"
    assert gql(client, url, query)["data"]["health"] == {"status": "ok", "schemaName": None}
    assert gql(client, "/graphql/", query)["data"]["health"]["schemaName"] is None
    household = token_for(township_a, "home@jia.test", Role.HOUSEHOLD, household_code="X-1")
    assert gql(client, url, query, token=household)["data"]["health"]["schemaName"] is None
    grid = token_for(township_a, "grid@jia.test", Role.GRID_WORKER)
    assert gql(client, url, query, token=grid)["data"]["health"]["schemaName"] == "t_330502901"
    # Township B's administrator is a stranger in township A.
    assert client.login(username="admin@yi.test", password="pw-yi")
    assert gql(client, url, query)["data"]["health"]["schemaName"] is None
    assert gql(client, endpoint(township_b), query)["data"]["health"]["schemaName"] == (
        township_b.schema_name
    )


# --- 9. no server banner from gunicorn ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    # The embedded server is reached through a socket folder, given as HOST or (read from
    # a DATABASE_URL with ?host=) in OPTIONS.
    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or ""
    port = db.get("PORT") or db.get("OPTIONS", {}).get("port") or ""
    if host.startswith("/"):
        suffix = f"&port={port}" if port else ""
        return f"postgresql://{user}{password}@/{db['NAME']}?host={host}{suffix}"
    return f"postgresql://{user}{password}@{host}:{port or 5432}/{db['NAME']}"


def test_finding_9_gunicorn_sends_no_server_banner(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PLATFORM_MODE="test", DATABASE_URL=_database_url(), PLATFORM_DATA_DIR=str(tmp_path))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "platform_core.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    pytest.fail(process.communicate()[1].decode()[-3000:])
                time.sleep(0.3)
        assert reply.status == 200
        assert reply.headers.get("Server") is None, reply.headers.get("Server")
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_finding_9_the_banner_is_kept_outside_gunicorn():
    from platform_core.wsgi import hide_server_banner

    if "gunicorn" in sys.modules:  # imported by another test: the patch is idempotent
        assert hide_server_banner() is True
    else:
        assert hide_server_banner() is False
