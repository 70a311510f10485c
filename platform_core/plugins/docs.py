"""The hook reference (docs/plugins/hooks.md), generated from the hookspecs' docstrings."""

from __future__ import annotations

import inspect

from platform_core.plugins import hookspecs
from platform_core.plugins.manager import HOOK_NAMES

HEADER = """# Hook reference

Generated from `platform_core/plugins/hookspecs.py` by
`python manage.py plugin_docs` — do not edit by hand (a test fails when this file
and the hookspecs differ). Import the marker with
`from township_integrity import hookimpl`.

"""


def undocumented_hooks() -> list[str]:
    return [name for name in HOOK_NAMES if not inspect.getdoc(getattr(hookspecs, name))]


def hook_reference() -> str:
    parts = [HEADER]
    for name in HOOK_NAMES:
        function = getattr(hookspecs, name)
        options = getattr(function, hookspecs.PROJECT + "_spec")
        kind = (
            "firstresult: the first non-None answer"
            if options.get("firstresult")
            else ("every enabled plugin's answer is collected")
        )
        signature = ", ".join(inspect.signature(function).parameters)
        parts.append(f"## `{name}({signature})`\n\n*{kind}*\n\n{inspect.getdoc(function)}\n\n")
    return "".join(parts).rstrip() + "\n"
