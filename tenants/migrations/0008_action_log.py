"""The action log of the public schema (django-pghistory): township policy changes and
plugin activations, append-only event tables filled by triggers."""

import django.core.validators
import django.db.models.deletion
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0007_due_process"),
    ]

    operations = [
        migrations.CreateModel(
            name="PluginActivationEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("plugin", models.CharField(max_length=64, verbose_name="plugin")),
                ("enabled", models.BooleanField(default=True, verbose_name="enabled")),
                ("settings", models.JSONField(blank=True, default=dict, verbose_name="settings")),
                ("suspended_rules", models.JSONField(blank=True, default=list, editable=False)),
            ],
            options={
                "verbose_name": "action log: plugin activations",
                "verbose_name_plural": "action log: plugin activations",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="TownshipPolicyEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                (
                    "code",
                    models.CharField(
                        max_length=9,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^\\d{9}$",
                                "A township code is the 9-digit administrative division code.",
                            )
                        ],
                        verbose_name="code",
                    ),
                ),
                ("score_base", models.IntegerField(default=100, verbose_name="base score")),
                ("green_above", models.IntegerField(default=100, verbose_name="green above")),
                ("red_below", models.IntegerField(default=100, verbose_name="red below")),
                (
                    "score_window",
                    models.CharField(
                        choices=[
                            ("calendar_year", "Calendar year to date"),
                            ("rolling_12_months", "Rolling 12 months"),
                            ("lifetime", "Lifetime"),
                        ],
                        default="calendar_year",
                        max_length=20,
                        verbose_name="score window",
                    ),
                ),
                (
                    "objection_days",
                    models.PositiveSmallIntegerField(
                        default=15,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(365),
                        ],
                        verbose_name="objection window (days)",
                    ),
                ),
                (
                    "evaluation_day",
                    models.PositiveSmallIntegerField(
                        default=1,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(28),
                        ],
                        verbose_name="monthly evaluation day",
                    ),
                ),
                (
                    "publish_red_on_board",
                    models.BooleanField(
                        default=False, verbose_name="show households to improve on boards"
                    ),
                ),
                (
                    "response_days",
                    models.PositiveSmallIntegerField(
                        default=5,
                        validators=[django.core.validators.MaxValueValidator(60)],
                        verbose_name="response window before a deduction counts (working days)",
                    ),
                ),
                (
                    "posting_days",
                    models.PositiveSmallIntegerField(
                        default=5,
                        validators=[django.core.validators.MaxValueValidator(60)],
                        verbose_name="public posting before a month is finalised (working days)",
                    ),
                ),
                (
                    "objection_answer_days",
                    models.PositiveSmallIntegerField(
                        default=20,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(60),
                        ],
                        verbose_name="objections answered within (working days)",
                    ),
                ),
                (
                    "red_publication_months",
                    models.PositiveSmallIntegerField(
                        default=12,
                        validators=[
                            django.core.validators.MinValueValidator(3),
                            django.core.validators.MaxValueValidator(36),
                        ],
                        verbose_name="households to improve shown on boards for at most (months)",
                    ),
                ),
            ],
            options={
                "verbose_name": "action log: township policy",
                "verbose_name_plural": "action log: township policy",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="pluginactivation",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "tenants_pluginactivationevent" ("enabled", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plugin", "settings", "suspended_rules", "township_id") VALUES (NEW."enabled", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."plugin", NEW."settings", NEW."suspended_rules", NEW."township_id"); RETURN NULL;',
                    hash="f306574d232fb598d75716006e4ebbac2652e1fd",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_9466c",
                    table="tenants_pluginactivation",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="pluginactivation",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."enabled" IS DISTINCT FROM (NEW."enabled") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."plugin" IS DISTINCT FROM (NEW."plugin") OR OLD."settings" IS DISTINCT FROM (NEW."settings") OR OLD."suspended_rules" IS DISTINCT FROM (NEW."suspended_rules") OR OLD."township_id" IS DISTINCT FROM (NEW."township_id"))',
                    func='INSERT INTO "tenants_pluginactivationevent" ("enabled", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plugin", "settings", "suspended_rules", "township_id") VALUES (NEW."enabled", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."plugin", NEW."settings", NEW."suspended_rules", NEW."township_id"); RETURN NULL;',
                    hash="d69eaf2368ef7c67eaf9203e6bc7f239d4bb8f49",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_ada28",
                    table="tenants_pluginactivation",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="pluginactivation",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "tenants_pluginactivationevent" ("enabled", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plugin", "settings", "suspended_rules", "township_id") VALUES (OLD."enabled", OLD."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."plugin", OLD."settings", OLD."suspended_rules", OLD."township_id"); RETURN NULL;',
                    hash="ca416104f70f85cc61412c27da5ed4f8d6b44319",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_603e9",
                    table="tenants_pluginactivation",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="township",
            trigger=pgtrigger.compiler.Trigger(
                name="policy_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."evaluation_day" IS DISTINCT FROM (NEW."evaluation_day") OR OLD."green_above" IS DISTINCT FROM (NEW."green_above") OR OLD."objection_answer_days" IS DISTINCT FROM (NEW."objection_answer_days") OR OLD."objection_days" IS DISTINCT FROM (NEW."objection_days") OR OLD."posting_days" IS DISTINCT FROM (NEW."posting_days") OR OLD."publish_red_on_board" IS DISTINCT FROM (NEW."publish_red_on_board") OR OLD."red_below" IS DISTINCT FROM (NEW."red_below") OR OLD."red_publication_months" IS DISTINCT FROM (NEW."red_publication_months") OR OLD."response_days" IS DISTINCT FROM (NEW."response_days") OR OLD."score_base" IS DISTINCT FROM (NEW."score_base") OR OLD."score_window" IS DISTINCT FROM (NEW."score_window"))',
                    func='INSERT INTO "tenants_townshippolicyevent" ("code", "evaluation_day", "green_above", "objection_answer_days", "objection_days", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "posting_days", "publish_red_on_board", "red_below", "red_publication_months", "response_days", "score_base", "score_window") VALUES (NEW."code", NEW."evaluation_day", NEW."green_above", NEW."objection_answer_days", NEW."objection_days", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'policy\', NEW."id", NEW."posting_days", NEW."publish_red_on_board", NEW."red_below", NEW."red_publication_months", NEW."response_days", NEW."score_base", NEW."score_window"); RETURN NULL;',
                    hash="972a4477ba0cb4cd0f8ea6a223b162edb59da229",
                    operation="UPDATE",
                    pgid="pgtrigger_policy_update_5ac99",
                    table="tenants_township",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="pluginactivationevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="tenants.pluginactivation",
            ),
        ),
        migrations.AddField(
            model_name="pluginactivationevent",
            name="township",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="tenants.township",
                verbose_name="township",
            ),
        ),
        migrations.AddField(
            model_name="townshippolicyevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="code_score_base_green_above_red_below_score_window_objection_days_evaluation_day_publish_red_on_board_response_days_posting_days_objection_answer_days_red_publication_months_events",
                to="tenants.township",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="pluginactivationevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="54fb882c157d87c96c3e2b393b076751647241d6",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_8ee84",
                    table="tenants_pluginactivationevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="townshippolicyevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="357bae22d04e7e62ceacadb70290b2678c19b070",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_7da94",
                    table="tenants_townshippolicyevent",
                    when="BEFORE",
                ),
            ),
        ),
    ]
