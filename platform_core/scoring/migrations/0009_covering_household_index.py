"""The (household, occurred_on) index carries what scores an entry (INCLUDE columns), so
the month's evaluation and the covenant what-if read it alone, without the ledger rows
(docs/architecture.md, "The ledger's covering index")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0008_cut_entries_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="scoreevent",
            index=models.Index(
                fields=["household", "occurred_on"],
                include=[
                    "status",
                    "kind",
                    "counts_from",
                    "points",
                    "effect",
                    "rule",
                ],
                name="scoreevent_household_covering",
            ),
        ),
        migrations.RemoveIndex(model_name="scoreevent", name="scoreevent_household_date"),
    ]
