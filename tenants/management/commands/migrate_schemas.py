"""``migrate_schemas``: django-tenants' command, plus upkeep of the township template.

After migrating the public schema and every township, the template schema that
onboarding clones is migrated too (and created on first run), so a new township
is always cloned from a schema at the latest migration.
"""

from django.db import connection
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants import cloning
from tenants.services import template_schema


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        only_one_schema = self.schema_name and self.schema_name != get_public_schema_name()
        if self.sync_tenant and not only_one_schema:
            self._refresh_template(options)

    def _refresh_template(self, options) -> None:
        template = template_schema()
        connection.set_schema_to_public()
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
        self.schema_name = template
        self.sync_public, self.sync_tenant = False, True
        super().handle(
            *self.args, **{**options, "schema_name": template, "tenant": True, "shared": False}
        )
        connection.set_schema_to_public()
        cloning.forget()
