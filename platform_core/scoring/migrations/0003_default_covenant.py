"""Write the default covenant (platform_core/scoring/covenant.py) into the schema."""

from django.db import migrations


def add_default_covenant(apps, schema_editor):
    from platform_core.scoring.covenant import DEFAULT_COVENANT

    Rule = apps.get_model("scoring", "Rule")
    for code, title_zh, title_en, category, points, needs_review in DEFAULT_COVENANT:
        Rule.objects.get_or_create(
            code=code,
            defaults={
                "title_zh": title_zh,
                "title_en": title_en,
                "category": category,
                "points": points,
                "needs_review": needs_review,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_ledger_guard")]
    operations = [migrations.RunPython(add_default_covenant, migrations.RunPython.noop)]
