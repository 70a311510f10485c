"""Browser tests: a real Chromium (Playwright) against a live server on committed data.

The browser is ``PLAYWRIGHT_CHROMIUM`` when set, else the system Chromium
(``.ci/run`` installs Debian's ``chromium``), else Playwright's own download
(tried once per run, bounded: see ``tests/browser/chromium.py``). Without any,
the tests are skipped with one line saying how to enable them; with
``REQUIRE_BROWSER=1`` (as in CI) they fail instead. Screenshots go to
``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from platform_core.actors import Actor
from tests import factories as f
from tests.browser import chromium
from tests.committed import committed

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """Chromium for this package's tests (after the test database exists; gone after them)."""
    from playwright.sync_api import sync_playwright

    choice = chromium.find()
    if choice.action == "skip":
        pytest.skip(choice.reason)
    if choice.action == "fail":
        pytest.fail(choice.reason, pytrace=False)
    # Playwright's sync API keeps an asyncio loop in this thread; Django refuses ORM
    # calls from a thread with a running loop unless told that this is deliberate.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=choice.executable,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield launched
        # While Playwright's loop runs, asgiref keeps Django's connections per context,
        # not per thread: close the ones opened in that time before the loop goes.
        from django.db import connections

        connections.close_all()
        launched.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest's output readable
        pass


@pytest.fixture(scope="package")
def live_url(django_db_setup, django_db_blocker):
    """Base URL of a threaded WSGI server (static files included) for this package."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=True)
    server.set_app(StaticFilesHandler(WSGIHandler()))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    _end_server_sessions(django_db_blocker)


def _end_server_sessions(django_db_blocker) -> None:
    """Close what kept-alive request threads left open, so the test database can be dropped."""
    from django.db import connection

    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")
        for _ in range(50):  # terminating is asynchronous: wait until they are gone
            cursor.execute(f"SELECT count(*) {others}")
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.1)


@pytest.fixture
def page(browser, django_db_blocker, request):
    """A fresh browser page (phone-sized unless the test says otherwise); screenshot after."""
    marker = request.node.get_closest_marker("viewport")
    width, height = marker.args if marker else (390, 844)
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", device_scale_factor=1
    )
    tab = context.new_page()
    tab.set_default_timeout(15000)
    with django_db_blocker.unblock():  # the server thread reads the committed data
        yield tab
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-final.png"), full_page=True)
    context.close()


def shot(page, name: str) -> Path:
    """Save a screenshot under test-artifacts/browser/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def pytest_configure(config):
    config.addinivalue_line("markers", "viewport(width, height): browser viewport size")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Every test skipped for want of a browser reports this file's location, so the
    summary folds them into one line ("SKIPPED [8] …: Browser tests skipped: …")."""
    report = yield
    choice = chromium._found
    if (
        report.skipped
        and choice is not None
        and choice.action == "skip"
        and isinstance(report.longrepr, tuple)
        and report.longrepr[2].endswith(choice.reason)
    ):
        report.longrepr = (__file__, 1, report.longrepr[2])
    return report


def pytest_collection_modifyitems(items):
    """Browser tests need the test database although they read it from the server thread."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.django_db)


# --- the township the page tests look at ----------------------------------------------

PAGES_CODE, PAGES_SLUG = "330502962", "yemian"
CLERK = Actor(label="page-test clerk")  # no user: nothing of it outlives the tests
REVIEWER = Actor(label="page-test council")


@pytest.fixture(scope="package")
def pages_township(django_db_setup, django_db_blocker):
    """页面镇: two villages, two finalised months, Q3 boards, petition and loans enabled.

    Logins (password ``pw``): ``gw@yemian.test`` (grid worker of V01),
    ``head@yemian.test`` (household V01-0001); ``admin@yemian.test`` / ``pw-yemian``.
    """
    with committed(
        django_db_blocker,
        code=PAGES_CODE,
        name="页面镇",
        slug=PAGES_SLUG,
        plugins=["petition", "loans", "restrictions"],
        fill=_fill_pages_township,
    ) as township:
        yield township


def _fill_pages_township(township) -> None:
    import datetime as dt

    from django.contrib.auth import get_user_model

    from platform_core.accounts.services import grant_role
    from platform_core.evaluation.services import finalise_month
    from platform_core.publication.services import publish_board
    from platform_core.scoring.models import Rule
    from platform_core.scoring.services import record_entry, review_entry

    # These pages show months and boards, not due process: deductions count at once and
    # months need no public posting (tests/browser/test_due_process_journey.py and
    # test_workbench_journey.py walk those steps).
    type(township).objects.filter(pk=township.pk).update(posting_days=0, response_days=0)
    township.refresh_from_db()
    v01 = f.village("V01", "太湖村", size=6)
    f.village("V02", "白雀村", size=4)
    for code, rule, day in [
        ("V01-0001", "VO-03", dt.date(2026, 9, 3)),  # 110: green
        ("V01-0002", "P7-04", dt.date(2026, 9, 4)),  # 90: red
        ("V01-0003", "CR-01", dt.date(2026, 10, 2)),  # 105: green
        ("V02-0001", "VO-03", dt.date(2026, 9, 5)),
    ]:
        entry = record_entry(
            household=f.household(code),
            rule=Rule.objects.get(code=rule),
            occurred_on=day,
            recorder=CLERK,
            source="staff",
            evidence="网格员走访记录",
        )
        if entry.status == "proposed":
            review_entry(entry, reviewer=REVIEWER, approve=True)
    for month in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        finalise_month(month, by=CLERK)
    publish_board(v01, year=2026, quarter=3, publisher=CLERK)
    users = get_user_model().objects
    grid_worker = users.create_user(
        username="gw@yemian.test", email="gw@yemian.test", password="pw"
    )
    grant_role(grid_worker, township, "grid_worker", "V01")
    head = users.create_user(username="head@yemian.test", email="head@yemian.test", password="pw")
    grant_role(head, township, "household", household_code="V01-0001")


def sign_in(page, live_url: str, email: str, password: str, code: str = PAGES_CODE) -> None:
    """Sign in through the township's sign-in page."""
    page.goto(f"{live_url}/t/{code}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
