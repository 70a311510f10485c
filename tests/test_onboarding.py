"""Onboarding creates schema, domain, plugins and admin atomically, or nothing at all."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists

from platform_core.accounts.models import Membership, Role
from platform_core.actors import Actor
from platform_core.households.models import Household
from platform_core.townships import services
from platform_core.townships.services import OnboardingError, onboard_township
from tenants.models import County, Domain, PluginActivation, Township

pytestmark = pytest.mark.django_db


def _tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema]
        )
        return {row[0] for row in cursor.fetchall()}


def test_onboarding_creates_schema_domain_and_admin():
    result = onboard_township(
        code="330502103",
        name="洪桥镇",
        slug="hongqiao",
        admin_email="Admin@Hongqiao.cn",
        by=Actor.cli(),
    )

    township = Township.objects.get(code="330502103")
    assert township.schema_name == "t_330502103"
    assert township.county.code == "330502"
    assert schema_exists("t_330502103")
    assert {"households_household", "households_village", "django_migrations"} <= _tables(
        "t_330502103"
    )
    assert Domain.objects.get(tenant=township).domain == "hongqiao.localhost"
    admin = get_user_model().objects.get(username="admin@hongqiao.cn")
    assert admin.check_password(result.admin_password)
    assert Membership.objects.filter(
        user=admin, township=township, role=Role.TOWNSHIP_ADMIN
    ).exists()


def test_cloned_schema_is_fully_migrated_and_empty(in_township):
    onboard_township(code="330502105", name="新镇", by=Actor.cli())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t_330502105.django_migrations")
        cloned = cursor.fetchone()[0]
        cursor.execute(f"SELECT count(*) FROM {services.template_schema()}.django_migrations")
        template = cursor.fetchone()[0]
    assert cloned == template > 0
    with in_township(Township.objects.get(code="330502105")):
        assert Household.objects.count() == 0


def test_cli_onboards_and_refuses_a_duplicate_code(capsys):
    call_command(
        "onboard_township", "--code", "330502106", "--name", "东镇", "--admin-email", "a@dong.cn"
    )
    out = capsys.readouterr().out
    assert "Onboarded 东镇 (330502106)" in out
    assert "password" in out

    with pytest.raises(CommandError, match="330502106 already exists"):
        call_command("onboard_township", "--code", "330502106", "--name", "东镇")
    assert Township.objects.filter(code="330502106").count() == 1


@pytest.mark.parametrize("code", ["12345", "33050210X", "3305021030", ""])
def test_malformed_code_is_rejected_and_nothing_created(code):
    before = (Township.objects.count(), County.objects.count(), Domain.objects.count())
    with pytest.raises(OnboardingError, match="9-digit administrative division code"):
        onboard_township(code=code, name="坏镇", by=Actor.cli())
    assert (Township.objects.count(), County.objects.count(), Domain.objects.count()) == before


def test_failure_midway_leaves_no_half_made_township(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_grant_admin", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        onboard_township(code="330502107", name="半镇", admin_email="x@ban.cn", by=Actor.cli())

    assert not Township.objects.filter(code="330502107").exists()
    assert not Domain.objects.filter(domain="330502107.localhost").exists()
    assert not County.objects.filter(code="330502").exclude(townships__isnull=False).exists()
    assert not schema_exists("t_330502107")
    assert not PluginActivation.objects.filter(township__code="330502107").exists()


def test_unknown_plugin_is_refused_with_its_name():
    with pytest.raises(OnboardingError, match="Unknown plugin.*no_such_plugin"):
        onboard_township(code="330502108", name="插镇", plugins=["no_such_plugin"], by=Actor.cli())
    assert not schema_exists("t_330502108")


def test_bad_admin_email_is_refused_before_anything_is_written():
    with pytest.raises(OnboardingError, match="not a valid address"):
        onboard_township(code="330502109", name="邮镇", admin_email="not-an-email", by=Actor.cli())
    assert not Township.objects.filter(code="330502109").exists()


def test_taken_domain_is_refused(township_a):
    taken = township_a.domains.first().domain
    with pytest.raises(OnboardingError, match="already belongs to another township"):
        onboard_township(code="330502110", name="重镇", domain=taken, by=Actor.cli())


def test_migrate_schemas_keeps_the_template_current():
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {services.template_schema()}.django_migrations WHERE app = 'publication'"
        )
        for table in ("publication_boardentry", "publication_honourboard"):
            cursor.execute(f"DROP TABLE {services.template_schema()}.{table} CASCADE")
        cursor.execute(f"DROP FUNCTION {services.template_schema()}.publication_board_guard()")
    call_command("migrate_schemas", "--noinput", verbosity=0)
    assert "publication_honourboard" in _tables(services.template_schema())


def test_template_ddl_is_read_with_pg_dump_not_the_slow_fallback():
    from tenants import cloning

    cloning.forget()
    copy = cloning._template_copy(services.template_schema())
    assert copy is not None, "pg_dump could not read the template; onboarding fell back"
    assert "CREATE TABLE" in copy.ddl and services.template_schema() not in copy.ddl
    assert "django_migrations" in copy.tables_with_rows


def test_ids_in_a_cloned_schema_continue_after_the_template_rows(in_township):
    """A clone copies the template's rows (its migration records, the default covenant)
    and must move each identity sequence past them, or the first insert clashes."""
    from django.db.migrations.recorder import MigrationRecorder

    from tenants import cloning

    template = services.template_schema()
    copied = cloning._template_copy(template)
    assert copied is not None and ("django_migrations", "id") in copied.identity_columns
    onboard_township(code="330502111", name="序镇", schema_method="clone", by=Actor.cli())
    schema = Township.objects.get(code="330502111").schema_name
    with connection.cursor() as cursor:
        for table, column in copied.identity_columns:
            cursor.execute(f"SELECT coalesce(max({column}), 0) FROM {template}.{table}")
            highest = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{schema}.{table}', '{column}'))"
            )
            assert cursor.fetchone()[0] > highest, f"{table}.{column} restarts inside the copy"
    with in_township(Township.objects.get(code="330502111")):
        highest = MigrationRecorder.Migration.objects.order_by("-id").values_list("id", flat=True)[
            0
        ]
        added = MigrationRecorder.Migration.objects.create(app="x", name="y")  # no id clash
        assert added.id > highest
