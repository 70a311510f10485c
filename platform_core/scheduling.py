"""What background work is due for a township at a given moment (pure decisions).

The dispatcher task (``platform_core.dispatch_due_work``, run by beat every
``SLOT_MINUTES``) asks :func:`due_work` for every active township. The decisions
read only the township's own fields and a small :class:`TownshipState` (what is
already done), so they are unit-testable without a database and a changed
setting (e.g. ``evaluation_day``) takes effect at the next slot, without a restart.

* Evaluation of the previous month is due from the township's ``evaluation_day``
  until the end of the month (a missed day is caught up) unless already finalised.
* Quarterly boards of the quarter that just ended are due in the month after it,
  from the evaluation day on, once that quarter's last month is finalised and
  until every village's board is published.
* A plugin's periodic task is due when its 5-field crontab matches a minute of
  the current slot (township-local time) and the township enabled the plugin.
* A plugin's feed (``township_feed_sources``) is due when its crontab matches a
  minute of the slot and, for a file feed, files wait in its folder; only feeds of
  plugins the township enabled are asked for.
* The escalation of overdue objections is due while pending objections past their
  answer deadline wait unescalated (each is escalated once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from celery.schedules import crontab

SLOT_MINUTES = 15

EVALUATE_TASK = "platform_core.evaluate_township_month"
BOARDS_TASK = "platform_core.publish_township_boards"
PLUGIN_TASK = "platform_core.run_plugin_task"
FEED_TASK = "platform_core.run_feed"
ESCALATE_TASK = "platform_core.escalate_overdue_objections"


@dataclass(frozen=True)
class DueWork:
    """One tenant task to send for the township: Celery task name and its arguments."""

    task: str
    args: tuple
    reason: str = ""


@dataclass(frozen=True)
class FeedSchedule:
    """One feed of an enabled plugin, as the dispatcher sees it."""

    plugin: str
    feed: str
    crontab: str  # "minute hour day_of_month month day_of_week"
    pull: bool = False  # a pull feed runs at its crontab; a file feed only when files wait
    files_waiting: bool = False


@dataclass(frozen=True)
class TownshipState:
    """What is already done in the township (read from its schema by the dispatcher)."""

    finalised_periods: frozenset[dt.date] = frozenset()
    published_quarters: frozenset[tuple[int, int]] = frozenset()  # every village published
    enabled_plugins: frozenset[str] = frozenset()
    feeds: tuple[FeedSchedule, ...] = ()  # the enabled plugins' feeds
    objections_to_escalate: int = 0  # overdue, pending, not escalated yet


@dataclass(frozen=True)
class PluginSchedule:
    plugin: str
    task: str  # dotted name of the plugin's Celery task
    crontab: str  # "minute hour day_of_month month day_of_week"
    name: str = field(default="")


def previous_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def ended_quarter(day: dt.date) -> tuple[int, int] | None:
    """(year, quarter) that ended just before ``day``'s month, if that month starts a quarter."""
    if day.month not in (1, 4, 7, 10):
        return None
    last = previous_month(day)
    return last.year, last.month // 3


def parse_crontab(spec: str) -> crontab:
    """A standard 5-field cron string as a Celery ``crontab`` (ValueError when malformed)."""
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"crontab {spec!r} needs 5 fields: minute hour day month weekday")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


def slot_start(now: dt.datetime, minutes: int = SLOT_MINUTES) -> dt.datetime:
    return now.replace(minute=now.minute - now.minute % minutes, second=0, microsecond=0)


def crontab_matches_slot(schedule: crontab, now: dt.datetime, minutes: int = SLOT_MINUTES) -> bool:
    """Whether a minute of the slot containing ``now`` matches the crontab."""
    start = slot_start(now, minutes)
    if (
        start.month not in schedule.month_of_year
        or start.day not in schedule.day_of_month
        or (start.isoweekday() % 7) not in schedule.day_of_week  # Celery: 0 is Sunday
        or start.hour not in schedule.hour
    ):
        return False
    return any(start.minute + m in schedule.minute for m in range(minutes))


def due_work(
    township,
    now: dt.datetime,
    state: TownshipState | None = None,
    plugin_schedules: Iterable[PluginSchedule] = (),
) -> list[DueWork]:
    """The tenant tasks due for ``township`` at ``now`` (a township-local datetime).

    ``township`` needs ``status``, ``evaluation_day`` and ``code``; a township that is
    not active gets nothing.
    """
    if getattr(township, "status", "active") != "active":
        return []
    state = state or TownshipState()
    today = now.date()
    work: list[DueWork] = []
    on_or_after_evaluation_day = today.day >= township.evaluation_day
    last_month = previous_month(today)
    if on_or_after_evaluation_day and last_month not in state.finalised_periods:
        work.append(
            DueWork(EVALUATE_TASK, (last_month.isoformat(),), f"evaluate {last_month:%Y-%m}")
        )
    quarter = ended_quarter(today)
    if (
        quarter is not None
        and on_or_after_evaluation_day
        and last_month in state.finalised_periods
        and quarter not in state.published_quarters
    ):
        work.append(DueWork(BOARDS_TASK, quarter, f"boards {quarter[0]} Q{quarter[1]}"))
    if state.objections_to_escalate:
        work.append(
            DueWork(
                ESCALATE_TASK,
                (),
                f"escalate {state.objections_to_escalate} overdue objections",
            )
        )
    for feed in state.feeds:
        if feed.plugin not in state.enabled_plugins or not (feed.pull or feed.files_waiting):
            continue
        if crontab_matches_slot(parse_crontab(feed.crontab), now):
            work.append(
                DueWork(FEED_TASK, (feed.plugin, feed.feed), f"feed {feed.plugin}/{feed.feed}")
            )
    for plugin in plugin_schedules:
        if plugin.plugin not in state.enabled_plugins:
            continue
        if crontab_matches_slot(parse_crontab(plugin.crontab), now):
            work.append(
                DueWork(
                    PLUGIN_TASK, (plugin.task,), f"{plugin.plugin}: {plugin.name or plugin.task}"
                )
            )
    return work
