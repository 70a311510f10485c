"""The action log of memberships (django-pghistory): who granted, changed or revoked a role;
an append-only event table filled by triggers."""

import django.db.models.deletion
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_county_scope"),
        ("tenants", "0008_action_log"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MembershipEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("county_admin", "County administrator"),
                            ("township_admin", "Township administrator"),
                            ("village_committee", "Village committee"),
                            ("council_member", "Harmony council member"),
                            ("party_member", "Party-member evaluator"),
                            ("group_leader", "Group-leader evaluator"),
                            ("grid_worker", "Grid worker"),
                            ("alliance_member", "Alliance member"),
                            ("household", "Household"),
                        ],
                        max_length=32,
                        verbose_name="role",
                    ),
                ),
                (
                    "village_code",
                    models.CharField(blank=True, max_length=32, verbose_name="village scope"),
                ),
                (
                    "household_code",
                    models.CharField(
                        blank=True,
                        help_text="For the household role: the code of the household this person speaks for.",
                        max_length=32,
                        verbose_name="household",
                    ),
                ),
                (
                    "alliance_member_code",
                    models.CharField(
                        blank=True,
                        help_text="For the alliance member role: the code of the bank, shop or firm.",
                        max_length=32,
                        verbose_name="alliance institution",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
            ],
            options={
                "verbose_name": "action log: memberships",
                "verbose_name_plural": "action log: memberships",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="membership",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "accounts_membershipevent" ("alliance_member_code", "county_id", "created_at", "household_code", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "township_id", "user_id", "village_code") VALUES (NEW."alliance_member_code", NEW."county_id", NEW."created_at", NEW."household_code", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."role", NEW."township_id", NEW."user_id", NEW."village_code"); RETURN NULL;',
                    hash="2b38be47f855218e480151f526138464de79b3f1",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_fc05a",
                    table="accounts_membership",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="membership",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "accounts_membershipevent" ("alliance_member_code", "county_id", "created_at", "household_code", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "township_id", "user_id", "village_code") VALUES (NEW."alliance_member_code", NEW."county_id", NEW."created_at", NEW."household_code", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."role", NEW."township_id", NEW."user_id", NEW."village_code"); RETURN NULL;',
                    hash="aef3e1ae0c37b0fc5154e27a83146842dd4d9672",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_20ab5",
                    table="accounts_membership",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="membership",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "accounts_membershipevent" ("alliance_member_code", "county_id", "created_at", "household_code", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "township_id", "user_id", "village_code") VALUES (OLD."alliance_member_code", OLD."county_id", OLD."created_at", OLD."household_code", OLD."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."role", OLD."township_id", OLD."user_id", OLD."village_code"); RETURN NULL;',
                    hash="e9b9123e886be990019065cc7d6e8dbd11d57a12",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_19a8f",
                    table="accounts_membership",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="membershipevent",
            name="county",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="For the county administrator role: the county administered.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="tenants.county",
                verbose_name="county",
            ),
        ),
        migrations.AddField(
            model_name="membershipevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="accounts.membership",
            ),
        ),
        migrations.AddField(
            model_name="membershipevent",
            name="township",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Empty for county-wide roles.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="tenants.township",
                verbose_name="township",
            ),
        ),
        migrations.AddField(
            model_name="membershipevent",
            name="user",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="membershipevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="e1f05704110766345bef638c18be4307af995a77",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_9ee6c",
                    table="accounts_membershipevent",
                    when="BEFORE",
                ),
            ),
        ),
    ]
