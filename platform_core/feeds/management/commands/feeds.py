"""``feeds``: each township's enabled feeds, what waits and how their last runs went.

``feeds --township CODE --run`` imports the township's feeds now (every file feed's
waiting files and every pull feed); ``--feed PLUGIN/FEED`` only that one.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, tenant_context

from platform_core.actors import Actor
from platform_core.feeds import services
from platform_core.feeds.selectors import feed_states
from tenants.models import Township


class Command(BaseCommand):
    help = "List the townships' feeds (waiting files, last runs), or run them now."

    def add_arguments(self, parser):
        parser.add_argument("--township", metavar="CODE", help="only this township")
        parser.add_argument("--run", action="store_true", help="import the feeds now")
        parser.add_argument("--feed", metavar="PLUGIN/FEED", help="only this feed")
        parser.add_argument("--operator", metavar="EMAIL", help="who runs them (default: you)")

    def handle(self, *args, **options):
        townships = Township.objects.exclude(schema_name=get_public_schema_name()).order_by("code")
        if options["township"]:
            townships = townships.filter(code=options["township"])
            if not townships.exists():
                raise CommandError(f"no township with code {options['township']!r}")
        elif options["run"]:
            raise CommandError("--run needs --township CODE")
        wanted = self._wanted(options["feed"])
        for township in townships:
            with tenant_context(township):
                if options["run"]:
                    self._run(township, wanted, options["operator"])
                else:
                    self._list(township, wanted)

    def _wanted(self, feed: str | None) -> tuple[str, str] | None:
        if not feed:
            return None
        plugin, _, key = feed.partition("/")
        if not plugin or not key:
            raise CommandError(f"--feed {feed!r}: write it as PLUGIN/FEED, e.g. petition/hotline")
        return plugin, key

    def _list(self, township, wanted):
        states = [s for s in feed_states(township) if not wanted or (s.plugin, s.key) == wanted]
        self.stdout.write(f"{township.code} {township.name}: {len(states)} feeds")
        for state in states:
            kind = f"files in {state.folder}" if state.folder else "pull"
            self.stdout.write(
                f"  {state.plugin}/{state.key}  {state.source.name}  ({kind}, "
                f"crontab {state.source.crontab}); waiting: {len(state.waiting)}"
            )
            for run in state.runs[:5]:
                when = run.started_at.strftime("%Y-%m-%d %H:%M")
                what = run.error.splitlines()[0] if run.error else run.summary
                self.stdout.write(f"    {when} {run.file_name or 'pull'} {run.status}: {what}")

    def _run(self, township, wanted, operator: str | None):
        try:
            by = Actor.cli(operator)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        try:
            if wanted:
                runs = services.run_now(*wanted, by=by)
            else:
                runs = []
                for state in feed_states(township, recent=0):
                    if state.source.pull is not None or state.waiting:
                        runs += services.run_feed(state.plugin, state.source, by=by)
        except services.FeedError as exc:
            raise CommandError(str(exc)) from exc
        if not runs:
            self.stdout.write(f"{township.code}: nothing waits")
        for run in runs:
            text = run.error or run.summary
            self.stdout.write(
                f"{township.code} {run.plugin}/{run.feed} {run.file_name or 'pull'}: "
                f"{run.status}: {text}"
            )
        if any(run.status == run.Status.FAILED for run in runs):
            raise CommandError("some feed files were refused (moved to failed/)")
