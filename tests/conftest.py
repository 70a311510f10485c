"""Shared fixtures: two townships onboarded once per test session on real PostgreSQL.

Tests run inside a transaction that is rolled back, so whatever a test writes
(including schemas it creates: PostgreSQL DDL is transactional) disappears.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from django_tenants.utils import tenant_context

from tenants.models import Township
from township_integrity.testing import TOWNSHIP_A, TOWNSHIP_B, onboard_test_townships


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The two test townships of the public fixtures (``township_integrity.testing``)."""
    with django_db_blocker.unblock():
        onboard_test_townships()
        # Finalising a month needs its public posting period over (docs/scoring.md,
        # "Public posting before finalising"); the suite's many finalised months are
        # not about posting, so the test townships post nothing, as a township policy
        # may say. Tests of posting set posting_days themselves (tests/test_posting.py).
        # Likewise a deduction counts at once, without the household's response window
        # (tests/test_notices.py sets response_days itself).
        Township.objects.filter(code__in=[TOWNSHIP_A["code"], TOWNSHIP_B["code"]]).update(
            posting_days=0, response_days=0
        )
    yield


@pytest.fixture(autouse=True)
def _fresh_state():
    """Every test starts on the public schema with an empty cache."""
    connection.set_schema_to_public()
    cache.clear()
    yield
    connection.set_schema_to_public()
    cache.clear()


@pytest.fixture(autouse=True)
def _english():
    """Services answer in the active language (the platform's default is zh-hans): tests
    read English unless they ask for another. Requests of the test client still choose
    theirs from Accept-Language (``tests.api.gql`` sends "en" unless told otherwise)."""
    with translation.override("en"):
        yield


@pytest.fixture
def township_a(db) -> Township:
    return Township.objects.get(code=TOWNSHIP_A["code"])


@pytest.fixture
def township_b(db) -> Township:
    return Township.objects.get(code=TOWNSHIP_B["code"])


@pytest.fixture
def in_township():
    """``with in_township(t):`` runs the block on township ``t``'s schema."""
    return tenant_context


@pytest.fixture
def sent(monkeypatch):
    """Tasks the dispatcher sends: (schema active when sent, task name, args), recorded
    instead of sent; the dispatcher's clock stands at 2026-05-12 03:00 (Shanghai) unless
    the test sets ``tasks.local_now`` itself."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from platform_core import tasks

    calls = []
    for task in (
        tasks.evaluate_township_month,
        tasks.publish_township_boards,
        tasks.run_plugin_task,
        tasks.run_township_feed,
        tasks.escalate_overdue_objections,
    ):

        def record(args=None, kwargs=None, _name=task.name, **options):
            calls.append((connection.schema_name, _name, tuple(args or ())))

        monkeypatch.setattr(task, "apply_async", record)
    three_am = dt.datetime(2026, 5, 12, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(tasks, "local_now", lambda: three_am)
    return calls


def pytest_collection_modifyitems(items):
    """Browser tests run after the others (Playwright's event loop lives in this thread
    while they run)."""
    browser = [i for i in items if "/tests/browser/" in str(i.fspath)]
    items[:] = [i for i in items if i not in browser] + browser
