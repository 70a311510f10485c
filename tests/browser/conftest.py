"""Browser tests: a real Chromium (Playwright) against a live server on committed data.

The browser is the system Chromium when one is installed (``.ci/run`` installs
Debian's ``chromium``; ``PLAYWRIGHT_CHROMIUM`` names another executable), and
Playwright's own download otherwise (``python -m playwright install chromium``,
run once), so ``make test`` passes on a machine without a system browser too.
Screenshots go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def system_chromium() -> str | None:
    """The Chromium to drive: ``PLAYWRIGHT_CHROMIUM``, else one on PATH, else None."""
    named = os.environ.get("PLAYWRIGHT_CHROMIUM")
    if named:
        return named
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _install_playwright_chromium() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "playwright", "install", "chromium"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        pytest.fail(
            "No system Chromium and Playwright could not download its own: install the "
            "'chromium' package, or run `.venv/bin/python -m playwright install chromium`, or "
            f"set PLAYWRIGHT_CHROMIUM.\n{done.stderr[-2000:]}",
            pytrace=False,
        )


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """Chromium for this package's tests (after the test database exists; gone after them)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; Django refuses ORM
    # calls from a thread with a running loop unless told that this is deliberate.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    executable = system_chromium()
    if executable is None:
        _install_playwright_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield launched
        launched.close()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        # While Playwright's loop runs, asgiref keeps Django's connections per context,
        # not per thread: close the ones opened in that time before the loop goes.
        from django.db import connections

        connections.close_all()


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


def pytest_collection_modifyitems(items):
    """Browser tests need the test database although they read it from the server thread."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.django_db)
