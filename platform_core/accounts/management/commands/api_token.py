"""``api_token``: issue, list and revoke API tokens for machine clients.

    manage.py api_token --township 330502103 --user bank@hongqiao.demo --role alliance_member \
        --label "bank loan system"
    manage.py api_token --county --user county@demo.local --label "statistics export"
    manage.py api_token --township 330502103 --list
    manage.py api_token --revoke 1a2b3c4d

The token is printed once on stdout (only its SHA-256 digest is stored).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from platform_core.accounts.models import ApiToken, Role
from platform_core.accounts.services import issue_token, revoke_token
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from tenants.models import Township


class Command(BaseCommand):
    help = "Issue (--user), list (--list) or revoke (--revoke PREFIX) API tokens."

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--township", metavar="CODE", help="9-digit township code")
        where.add_argument("--county", action="store_true", help="a county token")
        parser.add_argument("--user", metavar="EMAIL", help="whose role the token carries")
        parser.add_argument("--role", choices=Role.values, help="default: county_admin")
        parser.add_argument("--village", default="", metavar="CODE", help="narrow to a village")
        parser.add_argument("--label", default="", help="which client uses the token")
        parser.add_argument("--list", action="store_true", help="list tokens (no secrets)")
        parser.add_argument("--revoke", metavar="PREFIX", help="revoke the token with PREFIX")

    def handle(self, *args, **options):
        if options["revoke"]:
            return self._revoke(options["revoke"])
        township = self._township(options)
        if options["list"]:
            return self._list(township)
        if not options["user"]:
            raise CommandError("--user EMAIL is required to issue a token")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user with e-mail {options['user']!r}")
        role = options["role"] or (Role.COUNTY_ADMIN if township is None else None)
        if role is None:
            raise CommandError("--role is required for a township token")
        try:
            record, token = issue_token(
                user,
                township,
                role,
                label=options["label"],
                by=Actor.cli(),
                village_code=options["village"],
            )
        except PlatformError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"token {record.prefix} issued; it is shown once, store it now:")
        self.stdout.write(token)

    def _township(self, options) -> Township | None:
        if options["county"]:
            return None
        if not options["township"]:
            raise CommandError("give --township CODE or --county")
        township = Township.objects.filter(code=options["township"]).first()
        if township is None:
            raise CommandError(f"no township with code {options['township']!r}")
        return township

    def _list(self, township: Township | None) -> None:
        for t in ApiToken.objects.filter(township=township).select_related("user"):
            state = "revoked" if t.revoked_at else "active"
            self.stdout.write(
                f"{t.prefix}\t{state}\t{t.user.email}\t{t.role}\t{t.village_code or '-'}\t"
                f"{t.label}\tlast used {t.last_used_at or 'never'}"
            )

    def _revoke(self, prefix: str) -> None:
        record = ApiToken.objects.filter(prefix=prefix).first()
        if record is None:
            raise CommandError(f"no token with prefix {prefix!r} (see --list)")
        revoke_token(record, by=Actor.cli())
        self.stdout.write(f"token {prefix} revoked")
