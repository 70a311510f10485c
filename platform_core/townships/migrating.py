"""Migrating many township schemas: skip the up-to-date ones, run the rest in a bounded pool.

``plan()`` reads every schema's recorded migrations in one ``UNION ALL`` query
(``platform_core.ops``) and splits the schemas into up to date and pending.
``TownshipExecutor`` runs the pending ones with django-tenants' ``run_migrations``,
in-process when ``processes`` is 1, otherwise in a ``fork`` pool of at most
``processes`` workers that are replaced every ``MAX_TASKS_PER_CHILD`` schemas
(so memory does not grow with the number of townships). A schema that fails is
reported with its error and the others carry on; the caller decides what to do
with the failures (``group_failures`` folds the ones that failed alike, so a
broken migration in 200 townships is one error with a count, not 200 lines).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections
from django_tenants.migration_executors.base import run_migrations
from django_tenants.migration_executors.multiproc import MultiprocessingExecutor

MAX_TASKS_PER_CHILD = 20


def default_processes() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Plan:
    pending: list[str]  # schemas with migrations to apply (or not migrated at all)
    up_to_date: list[str]
    counts: dict[str, int | None]  # migrations pending per schema (None: not migrated)


def plan(schemas: Sequence[str]) -> Plan:
    """Which of ``schemas`` need migrating, with one cross-schema query."""
    from platform_core import ops

    found = ops.pending_migrations(list(schemas))
    pending = [s for s in schemas if found[s] is None or found[s]]
    up_to_date = [s for s in schemas if found[s] == []]
    counts = {s: None if found[s] is None else len(found[s]) for s in schemas}
    return Plan(pending=pending, up_to_date=up_to_date, counts=counts)


@dataclass(frozen=True)
class Outcome:
    schema: str
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class FailureGroup:
    """Townships that failed with the same error (their schema name masked as <schema>)."""

    error: str
    schemas: list[str] = field(default_factory=list)


def group_failures(outcomes: Iterable[Outcome]) -> list[FailureGroup]:
    """Failed outcomes grouped by error, largest group first (then by first schema)."""
    groups: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.error is None:
            continue
        key = outcome.error.replace(outcome.schema, "<schema>")
        groups.setdefault(key, []).append(outcome.schema)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), sorted(item[1])[0]))
    return [FailureGroup(error, sorted(schemas)) for error, schemas in ordered]


def _close(alias: str) -> None:
    connection = connections[alias]
    with contextlib.suppress(Exception):  # a broken connection is closed either way
        connection.close()
    connection.connection = None


def migrate_one(args, options, codename, count, allow_atomic, item) -> Outcome:
    """Migrate one schema; a failure is returned, not raised (``SystemExit`` included)."""
    idx, schema = item
    alias = options.get("database") or "default"
    started = time.perf_counter()
    try:
        run_migrations(
            args, options, codename, schema, allow_atomic=allow_atomic, idx=idx, count=count
        )
    except BaseException as exc:  # noqa: BLE001 - migrate --check exits with SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        if allow_atomic:
            connections[alias].set_schema_to_public()
        else:
            _close(alias)
        return Outcome(schema, time.perf_counter() - started, error)
    return Outcome(schema, time.perf_counter() - started)


class TownshipExecutor(MultiprocessingExecutor):
    """django-tenants' multiprocessing executor, bounded, reporting each schema's outcome."""

    def __init__(self, args, options, processes: int):
        super().__init__(args, options)
        self.processes = max(1, processes)

    def outcomes(self, schemas: Sequence[str]) -> Iterator[Outcome]:
        """Migrate ``schemas``, yielding each outcome as it completes."""
        schemas = list(schemas)
        if not schemas:
            return
        workers = min(self.processes, len(schemas))
        if workers == 1:
            work = functools.partial(
                migrate_one, self.args, self.options, "standard", len(schemas), True
            )
            for item in enumerate(schemas):
                yield work(item)
            return
        work = functools.partial(
            migrate_one, self.args, self.options, self.codename, len(schemas), False
        )
        _close(self.TENANT_DB_ALIAS)  # forked workers must not share the parent's socket
        max_tasks = (
            getattr(settings, "TENANT_MULTIPROCESSING_MAX_TASKS_PER_CHILD", None)
            or MAX_TASKS_PER_CHILD
        )
        start_methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in start_methods else None)
        pool = context.Pool(processes=workers, maxtasksperchild=max_tasks)
        try:
            yield from pool.imap_unordered(work, enumerate(schemas), chunksize=1)
            pool.close()
        finally:
            pool.terminate()
            pool.join()

    def run_migrations(self, tenants=None, report: Callable[[Outcome], None] | None = None):
        results = []
        for outcome in self.outcomes(tenants or []):
            results.append(outcome)
            if report is not None:
                report(outcome)
        return results
