"""``plugins``: installed plugins, their state per township and the hooks they implement.

Also enables, configures and disables a plugin for one township:
``plugins --township CODE --enable KEY [--plugin-settings JSON]`` / ``--disable KEY``.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from platform_core.plugins.manager import registry
from platform_core.plugins.services import PluginError, disable_plugin, enable_plugin
from tenants.models import PluginActivation, Township


class Command(BaseCommand):
    help = "List plugins (version, state per township, hooks), or enable/disable one."

    def add_arguments(self, parser):
        parser.add_argument("--township", metavar="CODE")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--enable", metavar="KEY", help="enable (or reconfigure) a plugin")
        action.add_argument("--disable", metavar="KEY")
        parser.add_argument(
            "--plugin-settings", metavar="JSON", help="the plugin's settings (a JSON object)"
        )

    def handle(self, *args, **options):
        if options["enable"] or options["disable"]:
            return self._change(options)
        self._list()

    def _change(self, options):
        if not options["township"]:
            raise CommandError("--enable/--disable need --township CODE")
        township = Township.objects.filter(code=options["township"]).first()
        if township is None:
            raise CommandError(f"no township with code {options['township']!r}")
        try:
            settings = (
                json.loads(options["plugin_settings"]) if options["plugin_settings"] else None
            )
        except json.JSONDecodeError as exc:
            raise CommandError(f"--plugin-settings is not valid JSON: {exc}") from exc
        try:
            if options["enable"]:
                enable_plugin(township, options["enable"], settings)
                self.stdout.write(f"{options['enable']} enabled in {township.name}")
            else:
                disable_plugin(township, options["disable"])
                self.stdout.write(f"{options['disable']} disabled in {township.name} (data kept)")
        except PluginError as exc:
            raise CommandError(str(exc)) from exc

    def _list(self):
        from platform_core.plugins.urls import check_plugin_urls, problems

        check_plugin_urls()  # mounts the URLconfs, so clashes with platform paths are known
        refused = problems()
        reg = registry()
        townships = list(Township.objects.order_by("code"))
        states = {(a.township_id, a.plugin): a.enabled for a in PluginActivation.objects.all()}
        for key, plugin in sorted(reg.plugins.items()):
            meta = plugin.metadata
            self.stdout.write(f"{key} {meta.version}  {meta.name_zh} / {meta.name_en}")
            if plugin.distribution:
                self.stdout.write(f"  package: {plugin.distribution}")
            if meta.depends_on:
                self.stdout.write(f"  depends on: {', '.join(meta.depends_on)}")
            self.stdout.write(f"  hooks: {', '.join(plugin.hooks)}")
            for problem in refused.get(key, []):
                self.stdout.write(self.style.WARNING(f"  {key}: address refused: {problem}"))
            for township in townships:
                state = states.get((township.pk, key))
                label = "enabled" if state else "disabled" if state is False else "-"
                self.stdout.write(f"  {township.code} {township.name}: {label}")
        for key, why in sorted(reg.failed.items()):
            self.stdout.write(self.style.ERROR(f"{key} SKIPPED: {why}"))
        if not reg.plugins and not reg.failed:
            self.stdout.write("no plugins installed")
