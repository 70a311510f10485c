"""Revoke live API tokens that an administrator minted for someone else (issue 13).

Tokens are now issued only for the person asking (``createApiToken``), so a
token one person holds for another would let them act, and be recorded, as that
other person. Tokens issued from a shell (``cli:…``) are left alone; tokens
whose owner lacks the role stop working anyway (``Viewer.of``).
"""

import re

from django.db import migrations
from django.utils import timezone

CREDENTIAL = re.compile(r" \(token [^()]*\)$")


def revoke_minted_for_others(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    for token in ApiToken.objects.filter(revoked_at=None).select_related("user"):
        minted_by = CREDENTIAL.sub("", token.created_by_label)
        if minted_by.startswith("cli:"):
            continue
        if minted_by not in (token.user.email, token.user.username):
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=now)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_field_labels")]

    operations = [migrations.RunPython(revoke_minted_for_others, migrations.RunPython.noop)]
