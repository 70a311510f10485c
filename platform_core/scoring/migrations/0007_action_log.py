"""The action log of the township's schema (django-pghistory): event tables and triggers.

Covenant versions, terms, caps, rules, objections and repair applications: every
insert, update and delete. Ledger entries: only an UPDATE that changes the status
(no trigger fires on INSERT, so imports cost nothing more). The event tables are
append-only (a pgtrigger Protect trigger refuses UPDATE and DELETE). The ledger
guard of 0002/0006 is unchanged: the new triggers run AFTER the row is written and
never change it.
"""

import django.db.models.deletion
import pghistory.utils
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models

import platform_core.scoring.models


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0002_field_labels"),
        ("scoring", "0006_due_process"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CapEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                (
                    "category",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("garbage_sorting", "Garbage sorting"),
                            ("customs_reform", "Customs reform"),
                            ("public_safety", "Public safety"),
                            ("volunteering", "Volunteering"),
                            ("mutual_aid", "Mutual aid"),
                            ("prohibition", "Seven prohibitions"),
                            ("other", "Other"),
                        ],
                        max_length=32,
                        verbose_name="category",
                    ),
                ),
                (
                    "period",
                    models.CharField(
                        choices=[("month", "per month"), ("year", "per year")],
                        max_length=8,
                        verbose_name="period",
                    ),
                ),
                ("limit", models.IntegerField(verbose_name="limit (points)")),
            ],
            options={
                "verbose_name": "action log: caps",
                "verbose_name_plural": "action log: caps",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="CovenantTermEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("points", models.IntegerField(verbose_name="points")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "action log: covenant terms",
                "verbose_name_plural": "action log: covenant terms",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="CovenantVersionEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("number", models.PositiveIntegerField(verbose_name="version")),
                ("title", models.CharField(max_length=200, verbose_name="title")),
                ("effective_from", models.DateField(verbose_name="effective from")),
                (
                    "meeting_date",
                    models.DateField(blank=True, null=True, verbose_name="village meeting date"),
                ),
                (
                    "attendance",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="attendance"),
                ),
                (
                    "votes_for",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="votes for"),
                ),
                (
                    "votes_against",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="votes against"
                    ),
                ),
                (
                    "votes_abstaining",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="abstentions"),
                ),
                (
                    "minutes",
                    models.FileField(
                        blank=True,
                        max_length=200,
                        upload_to=platform_core.scoring.models.minutes_path,
                        verbose_name="minutes",
                    ),
                ),
                ("note", models.TextField(blank=True, verbose_name="note")),
                ("recorded_by_label", models.CharField(max_length=150, verbose_name="recorded by")),
                (
                    "recorded_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="recorded at"),
                ),
            ],
            options={
                "verbose_name": "action log: covenant versions",
                "verbose_name_plural": "action log: covenant versions",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="EntryStatusEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("points", models.IntegerField(verbose_name="points")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("proposed", "Proposed"),
                            ("approved", "Approved"),
                            ("rejected", "Rejected"),
                            ("reversed", "Reversed"),
                            ("repaired", "Repaired"),
                        ],
                        default="proposed",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "reviewed_by_label",
                    models.CharField(blank=True, max_length=150, verbose_name="reviewed by"),
                ),
                ("review_note", models.TextField(blank=True, verbose_name="review note")),
            ],
            options={
                "verbose_name": "action log: ledger entry status",
                "verbose_name_plural": "action log: ledger entry status",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ObjectionEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("reason", models.TextField(verbose_name="reason")),
                ("filed_by_label", models.CharField(max_length=150, verbose_name="filed by")),
                (
                    "on_behalf",
                    models.BooleanField(
                        default=False, verbose_name="filed by staff on the household's behalf"
                    ),
                ),
                ("filed_at", models.DateTimeField(auto_now_add=True, verbose_name="filed at")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("upheld", "Upheld"),
                            ("dismissed", "Dismissed"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "decided_by_label",
                    models.CharField(blank=True, max_length=150, verbose_name="decided by"),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
                ),
                ("decision_reason", models.TextField(blank=True, verbose_name="decision reason")),
                ("answer_due", models.DateField(blank=True, null=True, verbose_name="answer due")),
                (
                    "escalated_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="escalated at"),
                ),
                (
                    "answers_notice",
                    models.BooleanField(default=False, verbose_name="answer to a notice"),
                ),
            ],
            options={
                "verbose_name": "action log: objections",
                "verbose_name_plural": "action log: objections",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RepairApplicationEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("rectification", "Rectification"),
                            ("volunteering", "Volunteering hours"),
                            ("other", "Other corrective action"),
                        ],
                        max_length=20,
                        verbose_name="corrective action",
                    ),
                ),
                (
                    "hours",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="volunteering hours"
                    ),
                ),
                ("evidence", models.TextField(verbose_name="evidence")),
                ("applied_by_label", models.CharField(max_length=150, verbose_name="applied by")),
                ("applied_at", models.DateTimeField(auto_now_add=True, verbose_name="applied at")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("granted", "Granted"),
                            ("refused", "Refused"),
                        ],
                        default="pending",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "decided_by_label",
                    models.CharField(blank=True, max_length=150, verbose_name="decided by"),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="decided at"),
                ),
                ("decision_reason", models.TextField(blank=True, verbose_name="decision reason")),
            ],
            options={
                "verbose_name": "action log: credit repair applications",
                "verbose_name_plural": "action log: credit repair applications",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RuleEvent",
            fields=[
                ("pgh_id", models.AutoField(primary_key=True, serialize=False)),
                ("pgh_created_at", models.DateTimeField(auto_now_add=True)),
                ("pgh_label", models.TextField(help_text="The event label.")),
                ("pgh_context", pghistory.utils.JSONField(null=True)),
                ("pgh_context_id", models.UUIDField(null=True)),
                ("id", models.BigIntegerField()),
                ("code", models.CharField(max_length=40, verbose_name="code")),
                ("title_zh", models.CharField(max_length=200, verbose_name="title (Chinese)")),
                ("title_en", models.CharField(max_length=200, verbose_name="title (English)")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("garbage_sorting", "Garbage sorting"),
                            ("customs_reform", "Customs reform"),
                            ("public_safety", "Public safety"),
                            ("volunteering", "Volunteering"),
                            ("mutual_aid", "Mutual aid"),
                            ("prohibition", "Seven prohibitions"),
                            ("other", "Other"),
                        ],
                        max_length=32,
                        verbose_name="category",
                    ),
                ),
                ("points", models.IntegerField(verbose_name="points")),
                ("needs_review", models.BooleanField(default=True, verbose_name="needs review")),
                (
                    "plugin",
                    models.CharField(
                        blank=True, default="", max_length=64, verbose_name="supplied by plugin"
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "basis",
                    models.CharField(
                        blank=True,
                        help_text="Covenant clause, law or document number; required for deductions.",
                        max_length=300,
                        verbose_name="legal basis",
                    ),
                ),
                (
                    "immediate",
                    models.BooleanField(
                        default=False,
                        help_text="Only with a basis that allows it, written in the legal basis.",
                        verbose_name="counts at once (no response window)",
                    ),
                ),
                (
                    "requires_finding",
                    models.BooleanField(
                        default=False,
                        help_text="Recorded only with the finding's authority, document number and date.",
                        verbose_name="needs a formal finding",
                    ),
                ),
            ],
            options={
                "verbose_name": "action log: covenant rules",
                "verbose_name_plural": "action log: covenant rules",
                "ordering": ["-pgh_id"],
                "abstract": False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cap",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_capevent" ("category", "id", "limit", "period", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "rule_id", "version_id") VALUES (NEW."category", NEW."id", NEW."limit", NEW."period", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."rule_id", NEW."version_id"); RETURN NULL;',
                    hash="7db83806a5cc90ffc5ee00f6636522388e5a873c",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_b9fd5",
                    table="scoring_cap",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cap",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "scoring_capevent" ("category", "id", "limit", "period", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "rule_id", "version_id") VALUES (NEW."category", NEW."id", NEW."limit", NEW."period", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."rule_id", NEW."version_id"); RETURN NULL;',
                    hash="0232e56f05797b02e098c47175ecbc1a40495127",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_f9545",
                    table="scoring_cap",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="cap",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_capevent" ("category", "id", "limit", "period", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "rule_id", "version_id") VALUES (OLD."category", OLD."id", OLD."limit", OLD."period", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."rule_id", OLD."version_id"); RETURN NULL;',
                    hash="746a66a646346a878e49bb0b8a8d19eec9fbf7a1",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_8da80",
                    table="scoring_cap",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenantterm",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_covenanttermevent" ("active", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "points", "rule_id", "version_id") VALUES (NEW."active", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."points", NEW."rule_id", NEW."version_id"); RETURN NULL;',
                    hash="bebd5bd482ceb7c6cc75762d03a5f71beb4956e8",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_8e316",
                    table="scoring_covenantterm",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenantterm",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "scoring_covenanttermevent" ("active", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "points", "rule_id", "version_id") VALUES (NEW."active", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."points", NEW."rule_id", NEW."version_id"); RETURN NULL;',
                    hash="258e7b0b73de0898cebb2cf0f794c45b8ef3380d",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_f23da",
                    table="scoring_covenantterm",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenantterm",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_covenanttermevent" ("active", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "points", "rule_id", "version_id") VALUES (OLD."active", OLD."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."points", OLD."rule_id", OLD."version_id"); RETURN NULL;',
                    hash="608a76c078b8560fdaa49b14c086e1ba343b4981",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_72154",
                    table="scoring_covenantterm",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenantversion",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_covenantversionevent" ("attendance", "effective_from", "id", "meeting_date", "minutes", "note", "number", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_at", "recorded_by_id", "recorded_by_label", "title", "village_id", "votes_abstaining", "votes_against", "votes_for") VALUES (NEW."attendance", NEW."effective_from", NEW."id", NEW."meeting_date", NEW."minutes", NEW."note", NEW."number", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."recorded_at", NEW."recorded_by_id", NEW."recorded_by_label", NEW."title", NEW."village_id", NEW."votes_abstaining", NEW."votes_against", NEW."votes_for"); RETURN NULL;',
                    hash="52a9b2131d98549e99a95f06e7478eac8b512578",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_89729",
                    table="scoring_covenantversion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenantversion",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "scoring_covenantversionevent" ("attendance", "effective_from", "id", "meeting_date", "minutes", "note", "number", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_at", "recorded_by_id", "recorded_by_label", "title", "village_id", "votes_abstaining", "votes_against", "votes_for") VALUES (NEW."attendance", NEW."effective_from", NEW."id", NEW."meeting_date", NEW."minutes", NEW."note", NEW."number", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."recorded_at", NEW."recorded_by_id", NEW."recorded_by_label", NEW."title", NEW."village_id", NEW."votes_abstaining", NEW."votes_against", NEW."votes_for"); RETURN NULL;',
                    hash="2b69b99d6905996f5e526f5367d4af8af11d856c",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_09995",
                    table="scoring_covenantversion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenantversion",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_covenantversionevent" ("attendance", "effective_from", "id", "meeting_date", "minutes", "note", "number", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "recorded_at", "recorded_by_id", "recorded_by_label", "title", "village_id", "votes_abstaining", "votes_against", "votes_for") VALUES (OLD."attendance", OLD."effective_from", OLD."id", OLD."meeting_date", OLD."minutes", OLD."note", OLD."number", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."recorded_at", OLD."recorded_by_id", OLD."recorded_by_label", OLD."title", OLD."village_id", OLD."votes_abstaining", OLD."votes_against", OLD."votes_for"); RETURN NULL;',
                    hash="e6585aba2a4aeec53c9a27654ea3c04506bd6690",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_87d08",
                    table="scoring_covenantversion",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="objection",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_objectionevent" ("answer_due", "answers_notice", "compensating_entry_id", "decided_at", "decided_by_id", "decided_by_label", "decision_reason", "entry_id", "escalated_at", "filed_at", "filed_by_id", "filed_by_label", "id", "on_behalf", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "status") VALUES (NEW."answer_due", NEW."answers_notice", NEW."compensating_entry_id", NEW."decided_at", NEW."decided_by_id", NEW."decided_by_label", NEW."decision_reason", NEW."entry_id", NEW."escalated_at", NEW."filed_at", NEW."filed_by_id", NEW."filed_by_label", NEW."id", NEW."on_behalf", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."reason", NEW."status"); RETURN NULL;',
                    hash="403477103494f5e8394bc0947be05731955c7a8c",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_68cf0",
                    table="scoring_objection",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="objection",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "scoring_objectionevent" ("answer_due", "answers_notice", "compensating_entry_id", "decided_at", "decided_by_id", "decided_by_label", "decision_reason", "entry_id", "escalated_at", "filed_at", "filed_by_id", "filed_by_label", "id", "on_behalf", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "status") VALUES (NEW."answer_due", NEW."answers_notice", NEW."compensating_entry_id", NEW."decided_at", NEW."decided_by_id", NEW."decided_by_label", NEW."decision_reason", NEW."entry_id", NEW."escalated_at", NEW."filed_at", NEW."filed_by_id", NEW."filed_by_label", NEW."id", NEW."on_behalf", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."reason", NEW."status"); RETURN NULL;',
                    hash="54b8b40c002675c32c57af4f531ce520ea15022a",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_418d9",
                    table="scoring_objection",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="objection",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_objectionevent" ("answer_due", "answers_notice", "compensating_entry_id", "decided_at", "decided_by_id", "decided_by_label", "decision_reason", "entry_id", "escalated_at", "filed_at", "filed_by_id", "filed_by_label", "id", "on_behalf", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reason", "status") VALUES (OLD."answer_due", OLD."answers_notice", OLD."compensating_entry_id", OLD."decided_at", OLD."decided_by_id", OLD."decided_by_label", OLD."decision_reason", OLD."entry_id", OLD."escalated_at", OLD."filed_at", OLD."filed_by_id", OLD."filed_by_label", OLD."id", OLD."on_behalf", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."reason", OLD."status"); RETURN NULL;',
                    hash="031c32bf5ea1897b87059357cacd20684d6e83b7",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_3f846",
                    table="scoring_objection",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="repairapplication",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_repairapplicationevent" ("action", "applied_at", "applied_by_id", "applied_by_label", "decided_at", "decided_by_id", "decided_by_label", "decision_reason", "entry_id", "evidence", "hours", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "repair_entry_id", "status") VALUES (NEW."action", NEW."applied_at", NEW."applied_by_id", NEW."applied_by_label", NEW."decided_at", NEW."decided_by_id", NEW."decided_by_label", NEW."decision_reason", NEW."entry_id", NEW."evidence", NEW."hours", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."repair_entry_id", NEW."status"); RETURN NULL;',
                    hash="870a63c0d8b9e37351bb55a0908a8dd503c77f9a",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_dbe5b",
                    table="scoring_repairapplication",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="repairapplication",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN (OLD.* IS DISTINCT FROM NEW.*)",
                    func='INSERT INTO "scoring_repairapplicationevent" ("action", "applied_at", "applied_by_id", "applied_by_label", "decided_at", "decided_by_id", "decided_by_label", "decision_reason", "entry_id", "evidence", "hours", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "repair_entry_id", "status") VALUES (NEW."action", NEW."applied_at", NEW."applied_by_id", NEW."applied_by_label", NEW."decided_at", NEW."decided_by_id", NEW."decided_by_label", NEW."decision_reason", NEW."entry_id", NEW."evidence", NEW."hours", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."repair_entry_id", NEW."status"); RETURN NULL;',
                    hash="98c6db90e44dca19b71c90ab52b1bafd008d0323",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_dab40",
                    table="scoring_repairapplication",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="repairapplication",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_repairapplicationevent" ("action", "applied_at", "applied_by_id", "applied_by_label", "decided_at", "decided_by_id", "decided_by_label", "decision_reason", "entry_id", "evidence", "hours", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "repair_entry_id", "status") VALUES (OLD."action", OLD."applied_at", OLD."applied_by_id", OLD."applied_by_label", OLD."decided_at", OLD."decided_by_id", OLD."decided_by_label", OLD."decision_reason", OLD."entry_id", OLD."evidence", OLD."hours", OLD."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."repair_entry_id", OLD."status"); RETURN NULL;',
                    hash="97347ecf868181636e2d2daa801b94fd4e41aac9",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_1fa25",
                    table="scoring_repairapplication",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="rule",
            trigger=pgtrigger.compiler.Trigger(
                name="insert_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_ruleevent" ("active", "basis", "category", "code", "id", "immediate", "needs_review", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plugin", "points", "requires_finding", "title_en", "title_zh", "village_id") VALUES (NEW."active", NEW."basis", NEW."category", NEW."code", NEW."id", NEW."immediate", NEW."needs_review", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'insert\', NEW."id", NEW."plugin", NEW."points", NEW."requires_finding", NEW."title_en", NEW."title_zh", NEW."village_id"); RETURN NULL;',
                    hash="ec1d25d844df62736a2dc706bcb60052d65eef65",
                    operation="INSERT",
                    pgid="pgtrigger_insert_insert_4dc43",
                    table="scoring_rule",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="rule",
            trigger=pgtrigger.compiler.Trigger(
                name="update_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."active" IS DISTINCT FROM (NEW."active") OR OLD."basis" IS DISTINCT FROM (NEW."basis") OR OLD."category" IS DISTINCT FROM (NEW."category") OR OLD."code" IS DISTINCT FROM (NEW."code") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."immediate" IS DISTINCT FROM (NEW."immediate") OR OLD."needs_review" IS DISTINCT FROM (NEW."needs_review") OR OLD."plugin" IS DISTINCT FROM (NEW."plugin") OR OLD."points" IS DISTINCT FROM (NEW."points") OR OLD."requires_finding" IS DISTINCT FROM (NEW."requires_finding") OR OLD."title_en" IS DISTINCT FROM (NEW."title_en") OR OLD."title_zh" IS DISTINCT FROM (NEW."title_zh") OR OLD."village_id" IS DISTINCT FROM (NEW."village_id"))',
                    func='INSERT INTO "scoring_ruleevent" ("active", "basis", "category", "code", "id", "immediate", "needs_review", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plugin", "points", "requires_finding", "title_en", "title_zh", "village_id") VALUES (NEW."active", NEW."basis", NEW."category", NEW."code", NEW."id", NEW."immediate", NEW."needs_review", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'update\', NEW."id", NEW."plugin", NEW."points", NEW."requires_finding", NEW."title_en", NEW."title_zh", NEW."village_id"); RETURN NULL;',
                    hash="40aa7276876a9c0622141458f894f5486c7287cb",
                    operation="UPDATE",
                    pgid="pgtrigger_update_update_51dff",
                    table="scoring_rule",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="rule",
            trigger=pgtrigger.compiler.Trigger(
                name="delete_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func='INSERT INTO "scoring_ruleevent" ("active", "basis", "category", "code", "id", "immediate", "needs_review", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "plugin", "points", "requires_finding", "title_en", "title_zh", "village_id") VALUES (OLD."active", OLD."basis", OLD."category", OLD."code", OLD."id", OLD."immediate", OLD."needs_review", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'delete\', OLD."id", OLD."plugin", OLD."points", OLD."requires_finding", OLD."title_en", OLD."title_zh", OLD."village_id"); RETURN NULL;',
                    hash="40fee61a6cfca7c4a065e050904d91a6db7fe80d",
                    operation="DELETE",
                    pgid="pgtrigger_delete_delete_b9e27",
                    table="scoring_rule",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="scoreevent",
            trigger=pgtrigger.compiler.Trigger(
                name="status_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition='WHEN (OLD."status" IS DISTINCT FROM (NEW."status"))',
                    func='INSERT INTO "scoring_entrystatusevent" ("household_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "points", "review_note", "reviewed_by_label", "rule_id", "status") VALUES (NEW."household_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, clock_timestamp(), \'status\', NEW."id", NEW."points", NEW."review_note", NEW."reviewed_by_label", NEW."rule_id", NEW."status"); RETURN NULL;',
                    hash="58965cfd387d3b4680f0fbce547fc5760b63cf5e",
                    operation="UPDATE",
                    pgid="pgtrigger_status_update_2f976",
                    table="scoring_scoreevent",
                    when="AFTER",
                ),
            ),
        ),
        migrations.AddField(
            model_name="capevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="scoring.cap",
            ),
        ),
        migrations.AddField(
            model_name="capevent",
            name="rule",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.rule",
                verbose_name="covenant rule",
            ),
        ),
        migrations.AddField(
            model_name="capevent",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.covenantversion",
                verbose_name="covenant version",
            ),
        ),
        migrations.AddField(
            model_name="covenanttermevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="scoring.covenantterm",
            ),
        ),
        migrations.AddField(
            model_name="covenanttermevent",
            name="rule",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.rule",
                verbose_name="covenant rule",
            ),
        ),
        migrations.AddField(
            model_name="covenanttermevent",
            name="version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.covenantversion",
                verbose_name="covenant version",
            ),
        ),
        migrations.AddField(
            model_name="covenantversionevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="scoring.covenantversion",
            ),
        ),
        migrations.AddField(
            model_name="covenantversionevent",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recorded by (account)",
            ),
        ),
        migrations.AddField(
            model_name="covenantversionevent",
            name="village",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="households.village",
                verbose_name="village (empty: the township covenant)",
            ),
        ),
        migrations.AddField(
            model_name="entrystatusevent",
            name="household",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="households.household",
                verbose_name="household",
            ),
        ),
        migrations.AddField(
            model_name="entrystatusevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="household_rule_points_status_reviewed_by_label_review_note_events",
                to="scoring.scoreevent",
            ),
        ),
        migrations.AddField(
            model_name="entrystatusevent",
            name="rule",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.rule",
                verbose_name="rule",
            ),
        ),
        migrations.AddField(
            model_name="objectionevent",
            name="compensating_entry",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.scoreevent",
                verbose_name="compensating entry",
            ),
        ),
        migrations.AddField(
            model_name="objectionevent",
            name="decided_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by (account)",
            ),
        ),
        migrations.AddField(
            model_name="objectionevent",
            name="entry",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.scoreevent",
                verbose_name="ledger entry",
            ),
        ),
        migrations.AddField(
            model_name="objectionevent",
            name="filed_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="filed by (account)",
            ),
        ),
        migrations.AddField(
            model_name="objectionevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="scoring.objection",
            ),
        ),
        migrations.AddField(
            model_name="repairapplicationevent",
            name="applied_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="applied by (account)",
            ),
        ),
        migrations.AddField(
            model_name="repairapplicationevent",
            name="decided_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by (account)",
            ),
        ),
        migrations.AddField(
            model_name="repairapplicationevent",
            name="entry",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.scoreevent",
                verbose_name="ledger entry",
            ),
        ),
        migrations.AddField(
            model_name="repairapplicationevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="scoring.repairapplication",
            ),
        ),
        migrations.AddField(
            model_name="repairapplicationevent",
            name="repair_entry",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="scoring.scoreevent",
                verbose_name="repair entry",
            ),
        ),
        migrations.AddField(
            model_name="ruleevent",
            name="pgh_obj",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="events",
                to="scoring.rule",
            ),
        ),
        migrations.AddField(
            model_name="ruleevent",
            name="village",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                related_query_name="+",
                to="households.village",
                verbose_name="only in village",
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="capevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="244f1bf4ab344c5b2bd4f2332a49cb895e784ab3",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_d9aac",
                    table="scoring_capevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenanttermevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="e5acf512514fb0f38b54c172567be7d397966656",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_63966",
                    table="scoring_covenanttermevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="covenantversionevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="15382d3b373947b98b09f50c22d428c735b5e1ee",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_aa698",
                    table="scoring_covenantversionevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="entrystatusevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="96cb4f6d23e57664875cd7336d902ab4b4985ace",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_408b9",
                    table="scoring_entrystatusevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="objectionevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="67401256e2b02c698d50ebf1005299d3947cc02a",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_2312a",
                    table="scoring_objectionevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="repairapplicationevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="880b18761976469279818711dc904b863d4300db",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_dc8e7",
                    table="scoring_repairapplicationevent",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="ruleevent",
            trigger=pgtrigger.compiler.Trigger(
                name="append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="3ff322782577f8803f25e51c9c9c0fb1e54fe052",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_append_only_c48aa",
                    table="scoring_ruleevent",
                    when="BEFORE",
                ),
            ),
        ),
    ]
