"""``migrate_schemas``: django-tenants' command, at township scale, plus the template's upkeep.

Before migrating, one cross-schema query (``platform_core.ops``) finds which
schemas have migrations to apply; up-to-date townships are skipped rather than
replayed. The rest run with django-tenants' multiprocessing executor bounded by
``--processes`` (sequentially when 1), with a progress line per township and a
summary. A township whose migration fails does not stop the others, and the
command exits non-zero. Townships that failed alike are reported once per error,
with their count and the first few codes; every failed township with its error
is written to ``--failures-file`` (default ``$PLATFORM_DATA_DIR/
migrate_schemas-failures.txt``) and, with ``--verbosity 2``, printed too.

A single schema (``--schema``), a target migration (``app_label migration_name``),
``--prune``, ``--run-syncdb`` or an explicit ``--executor`` take django-tenants'
own path, which runs ``migrate`` for every schema concerned.

After migrating the public schema and the townships, the template schema that
onboarding clones is migrated too (and created on first run), so a new township
is always cloned from a schema at the latest migration.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import makemigrations
from django.db import connection
from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name, schema_exists

from platform_core.townships.migrating import (
    FailureGroup,
    Outcome,
    TownshipExecutor,
    default_processes,
    group_failures,
    plan,
)
from tenants import cloning
from tenants.cloning import template_schema
from tenants.models import Township

# Options that ask for something other than "bring every schema to the latest migration".
_REPLAY_OPTIONS = ("app_label", "migration_name", "prune", "run_syncdb", "executor")
FIRST_CODES = 5  # township codes named per error; the rest are counted
ERRORS_SHOWN = 5  # distinct errors summarised; the rest are counted
FAILURES_FILE = "migrate_schemas-failures.txt"


class Command(MigrateSchemasCommand):
    # makemigrations' (django-pgtrigger adds the triggers of the action log to it, at
    # start-up): Django checks that the two commands detect changes alike.
    autodetector = makemigrations.Command.autodetector

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="Townships migrated in parallel (default: min(4, CPU count); 1: sequentially).",
        )
        parser.add_argument(
            "--failures-file",
            default=None,
            help="Where every failed township and its error is written when some fail "
            f"(default: $PLATFORM_DATA_DIR/{FAILURES_FILE}).",
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
        first_seen: dict[str, str] = {}  # error (schema masked) -> code of its first township
        detailed = int(options.get("verbosity", 1)) >= 2

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
                return
            key = outcome.error.replace(outcome.schema, "<schema>")
            failed_after = f"{label}: FAILED after {outcome.seconds:.2f} s"
            if key in first_seen and not detailed:
                self.stderr.write(f"{failed_after} (same error as {first_seen[key]})")
            else:
                first_seen.setdefault(key, codes[outcome.schema])
                self.stderr.write(f"{failed_after}: {outcome.error}")

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
            summary = self._report_failures(failed, codes, options)
            # The template is still brought up to date, so onboarding keeps working.
            self._refresh_template(options)
            raise CommandError(
                f"Migration failed in {len(failed)} of {len(pending)} townships: {summary}"
            )

    def _report_failures(self, failed: list[Outcome], codes: dict[str, str], options) -> str:
        """Each distinct error once, with its count and first codes; the full list to a
        file (and on stderr with --verbosity 2). Returns the one-line summary."""
        groups = group_failures(failed)
        for group in groups[:ERRORS_SHOWN]:
            self.stderr.write(
                f"  {len(group.schemas)} township(s) failed with {group.error}: "
                f"{_first_codes(group, codes)}"
            )
        rest = groups[ERRORS_SHOWN:]
        if rest:
            self.stderr.write(
                f"  {len(rest)} other error(s) in {sum(len(g.schemas) for g in rest)} township(s)"
            )
        if int(options.get("verbosity", 1)) >= 2:
            for outcome in sorted(failed, key=lambda o: codes[o.schema]):
                self.stderr.write(f"  {codes[outcome.schema]} ({outcome.schema}): {outcome.error}")
        path = Path(options.get("failures_file") or settings.DATA_DIR / FAILURES_FILE)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lines = [
                f"{codes[o.schema]}\t{o.schema}\t{o.error}\n"
                for o in sorted(failed, key=lambda o: codes[o.schema])
            ]
            path.write_text("".join(lines), encoding="utf-8")
        except OSError as exc:
            self.stderr.write(
                f"  Could not write the list of failed townships to {path} ({exc}); "
                "run with --verbosity 2 to print it."
            )
        else:
            self.stderr.write(f"  Every failed township with its error: {path}")
        summary = f"{_first_codes(groups[0], codes)} ({groups[0].error})"
        if len(groups) > 1:
            summary += f"; and {len(groups) - 1} other error(s)"
        return summary

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


def _first_codes(group: FailureGroup, codes: dict[str, str]) -> str:
    """The group's first township codes, the rest counted: "a, b, c, d, e and 195 more"."""
    named = sorted(codes[schema] for schema in group.schemas)
    shown = ", ".join(named[:FIRST_CODES])
    more = len(named) - FIRST_CODES
    return f"{shown} and {more} more" if more > 0 else shown
