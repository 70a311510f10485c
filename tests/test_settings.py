"""Settings come from the environment with production-safe defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.SECRET_KEY[:6], s.DATABASES['default']['HOST'], s.BASE_DOMAIN, "
    "s.ALLOWED_HOSTS, s.CELERY_BROKER_URL, sep='|')"
)


def _run(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DATABASE_URL",
            "DEBUG",
            "PLATFORM_MODE",
            "CELERY_BROKER_URL",
            "ALLOWED_HOSTS",
            "BASE_DOMAIN",
        }
    }
    base.update(
        DJANGO_SETTINGS_MODULE="platform_core.settings", PLATFORM_DATA_DIR=str(tmp_path), **env
    )
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _run(tmp_path, DATABASE_URL="postgresql://u@db.example/x")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_a_database_url(tmp_path):
    result = _run(tmp_path, SECRET_KEY="s" * 50)
    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_production_defaults_are_safe_and_read_from_the_environment(tmp_path):
    result = _run(
        tmp_path,
        SECRET_KEY="secret" * 10,
        DATABASE_URL="postgresql://u@db.example/x",
        BASE_DOMAIN="example.org",
        CELERY_BROKER_URL="redis://cache:6379/0",
    )
    assert result.returncode == 0, result.stderr
    debug, secret, host, domain, hosts, broker = result.stdout.split("|")
    assert (debug, secret, host, domain) == ("False", "secret", "db.example", "example.org")
    assert "'.example.org'" in hosts and "testserver" not in hosts
    assert broker.strip() == "redis://cache:6379/0"


def test_allowed_hosts_and_debug_from_the_environment(tmp_path):
    result = _run(
        tmp_path,
        SECRET_KEY="k" * 50,
        DATABASE_URL="postgresql://u@h/x",
        ALLOWED_HOSTS="a.example,b.example",
        DEBUG="yes",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True|")
    assert "['a.example', 'b.example']" in result.stdout


def test_a_bad_yes_no_value_is_named(tmp_path):
    result = _run(tmp_path, SECRET_KEY="k" * 50, DATABASE_URL="postgresql://u@h/x", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a yes/no value" in result.stderr


def test_demo_mode_generates_and_keeps_a_secret(tmp_path):
    first = _run(tmp_path, PLATFORM_MODE="demo", DATABASE_URL="postgresql://u@h/x")
    second = _run(tmp_path, PLATFORM_MODE="demo", DATABASE_URL="postgresql://u@h/x")
    assert first.returncode == 0, first.stderr
    assert first.stdout.split("|")[1] == second.stdout.split("|")[1]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert "filesystem://" in first.stdout


@pytest.mark.parametrize("mode", ["staging"])
def test_unknown_mode_is_named(tmp_path, mode):
    result = _run(tmp_path, PLATFORM_MODE=mode)
    assert result.returncode != 0
    assert "PLATFORM_MODE='staging'" in result.stderr


def test_evidence_photos_go_to_a_bucket_when_one_is_named(tmp_path):
    """Local files by default; an S3-compatible bucket (django-storages) with MEDIA_S3_*."""
    show = (
        "import django.conf as c; s=c.settings; d=s.STORAGES['default']; "
        "print(d['BACKEND'], sorted(d.get('OPTIONS', {}).items()), s.MEDIA_ROOT, sep='|')"
    )
    env = {"SECRET_KEY": "s" * 50, "DATABASE_URL": "postgresql://u@db.example/x"}
    local = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "platform_core.settings",
            "PLATFORM_MODE": "production",
            "PLATFORM_DATA_DIR": str(tmp_path),
            **env,
        },
    )
    assert local.returncode == 0, local.stderr
    backend, _options, media = local.stdout.strip().split("|")
    assert backend == "django.core.files.storage.FileSystemStorage"
    assert media == str(tmp_path / "media")
    bucket = subprocess.run(
        [sys.executable, "-c", show],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "platform_core.settings",
            "PLATFORM_MODE": "production",
            "PLATFORM_DATA_DIR": str(tmp_path),
            **env,
            "MEDIA_S3_BUCKET": "evidence",
            "MEDIA_S3_ENDPOINT_URL": "https://s3.example.org",
        },
    )
    assert bucket.returncode == 0, bucket.stderr
    backend, options, _media = bucket.stdout.strip().split("|")
    assert backend == "storages.backends.s3.S3Storage"
    assert "('bucket_name', 'evidence')" in options and "('default_acl', 'private')" in options
    assert "('endpoint_url', 'https://s3.example.org')" in options
