"""Write the merchants' and firms' default covenant (platform_core/scoring/covenant.py,
``DEFAULT_ENTERPRISE_COVENANT``) into the schema: every township and the template."""

from django.db import migrations


def add_enterprise_covenant(apps, schema_editor):
    from platform_core.scoring.covenant import DEFAULT_ENTERPRISE_COVENANT

    Rule = apps.get_model("scoring", "Rule")
    for code, title_zh, title_en, points, basis in DEFAULT_ENTERPRISE_COVENANT:
        Rule.objects.get_or_create(
            code=code,
            defaults={
                "title_zh": title_zh,
                "title_en": title_en,
                "category": "business",
                "points": points,
                "needs_review": True,
                "basis": basis,
                "applies_to": "enterprises",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0010_rule_applies_to")]
    operations = [migrations.RunPython(add_enterprise_covenant, migrations.RunPython.noop)]
