"""``migrate_schemas``: django-tenants' command, at township scale, plus the template's upkeep.

Before migrating, one cross-schema query (``platform_core.ops``) finds which
schemas have migrations to apply; up-to-date townships are skipped rather than
replayed. The rest run with django-tenants' multiprocessing executor bounded by
``--processes`` (sequentially when 1), with a progress line per township and a
summary. A township whose migration fails does not stop the others: the failures
are listed with their township codes and the command exits non-zero.

A single schema (``--schema``), a target migration (``app_label migration_name``),
``--prune``, ``--run-syncdb`` or an explicit ``--executor`` take django-tenants'
own path, which runs ``migrate`` for every schema concerned.

After migrating the public schema and the townships, the template schema that
onboarding clones is migrated too (and created on first run), so a new township
is always cloned from a schema at the latest migration.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants import cloning
from tenants.migrating import Outcome, TownshipExecutor, default_processes, plan
from tenants.models import Township
from tenants.services import template_schema

# Options that ask for something other than "bring every schema to the latest migration".
_REPLAY_OPTIONS = ("app_label", "migration_name", "prune", "run_syncdb", "executor")


class Command(MigrateSchemasCommand):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Townships migrated in parallel (default: min(4, CPU count); 1: sequentially).",
        )

    def handle(self, *args, **options):
        SyncCommon.handle(self, *args, **options)
        one_schema = bool(self.schema_name)
        one_township = one_schema and self.schema_name != self._public
        if one_schema or any(options.get(name) for name in _REPLAY_OPTIONS):
            super().handle(*args, **options)
        else:
            self._migrate_all(args, options)
        if self.sync_tenant and not one_township:
            self._refresh_template(options)

    @property
    def _public(self) -> str:
        return get_public_schema_name()

    # --- Public schema and townships ------------------------------------------------------

    def _migrate_all(self, args, options) -> None:
        verbose = int(options.get("verbosity", 1)) >= 1
        connection.set_schema_to_public()
        sync_public, sync_tenant = self.sync_public, self.sync_tenant
        if sync_public and plan([self._public]).pending:
            super().handle(*args, **{**options, "shared": True, "tenant": False})
            self.sync_tenant = sync_tenant
            connection.set_schema_to_public()
        elif sync_public and verbose:
            self.stdout.write("Public schema up to date, skipped")
        if not sync_tenant:
            return

        codes = dict(
            Township.objects.exclude(schema_name=self._public).values_list("schema_name", "code")
        )
        townships = sorted(codes)
        checked = plan(townships)
        pending = [s for s in townships if s in checked.pending]
        skipped = len(townships) - len(pending)
        if verbose:
            self.stdout.write(f"{skipped} townships up to date, skipped")
        if not pending:
            return

        processes = options.get("processes") or default_processes()
        if verbose:
            self.stdout.write(
                f"Migrating {len(pending)} townships with {min(processes, len(pending))} "
                f"process(es)"
            )
        done = 0

        def report(outcome: Outcome) -> None:
            nonlocal done
            done += 1
            if not verbose and outcome.ok:
                return
            label = f"[{done}/{len(pending)}] {codes[outcome.schema]} ({outcome.schema})"
            if outcome.ok:
                todo = checked.counts[outcome.schema]
                what = "all migrations" if todo is None else f"{todo} migration(s)"
                self.stdout.write(f"{label}: applied {what} in {outcome.seconds:.2f} s")
            else:
                self.stderr.write(f"{label}: FAILED after {outcome.seconds:.2f} s: {outcome.error}")

        executor = TownshipExecutor(args, options, processes)
        outcomes = executor.run_migrations(pending, report=report)
        connection.set_schema_to_public()
        failed = [o for o in outcomes if not o.ok]
        seconds = sum(o.seconds for o in outcomes)
        if verbose or failed:
            self.stdout.write(
                f"Townships: {len(outcomes) - len(failed)} migrated, {len(failed)} failed, "
                f"{skipped} up to date ({seconds:.1f} s of migration work)"
            )
        if failed:
            for outcome in failed:
                self.stderr.write(f"  {codes[outcome.schema]} ({outcome.schema}): {outcome.error}")
            names = ", ".join(f"{codes[o.schema]} ({o.error})" for o in failed)
            # The template is still brought up to date, so onboarding keeps working.
            self._refresh_template(options)
            raise CommandError(
                f"Migration failed in {len(failed)} of {len(pending)} townships: {names}"
            )

    # --- Template -------------------------------------------------------------------------

    def _refresh_template(self, options) -> None:
        template = template_schema()
        connection.set_schema_to_public()
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
        if template in plan([template]).pending:
            self.schema_name = template
            self.sync_public, self.sync_tenant = False, True
            MigrateSchemasCommand.handle(
                self,
                *self.args,
                **{**options, "schema_name": template, "tenant": True, "shared": False},
            )
        elif int(options.get("verbosity", 1)) >= 1:
            self.stdout.write(f"Template schema {template} up to date, skipped")
        connection.set_schema_to_public()
        cloning.forget()
