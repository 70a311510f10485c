#!/usr/bin/env python
"""Django's command-line utility for the township integrity platform."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    from django.core.management import execute_from_command_line

    from platform_core import action_context

    # Every command's writes name it in the action log (TownshipCommand also names
    # its --operator).
    # (A server's requests open their own.)
    name = sys.argv[1] if len(sys.argv) > 1 else "help"
    if name in {"runserver", "testserver"}:
        execute_from_command_line(sys.argv)
        return
    import django

    django.setup()
    with action_context.command(name):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
