"""Reads of the feeds: which are enabled in the township served, what waits, how runs went."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from platform_core.feeds.models import FeedRun
from platform_core.feeds.services import feed_folder, waiting_files
from platform_core.plugins.types import FeedSource

RECENT_RUNS = 10


@dataclass(frozen=True)
class FeedState:
    """One enabled feed as staff see it: where its files wait, what waits, its last runs."""

    plugin: str
    source: FeedSource
    folder: Path | None  # None for a pull feed
    waiting: list[str] = field(default_factory=list)  # file names
    runs: list[FeedRun] = field(default_factory=list)  # newest first

    @property
    def key(self) -> str:
        return self.source.key

    @property
    def failures(self) -> list[FeedRun]:
        return [run for run in self.runs if run.status == FeedRun.Status.FAILED]

    @property
    def last_run(self) -> FeedRun | None:
        return self.runs[0] if self.runs else None


def enabled_feeds(township=None) -> list[tuple[str, FeedSource]]:
    """(plugin key, feed source) of the township's enabled plugins (default: the one served)."""
    from platform_core.plugins.selectors import feed_sources

    return feed_sources(township)


def feed_states(township=None, recent: int = RECENT_RUNS) -> list[FeedState]:
    """Every enabled feed of the township served with its waiting files and ``recent`` runs."""
    township = township if township is not None else connection.tenant
    states = []
    for key, source in enabled_feeds(township):
        runs = list(
            FeedRun.objects.filter(plugin=key, feed=source.key).order_by("-started_at", "-pk")[
                :recent
            ]
        )
        files = source.import_file is not None
        states.append(
            FeedState(
                plugin=key,
                source=source,
                folder=feed_folder(township, key, source.key) if files else None,
                waiting=[p.name for p in waiting_files(township, key, source)],
                runs=runs,
            )
        )
    return states
