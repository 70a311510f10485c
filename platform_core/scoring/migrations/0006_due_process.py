"""Due process: covenant versions, caps, basis, notice windows, repairs, findings.

Besides the new tables and columns: the covenant in force becomes version 1 of
the township covenant (effective since forever, adoption not recorded), every
existing entry is marked as scored under it, the default deduction rules get
their legal basis, and the ledger guard lets an approved entry turn ``repaired``
(only that, once its approved repair entry exists), as it lets one turn
``reversed``.
"""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import platform_core.scoring.models


def adopt_covenant_in_force(apps, schema_editor):
    from platform_core.scoring.covenant import DEFAULT_BASIS, NEEDS_FINDING

    Rule = apps.get_model("scoring", "Rule")
    Version = apps.get_model("scoring", "CovenantVersion")
    Term = apps.get_model("scoring", "CovenantTerm")
    for code, basis in DEFAULT_BASIS.items():
        Rule.objects.filter(code=code, basis="").update(basis=basis)
    Rule.objects.filter(code__in=NEEDS_FINDING).update(requires_finding=True)
    version = Version.objects.create(
        number=1,
        title="村规民约（版本记录前施行）",
        effective_from=datetime.date(1900, 1, 1),
        note="The covenant in force before versions were recorded; its adoption was not recorded.",
        recorded_by_label="migration scoring.0006",
    )
    Term.objects.bulk_create(
        Term(version=version, rule=rule, points=rule.points, active=rule.active)
        for rule in Rule.objects.filter(village__isnull=True)
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE scoring_scoreevent DISABLE TRIGGER scoring_ledger_guard_rows")
        cursor.execute("UPDATE scoring_scoreevent SET covenant_version_id = %s", [version.pk])
        cursor.execute("ALTER TABLE scoring_scoreevent ENABLE TRIGGER scoring_ledger_guard_rows")


GUARD = r"""
CREATE OR REPLACE FUNCTION scoring_ledger_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'the score ledger is append-only: TRUNCATE is refused'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'INSERT' THEN
        RAISE EXCEPTION 'ledger entry cannot be recorded as %', NEW.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'proposed' THEN
        IF TG_OP = 'UPDATE' AND NEW.status IN ('reversed', 'repaired') THEN
            RAISE EXCEPTION 'ledger entry % is proposed: it is approved or rejected, never %', OLD.id, NEW.status
                USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'approved' AND NEW.status = 'reversed'
       AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status')
       AND EXISTS (
           SELECT 1 FROM scoring_scoreevent c
           WHERE c.corrects_id = OLD.id AND c.kind = 'compensation' AND c.status = 'approved'
       ) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'approved' AND NEW.status = 'repaired'
       AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status')
       AND EXISTS (
           SELECT 1 FROM scoring_scoreevent c
           WHERE c.corrects_id = OLD.id AND c.kind = 'repair' AND c.status = 'approved'
       ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger entry % is %: it can never be changed or deleted; record a compensating entry instead', OLD.id, OLD.status
        USING ERRCODE = 'restrict_violation';
END
$guard$;

DROP TRIGGER scoring_ledger_guard_inserts ON scoring_scoreevent;
CREATE TRIGGER scoring_ledger_guard_inserts
    BEFORE INSERT ON scoring_scoreevent
    FOR EACH ROW WHEN (NEW.status IN ('reversed', 'repaired'))
    EXECUTE FUNCTION scoring_ledger_guard();
"""

UNGUARD = migrations.RunSQL.noop


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_field_labels"),
        ("households", "0002_field_labels"),
        ("scoring", "0005_evidence_photos_and_declarations"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Cap",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
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
                "verbose_name": "cap",
                "verbose_name_plural": "caps",
            },
        ),
        migrations.CreateModel(
            name="CovenantTerm",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("points", models.IntegerField(verbose_name="points")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "covenant term",
                "verbose_name_plural": "covenant terms",
            },
        ),
        migrations.CreateModel(
            name="CovenantVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
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
                "verbose_name": "covenant version",
                "verbose_name_plural": "covenant versions",
                "ordering": ["village_id", "-effective_from"],
            },
        ),
        migrations.CreateModel(
            name="FormalFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("authority", models.CharField(max_length=200, verbose_name="authority")),
                (
                    "document_number",
                    models.CharField(max_length=100, verbose_name="document number"),
                ),
                ("found_on", models.DateField(verbose_name="date of the finding")),
                ("warned_on", models.DateField(verbose_name="petitioner warned on")),
                ("warning", models.TextField(verbose_name="how the petitioner was warned")),
            ],
            options={
                "verbose_name": "formal finding",
                "verbose_name_plural": "formal findings",
            },
        ),
        migrations.CreateModel(
            name="RepairApplication",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
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
                "verbose_name": "credit repair application",
                "verbose_name_plural": "credit repair applications",
                "ordering": ["-applied_at"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="scoreevent",
            name="scoreevent_compensation_names_its_entry",
        ),
        migrations.AddField(
            model_name="objection",
            name="answer_due",
            field=models.DateField(blank=True, null=True, verbose_name="answer due"),
        ),
        migrations.AddField(
            model_name="objection",
            name="answers_notice",
            field=models.BooleanField(default=False, verbose_name="answer to a notice"),
        ),
        migrations.AddField(
            model_name="objection",
            name="escalated_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="escalated at"),
        ),
        migrations.AddField(
            model_name="rule",
            name="basis",
            field=models.CharField(
                blank=True,
                help_text="Covenant clause, law or document number; required for deductions.",
                max_length=300,
                verbose_name="legal basis",
            ),
        ),
        migrations.AddField(
            model_name="rule",
            name="immediate",
            field=models.BooleanField(
                default=False,
                help_text="Only with a basis that allows it, written in the legal basis.",
                verbose_name="counts at once (no response window)",
            ),
        ),
        migrations.AddField(
            model_name="rule",
            name="requires_finding",
            field=models.BooleanField(
                default=False,
                help_text="Recorded only with the finding's authority, document number and date.",
                verbose_name="needs a formal finding",
            ),
        ),
        migrations.AddField(
            model_name="rule",
            name="village",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="own_rules",
                to="households.village",
                verbose_name="only in village",
            ),
        ),
        migrations.AddField(
            model_name="scoreevent",
            name="cap_note",
            field=models.CharField(
                blank=True, db_default="", max_length=300, verbose_name="cap applied"
            ),
        ),
        migrations.AddField(
            model_name="scoreevent",
            name="counts_from",
            field=models.DateField(blank=True, null=True, verbose_name="counts from"),
        ),
        migrations.AddField(
            model_name="scoreevent",
            name="effect",
            field=models.IntegerField(blank=True, null=True, verbose_name="effect after caps"),
        ),
        migrations.AlterField(
            model_name="scoreevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("normal", "Normal"),
                    ("compensation", "Compensating entry"),
                    ("repair", "Credit repair"),
                ],
                default="normal",
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="scoreevent",
            name="status",
            field=models.CharField(
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
        migrations.AddField(
            model_name="cap",
            name="rule",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="caps",
                to="scoring.rule",
                verbose_name="covenant rule",
            ),
        ),
        migrations.AddField(
            model_name="covenantterm",
            name="rule",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="terms",
                to="scoring.rule",
                verbose_name="covenant rule",
            ),
        ),
        migrations.AddField(
            model_name="covenantversion",
            name="recorded_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recorded by (account)",
            ),
        ),
        migrations.AddField(
            model_name="covenantversion",
            name="village",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="covenant_versions",
                to="households.village",
                verbose_name="village (empty: the township covenant)",
            ),
        ),
        migrations.AddField(
            model_name="covenantterm",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="terms",
                to="scoring.covenantversion",
                verbose_name="covenant version",
            ),
        ),
        migrations.AddField(
            model_name="cap",
            name="version",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="caps",
                to="scoring.covenantversion",
                verbose_name="covenant version",
            ),
        ),
        migrations.AddField(
            model_name="scoreevent",
            name="covenant_version",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="scoring.covenantversion",
                verbose_name="covenant version",
            ),
        ),
        migrations.AddConstraint(
            model_name="scoreevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("corrects__isnull", False), ("kind__in", ["compensation", "repair"])),
                    models.Q(("corrects__isnull", True), ("kind", "normal")),
                    _connector="OR",
                ),
                name="scoreevent_compensation_names_its_entry",
            ),
        ),
        migrations.AddField(
            model_name="formalfinding",
            name="entry",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="finding",
                to="scoring.scoreevent",
                verbose_name="ledger entry",
            ),
        ),
        migrations.AddField(
            model_name="repairapplication",
            name="applied_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="applied by (account)",
            ),
        ),
        migrations.AddField(
            model_name="repairapplication",
            name="decided_by",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by (account)",
            ),
        ),
        migrations.AddField(
            model_name="repairapplication",
            name="entry",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="repair_applications",
                to="scoring.scoreevent",
                verbose_name="ledger entry",
            ),
        ),
        migrations.AddField(
            model_name="repairapplication",
            name="repair_entry",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="scoring.scoreevent",
                verbose_name="repair entry",
            ),
        ),
        migrations.AddConstraint(
            model_name="covenantversion",
            constraint=models.UniqueConstraint(
                fields=("village", "number"),
                name="covenantversion_number_unique",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="covenantversion",
            constraint=models.UniqueConstraint(
                fields=("village", "effective_from"),
                name="covenantversion_one_per_day",
                nulls_distinct=False,
            ),
        ),
        migrations.AddConstraint(
            model_name="covenantterm",
            constraint=models.UniqueConstraint(
                fields=("version", "rule"), name="covenantterm_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="covenantterm",
            constraint=models.CheckConstraint(
                condition=models.Q(("points", 0), _negated=True),
                name="covenantterm_points_not_zero",
            ),
        ),
        migrations.AddConstraint(
            model_name="cap",
            constraint=models.CheckConstraint(
                condition=models.Q(("limit", 0), _negated=True), name="cap_limit_not_zero"
            ),
        ),
        migrations.AddConstraint(
            model_name="cap",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("category", ""), ("rule__isnull", False)),
                    models.Q(("rule__isnull", True), models.Q(("category", ""), _negated=True)),
                    _connector="OR",
                ),
                name="cap_of_rule_or_category",
            ),
        ),
        migrations.AddConstraint(
            model_name="repairapplication",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("entry",),
                name="repair_one_pending_per_entry",
            ),
        ),
        migrations.RunPython(adopt_covenant_in_force, migrations.RunPython.noop),
        migrations.RunSQL(GUARD, UNGUARD),
    ]
