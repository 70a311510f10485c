"""The embedded path: fresh data folder, embedded PostgreSQL, filesystem broker, real worker.

This is what a user's machine without any service runs. It starts its own
server in a temporary folder, so it works whatever database the suite uses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from platform_core import embedded

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.embedded

READ_BACK = """
import django, json
django.setup()
from django_tenants.utils import tenant_context
from tenants.models import Township
from platform_core.townships.tasks import township_summary
t = Township.objects.get(code="330502103")
with tenant_context(t):
    reply = township_summary.apply_async().get(timeout=60)
print(json.dumps({"name": t.name, "domain": t.domains.first().domain, **reply}))
"""


def test_onboard_and_read_back_on_embedded_postgres_and_filesystem_broker(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "TEST_DATABASE_NAME"}
    }
    env.update(
        PLATFORM_MODE="demo",
        PLATFORM_DATA_DIR=str(tmp_path),
        DEBUG="0",
        CELERY_RESULT_BACKEND=f"file://{tmp_path}/results",
    )
    (tmp_path / "results").mkdir()

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    worker = None
    try:
        migrated = manage("migrate_schemas", "--noinput", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr
        assert embedded.is_running(tmp_path / "postgres")

        onboarded = manage(
            "onboard_township",
            "--code",
            "330502103",
            "--name",
            "洪桥镇",
            "--slug",
            "hongqiao",
            "--admin-email",
            "admin@hongqiao.cn",
        )
        assert onboarded.returncode == 0, onboarded.stderr
        assert "Onboarded 洪桥镇 (330502103)" in onboarded.stdout

        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "platform_core.celery",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        read = subprocess.run(
            [sys.executable, "-c", READ_BACK],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert read.returncode == 0, read.stderr
        answer = json.loads(read.stdout.strip().splitlines()[-1])
        assert answer == {
            "name": "洪桥镇",
            "domain": "hongqiao.localhost",
            "schema": "t_330502103",
            "households": 0,
        }
        assert any((tmp_path / "broker").rglob("*")), "the filesystem broker folder was used"
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        embedded.stop(tmp_path / "postgres")
    assert not embedded.is_running(tmp_path / "postgres")
