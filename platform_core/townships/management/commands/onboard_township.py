"""``onboard_township``: create a township (schema, domain, plugins, first administrator)."""

from django.core.management.base import BaseCommand, CommandError

from platform_core.actors import Actor
from platform_core.townships.services import OnboardingError, onboard_township


class Command(BaseCommand):
    help = "Onboard a township: clone its schema, add its domain, plugins and first administrator."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code", required=True, help="9-digit administrative code, e.g. 330502103"
        )
        parser.add_argument("--name", required=True, help="Township name, e.g. 洪桥镇")
        parser.add_argument(
            "--county", help="6-digit county code (default: first 6 digits of --code)"
        )
        parser.add_argument("--county-name", help="Name for the county if it is new")
        parser.add_argument("--slug", help="Host-name label (default: the code)")
        parser.add_argument("--domain", help="Full host name (default: <slug>.<BASE_DOMAIN>)")
        parser.add_argument(
            "--plugins", help="Comma-separated plugin keys (default: the county's set)"
        )
        parser.add_argument("--admin-email", help="E-mail of the first township administrator")
        parser.add_argument(
            "--admin-password",
            help="Password for a new administrator (default: a generated one, printed once)",
        )

    def handle(self, *args, **opts):
        plugins = None if opts["plugins"] is None else opts["plugins"].split(",")
        self.stdout.write(f"Onboarding {opts['code']} {opts['name']} ...")
        try:
            result = onboard_township(
                code=opts["code"],
                name=opts["name"],
                county=opts["county"],
                county_name=opts["county_name"],
                slug=opts["slug"],
                domain=opts["domain"],
                plugins=plugins,
                admin_email=opts["admin_email"],
                admin_password=opts["admin_password"],
                by=Actor.cli(),
            )
        except OnboardingError as exc:
            raise CommandError(str(exc)) from exc
        t = result.township
        plugins = ", ".join(result.plugins) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"Onboarded {t.name} ({t.code}) in schema {t.schema_name}, "
                f"at {result.domain.domain} and /t/{t.code}/; plugins: {plugins}."
            )
        )
        if result.admin_email:
            line = f"Administrator: {result.admin_email}"
            if result.admin_password:
                line += f" with password {result.admin_password} (shown once; change it)"
            self.stdout.write(line)
