"""The ``status`` command, its cross-schema reads, and the readiness check of the broker."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from kombu import Connection

from platform_core import ops
from platform_core.actors import Actor
from platform_core.evaluation.services import finalise_month
from tests import factories as f

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)


def _status(*args: str) -> str:
    out = StringIO()
    call_command("status", *args, stdout=out)
    return out.getvalue()


def _status_json() -> dict:
    return json.loads(_status("--json"))


def _configured_transport() -> str:
    """The broker this run uses: filesystem (embedded default) or Redis (CI's first pass)."""
    from django.conf import settings

    return settings.CELERY_BROKER_URL.split("://", 1)[0]


def _filesystem_broker(folder):
    """Settings of a filesystem broker whose queue lives in ``folder``."""
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder),
        "store_processed": False,
        # kombu keeps exchange bindings here (default: ./control in the working folder).
        "control_folder": str(folder / "control"),
    }
    return override_settings(
        CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS=options
    )


def test_json_lists_the_townships_with_nothing_to_migrate(township_a, township_b):
    status = _status_json()
    rows = {t["code"]: t for t in status["townships"]}
    assert set(rows) >= {"330502901", "330502902"}
    assert rows["330502901"]["name"] == "甲镇"
    assert rows["330502902"]["name"] == "乙镇"
    for row in (rows["330502901"], rows["330502902"]):
        assert row["status"] == "active"
        assert row["pending_migrations"] == 0
        assert row["pending"] == []
        assert row["last_evaluation"] is None
    assert status["public"] == {"schema": "public", "pending_migrations": 0, "pending": []}
    assert status["template"]["pending_migrations"] == 0
    assert status["broker"]["transport"] == _configured_transport()
    assert status["broker"]["reachable"] is True


def test_table_lists_the_townships(township_a, township_b):
    text = _status()
    header = next(line for line in text.splitlines() if line.startswith("CODE"))
    for title in ("CODE", "NAME", "STATUS", "PLUGINS", "PENDING", "LAST MONTH", "FINALISED AT"):
        assert title in header
    for code, name in (("330502901", "甲镇"), ("330502902", "乙镇")):
        line = next(line for line in text.splitlines() if line.startswith(code))
        cells = line.split()
        assert cells[1:3] == [name, "active"]
        assert "0" in cells
    assert "Public schema (public): 0 pending migrations" in text
    assert f"Broker: {_configured_transport()}" in text and "reachable" in text


def test_suspended_township_and_enabled_plugins_are_shown(township_a, township_b):
    from platform_core.townships.services import suspend_township

    suspend_township(township_b, by=Actor.cli())
    township_a.plugin_activations.update_or_create(plugin="loans", defaults={"enabled": True})
    rows = {t["code"]: t for t in _status_json()["townships"]}
    assert rows["330502902"]["status"] == "suspended"
    assert "loans" in rows["330502901"]["plugins"]


def test_last_evaluation_after_finalising_a_month(township_a, in_township):
    with in_township(township_a):
        f.village()
        finalise_month(MARCH, by=f.person())
    connection.set_schema_to_public()

    rows = {t["code"]: t for t in _status_json()["townships"]}
    last = rows["330502901"]["last_evaluation"]
    assert last["month"] == "2026-03"
    assert dt.datetime.fromisoformat(last["finalised_at"]).date() >= dt.date(2026, 4, 1)
    assert rows["330502902"]["last_evaluation"] is None

    text = _status()
    line = next(line for line in text.splitlines() if line.startswith("330502901"))
    assert "2026-03" in line


def test_a_missing_migration_shows_as_pending_in_that_township_only(township_a, township_b):
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {township_b.schema_name}.django_migrations WHERE id = ("
            f"SELECT max(id) FROM {township_b.schema_name}.django_migrations "
            "WHERE app = 'evaluation') RETURNING app, name"
        )
        app, name = cursor.fetchone()
    pending = ops.pending_migrations([township_a.schema_name, township_b.schema_name, "nowhere"])
    assert pending == {
        township_a.schema_name: [],
        township_b.schema_name: [f"{app}.{name}"],
        "nowhere": None,
    }
    rows = {t["code"]: t for t in _status_json()["townships"]}
    assert rows["330502902"]["pending_migrations"] == 1


def test_township_reads_take_a_fixed_number_of_queries(township_a, township_b):
    with CaptureQueriesContext(connection) as queries:
        statuses = ops.township_statuses()
    assert len(statuses) >= 2
    # townships, activations, then (tables, UNION ALL) for migrations and for evaluations
    # django-tenants sets the search path before each statement; those do not count.
    statements = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(statements) == 6


def test_queue_depth_of_a_filesystem_broker(tmp_path):
    with _filesystem_broker(tmp_path):
        assert ops.queue_depth() == 0
        with Connection("filesystem://", transport_options=ops._transport_options()) as conn:
            queue = conn.SimpleQueue("celery")
            for n in range(3):
                queue.put({"n": n})
            conn.SimpleQueue("other").put({"n": 0})
        assert ops.queue_depth() == 3
        assert ops.queue_depth("other") == 1
        broker = _status_json()["broker"]
        assert broker["queue"] == "celery"
        assert broker["queue_depth"] == 3
        assert "Queue celery: 3 messages waiting" in _status()


def test_other_brokers_are_unknown():
    with override_settings(CELERY_BROKER_URL="amqp://guest@127.0.0.1:1//"):
        assert ops.queue_depth() is None
        assert ops.check_broker().reachable is None
        broker = _status_json()["broker"]
        assert broker["transport"] == "amqp"
        assert broker["queue_depth"] is None
        assert "Queue celery: unknown messages waiting" in _status()


def test_ready_is_ok_with_a_writable_broker_folder(client, tmp_path, township_a):
    with _filesystem_broker(tmp_path):
        page = client.get("/health/ready")
        assert page.status_code == 200
        assert page.json() == {"status": "ok", "database": "ok", "broker": "ok"}
        assert client.get(f"/t/{township_a.code}/health/ready").status_code == 200


def test_ready_is_503_when_the_broker_folder_is_missing(client, tmp_path, township_a):
    with _filesystem_broker(tmp_path / "gone"):
        page = client.get("/health/ready")
        assert page.status_code == 503
        body = page.json()
        assert body["status"] == "unavailable"
        assert body["database"] == "ok"
        assert "does not exist" in body["broker"] and "gone" in body["broker"]
        assert client.get(f"/t/{township_a.code}/health/ready").status_code == 503
        assert _status_json()["broker"]["reachable"] is False


def test_ready_is_503_when_redis_does_not_answer(client):
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0"):
        page = client.get("/health/ready")
        assert page.status_code == 503
        assert page.json()["broker"].startswith("redis:")
        assert ops.queue_depth() is None


def test_ready_is_ok_with_an_unchecked_broker(client):
    with override_settings(CELERY_BROKER_URL="amqp://guest@127.0.0.1:1//"):
        page = client.get("/health/ready")
        assert page.status_code == 200
        assert page.json()["broker"].startswith("unknown")
