"""Importing plugins' external feeds (``township_feed_sources``), each file or pull recorded.

Files wait in ``<FEED_DIR>/<township code>/<plugin key>/<feed key>/``. Each is
imported on its own, in the township's schema and one transaction that also holds
its ``FeedRun``: it is imported and recorded, or neither. A file whose content
(sha256) was imported before is not imported again ("unchanged"). After the
transaction the file moves to ``done/``, or to ``failed/`` with
``<name>.error.txt`` beside it when the plugin refused it (a ``PlatformError``,
whose message the clerk sees). A crash between the commit and the move leaves the
file waiting; the next run finds its content imported and only moves it. Database
errors are raised, so the Celery task retries with the file where it was.
"""

from __future__ import annotations

import hashlib
import logging
import os
from fnmatch import fnmatch
from pathlib import Path

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from platform_core.actors import Actor
from platform_core.errors import NotFound, PlatformError
from platform_core.feeds.models import FeedRun
from platform_core.plugins.types import FeedOutcome, FeedSource

log = logging.getLogger(__name__)

# Raised rather than recorded: the task retries them (the file stays where it is).
RETRY_ON = (OperationalError, InterfaceError)
SCHEDULER = Actor(label="system:scheduler")


class FeedError(NotFound):
    """A feed that is not enabled in this township (or does not exist)."""


def feed_folder(township, plugin_key: str, feed_key: str) -> Path:
    """Where the feed's files wait for ``township``."""
    return Path(settings.FEED_DIR) / township.code / plugin_key / feed_key


def waiting_files(township, plugin_key: str, source: FeedSource) -> list[Path]:
    """The feed's files waiting to be imported (matching its patterns; hidden files and
    the ``done/`` and ``failed/`` folders left alone), oldest name first."""
    if source.import_file is None:
        return []
    folder = feed_folder(township, plugin_key, source.key)
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        path
        for path in entries
        if not path.name.startswith(".")
        and any(fnmatch(path.name.lower(), pattern.lower()) for pattern in source.patterns)
        and path.is_file()
    )


def find_feed(plugin_key: str, feed_key: str) -> FeedSource:
    """The enabled feed ``plugin_key``/``feed_key`` of the township served (FeedError if none)."""
    from platform_core.plugins.selectors import feed_sources

    for key, source in feed_sources():
        if key == plugin_key and source.key == feed_key:
            return source
    raise FeedError(
        _("No feed %(feed)s of plugin %(plugin)s is enabled in this township.")
        % {"feed": feed_key, "plugin": plugin_key}
    )


def run_feed(plugin_key: str, source: FeedSource, *, by: Actor | None = None) -> list[FeedRun]:
    """Import the feed now in the township served: every waiting file, or one pull.

    ``by`` is who asked (the scheduler by default); the plugin's code runs as
    ``Actor.plugin(plugin_key)``. Refusals are recorded, not raised.
    """
    by = by or SCHEDULER
    if source.pull is not None:
        return [_pull(plugin_key, source, by)]
    township = connection.tenant
    runs = []
    for path in waiting_files(township, plugin_key, source):
        run = _import_file(township, plugin_key, source, path, by)
        if run is not None:
            runs.append(run)
    return runs


def run_waiting_feeds(township=None, *, by: Actor | None = None) -> list[FeedRun]:
    """Import every enabled file feed's waiting files in the township served."""
    from platform_core.plugins.selectors import feed_sources

    township = township if township is not None else connection.tenant
    runs: list[FeedRun] = []
    for key, source in feed_sources(township):
        if source.import_file is not None and waiting_files(township, key, source):
            runs += run_feed(key, source, by=by)
    return runs


def run_now(plugin_key: str, feed_key: str, *, by: Actor) -> list[FeedRun]:
    """A person's "run now": the enabled feed imported at once (FeedError if not enabled)."""
    return run_feed(plugin_key, find_feed(plugin_key, feed_key), by=by)


# --- one file, one pull -----------------------------------------------------------------


def _import_file(township, plugin_key: str, source: FeedSource, path: Path, by: Actor):
    """One file imported and recorded in one transaction, then moved (None: taken by
    another run meanwhile)."""
    started = timezone.now()
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    with transaction.atomic():
        _lock(plugin_key, source.key)
        if not path.exists():
            return None
        earlier = (
            FeedRun.objects.filter(
                plugin=plugin_key, feed=source.key, sha256=digest, status=FeedRun.Status.DONE
            )
            .order_by("started_at")
            .first()
        )
        if earlier is not None:
            run = _record(
                plugin_key,
                source,
                by,
                started,
                file_name=path.name,
                sha256=digest,
                status=FeedRun.Status.UNCHANGED,
                summary=_("Same content as %(file)s, imported on %(date)s: nothing imported again.")
                % {
                    "file": earlier.file_name,
                    "date": timezone.localtime(earlier.started_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
        else:
            outcome, error = _attempt(
                plugin_key, path.name, lambda: source.import_file(path, Actor.plugin(plugin_key))
            )
            run = _recorded_attempt(
                plugin_key, source, by, started, outcome, error, path.name, digest
            )
    if run.status == FeedRun.Status.FAILED:
        _move_failed(path, run.error)
    else:
        _move(path, "done")
    return run


def _pull(plugin_key: str, source: FeedSource, by: Actor) -> FeedRun:
    started = timezone.now()
    with transaction.atomic():
        _lock(plugin_key, source.key)
        outcome, error = _attempt(
            plugin_key, source.key, lambda: source.pull(Actor.plugin(plugin_key))
        )
        return _recorded_attempt(plugin_key, source, by, started, outcome, error, "", "")


def _attempt(plugin_key: str, name: str, call) -> tuple[FeedOutcome | None, str]:
    """The plugin's import in a savepoint: (outcome, "") or (None, the clerk's message)."""
    try:
        with transaction.atomic():
            outcome = call()
            if not isinstance(outcome, FeedOutcome):
                raise TypeError(f"returned {type(outcome).__name__}, not FeedOutcome")
            return outcome, ""
    except RETRY_ON:
        raise
    except PlatformError as error:
        return None, str(error)
    except Exception as error:  # noqa: BLE001 - a plugin's bug fails this file, not the run
        log.exception("feed %s of plugin %s failed on %s", name, plugin_key, connection.tenant)
        return None, _("%(name)s could not be imported (%(error)s). Nothing was imported.") % {
            "name": name,
            "error": f"{type(error).__name__}: {error}",
        }


def _recorded_attempt(plugin_key, source, by, started, outcome, error, file_name, digest):
    """The run of one attempt: failed with the clerk's message, or done with its counts."""
    if outcome is None:
        log.warning("feed %s/%s refused %s: %s", plugin_key, source.key, file_name, error)
        fields = {"status": FeedRun.Status.FAILED, "error": error}
    else:
        fields = {
            "status": FeedRun.Status.DONE,
            "created": max(int(outcome.created), 0),
            "unchanged": max(int(outcome.unchanged), 0),
            "summary": str(outcome.summary)
            or _("%(created)s new, %(unchanged)s already there.")
            % {"created": outcome.created, "unchanged": outcome.unchanged},
        }
    return _record(plugin_key, source, by, started, file_name=file_name, sha256=digest, **fields)


def _record(plugin_key: str, source: FeedSource, by: Actor, started, **fields) -> FeedRun:
    return FeedRun.objects.create(
        plugin=plugin_key,
        feed=source.key,
        by_label=by.label[:200],
        started_at=started,
        finished_at=timezone.now(),
        **fields,
    )


def _lock(plugin_key: str, feed_key: str) -> None:
    """One run of a feed at a time per township (until the transaction ends)."""
    name = f"feed:{connection.schema_name}:{plugin_key}:{feed_key}".encode()
    key = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _move(path: Path, subfolder: str) -> Path | None:
    """Move ``path`` into ``subfolder`` beside it, never overwriting an earlier file."""
    if not path.exists():
        return None
    target_dir = path.parent / subfolder
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
        target = target_dir / f"{path.stem}.{stamp}{path.suffix}"
    os.replace(path, target)
    return target


def _move_failed(path: Path, message: str) -> None:
    target = _move(path, "failed")
    if target is not None:
        target.with_name(target.name + ".error.txt").write_text(message + "\n", encoding="utf-8")
