"""Backup and restore of one township, on data that is really committed.

pg_dump and psql run in their own processes and cannot see a test's uncommitted
transaction, so this module onboards its own township outside the test
transaction (``django_db_blocker.unblock()``, autocommit), and removes it with
everything it made at the end. ``transaction=True`` is not used: its flush would
empty the public schema the other tests share.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from platform_core.accounts.models import Membership
from platform_core.actors import Actor
from platform_core.households import services as households
from platform_core.households.models import Household, Village
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.scoring.services import record_entry, save_rule
from platform_core.townships import backup
from platform_core.townships.services import onboard_township
from tenants.models import County, Domain, PluginActivation, Township

CODE = "330502955"
SCHEMA = f"t_{CODE}"
SLUG = "beifen"
CLERK = Actor(label="backup clerk")  # no user: nothing extra is left in the public schema
GARBAGE = {"record_correct": True, "model_month_min": 3}


@pytest.fixture(scope="module")
def committed(django_db_setup, django_db_blocker):
    """A township onboarded and filled for real (committed), removed completely afterwards."""
    from django.conf import settings

    assert settings.DATABASES["default"]["NAME"].startswith("test_"), "not a test database"
    with django_db_blocker.unblock():
        _remove_township()  # leftovers of an interrupted --reuse-db run
        counties = set(County.objects.values_list("code", flat=True))
    try:
        with django_db_blocker.unblock():
            onboard_township(
                code=CODE,
                name="备份镇",
                slug=SLUG,
                plugins=["garbage_sorting"],
                admin_email=f"admin@{SLUG}.test",
                admin_password="pw-beifen",
                by=Actor.cli(),
            )
            PluginActivation.objects.filter(township__code=CODE).update(settings=GARBAGE)
            with tenant_context(Township.objects.get(code=CODE)):
                _fill()
        yield CODE
    finally:
        with django_db_blocker.unblock():
            _remove_township()
            County.objects.exclude(code__in=counties).delete()
            _assert_nothing_left(counties)


@pytest.fixture
def db_on(committed, django_db_blocker):
    """Database access in autocommit (no test transaction) for one test."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        yield Township.objects.get(code=CODE)
        connection.set_schema_to_public()


def _fill() -> None:
    rule, _ = save_rule(
        code="BK-01",
        title_zh="备份测试",
        title_en="Backup test",
        category=Rule.Category.VOLUNTEERING,
        points=3,
        needs_review=False,
        by=Actor.cli(),
    )
    save_rule(  # deleted after the backup by the round-trip test
        code="BK-02",
        title_zh="未用",
        title_en="Unused",
        category=Rule.Category.OTHER,
        points=-1,
        basis="《村规民约》BK-02条",
        by=Actor.cli(),
    )
    for v in range(2):
        village = households.create_village(code=f"B{v}", name=f"备份{v}村")
        grid = households.create_grid(village=village, name="第1网格")
        for n in range(5):
            household = households.create_household(
                code=f"B{v}-{n:04d}",
                village=village,
                grid=grid,
                head_name=f"户主{n}",
                members=n + 1,
            )
            record_entry(
                household=household,
                rule=rule,
                occurred_on=dt.date(2025, 1, n + 1),
                recorder=CLERK,
                source="staff",
                evidence=f"志愿服务 {n}",
            )


def _remove_township() -> None:
    from django.contrib.auth import get_user_model

    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"{SCHEMA}%"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')
    Membership.objects.filter(township__code=CODE).delete()
    PluginActivation.objects.filter(township__code=CODE).delete()
    Domain.objects.filter(tenant__code=CODE).delete()
    Township.objects.filter(code=CODE).delete()
    get_user_model().objects.filter(username=f"admin@{SLUG}.test").delete()


def _assert_nothing_left(counties: set[str]) -> None:
    from django.contrib.auth import get_user_model

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [f"{SCHEMA}%"])
        assert cursor.fetchone()[0] == 0
    assert not Township.objects.filter(code=CODE).exists()
    assert not Domain.objects.filter(domain__startswith=f"{SLUG}.").exists()
    assert not PluginActivation.objects.filter(township__code=CODE).exists()
    assert not Membership.objects.filter(township__code=CODE).exists()
    assert not get_user_model().objects.filter(username=f"admin@{SLUG}.test").exists()
    assert set(County.objects.values_list("code", flat=True)) == counties


def _state(township) -> dict:
    """Everything the township holds: table row counts and the rows that matter, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [SCHEMA],
        )
        counts = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*) FROM "{SCHEMA}"."{table}"')
            counts[table] = cursor.fetchone()[0]
    with tenant_context(township):
        rows = {
            "villages": list(Village.objects.order_by("id").values()),
            "households": list(Household.objects.order_by("id").values()),
            "entries": list(ScoreEvent.objects.order_by("id").values()),
            "rules": list(Rule.objects.order_by("id").values()),
        }
    connection.set_schema_to_public()
    return {"counts": counts, **rows}


def _backup(tmp_path: Path, name: str = "beifen.tar") -> Path:
    path = tmp_path / name
    call_command("backup_township", "--township", CODE, str(path))
    return path


def _restore(path: Path, *extra: str, code: str = CODE) -> None:
    call_command("restore_township", "--township", code, str(path), *extra)


def _rewrite(path: Path, target: Path, *, meta=None, dump=None) -> Path:
    """A copy of the backup ``path`` with its description and/or dump changed."""
    with tarfile.open(path) as tar:
        meta_bytes = tar.extractfile(backup.META_MEMBER).read()
        dump_bytes = tar.extractfile(backup.DUMP_MEMBER).read()
    described = json.loads(meta_bytes)
    if meta:
        meta(described)
    members = {
        backup.META_MEMBER: json.dumps(described).encode(),
        backup.DUMP_MEMBER: dump(dump_bytes) if dump else dump_bytes,
    }
    with tarfile.open(target, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def _no_aside_schema() -> bool:
    return not schema_exists(f"{SCHEMA}{backup.ASIDE_SUFFIX}")


@pytest.mark.django_db  # also makes pytest-django set up the test database for this module
def test_a_file_that_is_not_a_backup_is_refused(tmp_path):
    with pytest.raises(CommandError, match="nowhere.tar does not exist"):
        _restore(tmp_path / "nowhere.tar", "--replace")

    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(b"this is not a backup" * 100)
    with pytest.raises(CommandError, match="not a township backup or is damaged"):
        _restore(garbage, "--replace")

    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        for name in (backup.META_MEMBER, backup.DUMP_MEMBER):
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"{}"))
    with pytest.raises(CommandError, match="not a township backup .*description is incomplete"):
        _restore(foreign, "--replace")


def test_round_trip_brings_every_row_back(db_on, tmp_path, capsys):
    township = db_on
    before = _state(township)
    assert len(before["households"]) == 10 and len(before["entries"]) == 10

    path = _backup(tmp_path)
    out = capsys.readouterr()
    assert f"Backed up 备份镇 ({CODE}), schema {SCHEMA}:" in out.out
    assert f"{len(before['counts'])} tables" in out.out
    assert "dumped" in out.err  # progress
    with tarfile.open(path) as tar:
        assert set(tar.getnames()) == {backup.META_MEMBER, backup.DUMP_MEMBER}
        meta = json.loads(tar.extractfile(backup.META_MEMBER).read())
    assert meta["code"] == CODE and meta["schema"] == SCHEMA
    assert meta["tables"] == before["counts"]
    assert meta["plugins"][0]["plugin"] == "garbage_sorting"
    assert meta["plugins"][0]["settings"] == GARBAGE
    assert ["households", "0001_initial"] in meta["migrations"]

    # The township goes on working: rows change, disappear and appear.
    with tenant_context(township):
        Rule.objects.filter(code="BK-02").delete()
        Household.objects.filter(code="B1-0002").update(head_name="改过", members=9)
        record_entry(
            household=Household.objects.get(code="B0-0001"),
            rule=Rule.objects.get(code="BK-01"),
            occurred_on=dt.date(2025, 2, 1),
            recorder=CLERK,
            source="staff",
            evidence="after the backup",
        )
        village = households.create_village(code="NEW", name="新村")
        households.create_household(code="NEW-0001", village=village, head_name="新户")
    PluginActivation.objects.filter(township=township).update(settings={"record_correct": False})
    assert _state(township) != before

    _restore(path, "--replace")
    out = capsys.readouterr()
    assert f"Restored 备份镇 ({CODE}) into schema {SCHEMA}" in out.out
    assert "replaced the previous data" in out.out
    assert "pending" not in out.out  # the backup is at the code's migrations
    assert _state(township) == before
    assert PluginActivation.objects.get(township=township).settings == GARBAGE
    assert _no_aside_schema()

    # Sequences came back too: a new row does not collide with a restored one.
    with tenant_context(township):
        village = Village.objects.get(code="B0")
        created = households.create_household(code="B0-9999", village=village, head_name="新户")
        assert created.pk > max(h["id"] for h in before["households"])
        created.delete()


def test_existing_schema_is_kept_without_replace(db_on, tmp_path):
    path = _backup(tmp_path)
    with tenant_context(db_on):
        Household.objects.filter(code="B0-0000").update(head_name="备份后改")
    try:
        with pytest.raises(CommandError, match=f"{SCHEMA} of 备份镇 .* already exists.*--replace"):
            _restore(path)
        with tenant_context(db_on):
            assert Household.objects.get(code="B0-0000").head_name == "备份后改"
    finally:
        _restore(path, "--replace")


def test_backup_of_another_township_is_refused(db_on, tmp_path):
    path = _backup(tmp_path)
    with pytest.raises(CommandError, match=f"backup of township {CODE} .*not of 330502901"):
        _restore(path, "--replace", code="330502901")


def test_missing_and_damaged_files_are_refused(db_on, tmp_path):
    before = _state(db_on)
    path = _backup(tmp_path)
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CommandError, match="damaged"):
        _restore(truncated, "--replace")

    def flip(data: bytes) -> bytes:
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]

    flipped = _rewrite(path, tmp_path / "flipped.tar", dump=flip)
    with pytest.raises(CommandError, match="does not match the checksum"):
        _restore(flipped, "--replace")

    assert _state(db_on) == before
    assert _no_aside_schema()


def test_a_restore_that_fails_midway_leaves_the_current_data(db_on, tmp_path):
    """The dump restores, but a check fails at the end: everything is rolled back."""
    path = _backup(tmp_path)
    with tenant_context(db_on):
        Household.objects.filter(code="B1-0004").update(head_name="当前数据")
    before = _state(db_on)

    def wrong_count(meta):
        meta["tables"]["households_household"] += 1

    bad = _rewrite(path, tmp_path / "bad.tar", meta=wrong_count)
    with pytest.raises(CommandError, match="rolled back.*households_household has 10 rows"):
        _restore(bad, "--replace")
    assert _state(db_on) == before
    assert _no_aside_schema()
    _restore(path, "--replace")


def test_backup_from_newer_code_is_refused_and_older_one_reports_pending(db_on, tmp_path):
    path = _backup(tmp_path)

    def future(meta):
        meta["migrations"].append(["households", "9999_from_the_future"])

    newer = _rewrite(path, tmp_path / "newer.tar", meta=future)
    with pytest.raises(CommandError, match="newer version.*households.9999_from_the_future"):
        _restore(newer, "--replace")

    def past(meta):
        meta["migrations"] = [m for m in meta["migrations"] if m[0] != "publication"]

    older = _rewrite(path, tmp_path / "older.tar", meta=past)
    out = io.StringIO()
    call_command("restore_township", "--township", CODE, str(older), "--replace", stdout=out)
    assert "pending" in out.getvalue()
    assert f"migrate_schemas --schema {SCHEMA}" in out.getvalue()
    assert "publication." in out.getvalue()


def test_deleted_township_is_recreated_from_its_backup(db_on, tmp_path):
    before = _state(db_on)
    domains = sorted(Domain.objects.filter(tenant=db_on).values_list("domain", flat=True))
    path = _backup(tmp_path)

    _remove_township()
    assert not Township.objects.filter(code=CODE).exists()
    with pytest.raises(CommandError, match="no township"):
        call_command("backup_township", "--township", CODE, str(tmp_path / "x.tar"))

    _restore(path)
    township = Township.objects.get(code=CODE)
    assert (township.name, township.slug, township.schema_name) == ("备份镇", SLUG, SCHEMA)
    assert sorted(Domain.objects.filter(tenant=township).values_list("domain", flat=True)) == (
        domains
    )
    assert PluginActivation.objects.get(township=township).settings == GARBAGE
    assert _state(township) == before


def test_backup_refuses_to_overwrite_a_file(db_on, tmp_path):
    path = _backup(tmp_path)
    with pytest.raises(CommandError, match="already exists.*--overwrite"):
        _backup(tmp_path)
    call_command("backup_township", "--township", CODE, str(path), "--overwrite")
    assert backup.read_metadata(path)["code"] == CODE
