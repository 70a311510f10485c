"""Base for management commands that work inside one township (``--township CODE``).

It resolves the township, runs the command in its schema, shows progress on
stderr, and turns refused operations (PlatformError) into a one-paragraph
message for the clerk instead of a traceback.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import tenant_context

from platform_core import action_context
from platform_core.accounts.selectors import STAFF_ROLES, has_role
from platform_core.actors import Actor
from platform_core.errors import PlatformError
from tenants.models import Township


class TownshipCommand(BaseCommand):
    """A command run in one township: ``--township CODE``, then ``handle_township``.

    Refusals (``PlatformError``) and unreadable files end the command with their
    message, not a traceback; ``operator(options)`` is the ``Actor`` of the run.
    """

    def add_arguments(self, parser):
        parser.add_argument(
            "--township", required=True, metavar="CODE", help="9-digit township code"
        )
        self.add_township_arguments(parser)

    def add_township_arguments(self, parser):
        """Override to add the command's own arguments."""

    def handle(self, *args, **options):
        code = options["township"]
        township = Township.objects.filter(code=code).first()
        if township is None:
            raise CommandError(f"no township with code {code!r} (see `manage.py status`)")
        name = type(self).__module__.rsplit(".", 1)[-1]
        try:
            with action_context.command(name), tenant_context(township):
                rest = {k: v for k, v in options.items() if k != "township"}
                return self.handle_township(township, **rest)
        except PlatformError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:  # a file that cannot be read or written
            raise CommandError(f"{exc.filename or ''}: {exc.strerror or exc}") from exc

    def handle_township(self, township: Township, **options):
        """Your command's work, inside ``township``'s schema (the options without it)."""
        raise NotImplementedError

    def operator(self, options) -> Actor:
        """``--operator EMAIL`` (a staff member of this township) or the OS account."""
        try:
            actor = Actor.cli(options.get("operator"))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        township = connection.tenant
        if actor.user is not None and not has_role(actor.user, township, STAFF_ROLES):
            raise CommandError(f"{actor.label} has no staff role in {township.name}")
        action_context.attribute(actor)  # the action log names the operator
        return actor

    def progress(self, message: str) -> None:
        """One progress line on stderr (overwritten in place on a terminal)."""
        stream = self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr
        stamp = time.strftime("%H:%M:%S")
        if stream.isatty():
            stream.write(f"\r\033[K{stamp} {message}")
        else:
            stream.write(f"{stamp} {message}\n")
        stream.flush()

    def done(self, summary: str) -> None:
        """Clear the progress line and print ``summary`` on stdout."""
        stream = self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr
        if stream.isatty():
            stream.write("\r\033[K")
        self.stdout.write(summary)


def add_operator_argument(parser) -> None:
    """Adds ``--operator EMAIL``: the staff member the run acts as (default: the OS account)."""
    parser.add_argument(
        "--operator",
        metavar="EMAIL",
        help="The platform user responsible for this run (default: the OS account)",
    )
