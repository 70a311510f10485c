"""An index of the entries a cap cut (effect is not points; few): the covenant what-if
looks up their rules."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0007_action_log"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="scoreevent",
            index=models.Index(
                condition=models.Q(effect__lt=models.F("points"))
                | models.Q(effect__gt=models.F("points")),
                fields=["rule"],
                name="scoreevent_cut",
            ),
        ),
    ]
