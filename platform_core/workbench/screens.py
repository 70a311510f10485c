"""Plugins' workbench screens: mounted once per process, shown where the plugin is enabled.

URL patterns are fixed when the URLconf loads, so every loaded plugin's screens are
mounted under ``x/<plugin key>/<screen key>/``; each view is wrapped so that a
township which has not enabled the plugin answers 404 and a person without one of
the screen's roles 403, before the plugin's code runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import wraps

from django.http import Http404
from django.urls import URLPattern, URLResolver, include, path

from platform_core.plugins.manager import hooks_for, registry
from platform_core.plugins.types import WorkbenchScreen
from platform_core.workbench.access import workbench_page

logger = logging.getLogger(__name__)
HOOK = "township_workbench_screens"


@dataclass(frozen=True)
class MountedScreen:
    plugin: str
    screen: WorkbenchScreen

    @property
    def url_name(self) -> str:
        return f"work:{self.plugin}:{self.screen.key}"


def plugin_screens(plugin: str) -> list[WorkbenchScreen]:
    """The well-formed screens plugin ``plugin`` declares (bad ones are logged and left out)."""
    reg = registry()
    if plugin not in reg.plugins or not reg.implements(plugin, HOOK):
        return []
    try:
        answers = reg.call(HOOK, plugin)
    except Exception:
        logger.exception("plugin %s failed in %s", plugin, HOOK)
        return []
    screens = []
    for screen in (answers[0] if answers else None) or []:
        problems = (
            screen.problems() if isinstance(screen, WorkbenchScreen) else ["not a WorkbenchScreen"]
        )
        if problems:
            logger.error("plugin %s: workbench screen left out: %s", plugin, "; ".join(problems))
        else:
            screens.append(screen)
    return screens


def all_screens() -> list[MountedScreen]:
    """Every loaded plugin's screens, in the order of the plugins' keys."""
    reg = registry()
    return [MountedScreen(key, s) for key in sorted(reg.plugins) for s in plugin_screens(key)]


def enabled_screens(township) -> list[MountedScreen]:
    """The screens of the plugins this township has enabled (every workbench page's menu
    asks: only those plugins are asked for their screens, not every loaded one)."""
    enabled = set(hooks_for(township).enabled)
    if not enabled:
        return []
    return [
        MountedScreen(key, s)
        for key in sorted(registry().plugins)
        if key in enabled
        for s in plugin_screens(key)
    ]


def guard(plugin: str, screen: WorkbenchScreen, view):
    """``view`` answering only to ``screen.roles`` (checked by ``workbench_page``) and only
    in townships that enabled ``plugin``."""

    @workbench_page(screen.roles)
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if plugin not in hooks_for(request.township).enabled:
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


def urlpatterns() -> list[URLPattern | URLResolver]:
    """``x/<plugin>/<screen>/`` and the screen's own patterns, each view guarded.

    Each plugin has its own URL namespace inside the workbench's: a screen is
    reversed as ``work:<plugin>:<screen key>`` and its patterns by their names.
    """
    by_plugin: dict[str, list] = {}
    for mounted in all_screens():
        plugin, screen = mounted.plugin, mounted.screen
        inner = [path("", guard(plugin, screen, screen.view), name=screen.key)]
        inner += [_guarded_pattern(plugin, screen, pattern) for pattern in screen.urls]
        by_plugin.setdefault(plugin, []).append(path(f"{screen.key}/", include(inner)))
    return [
        path(f"x/{plugin}/", include((patterns, plugin))) for plugin, patterns in by_plugin.items()
    ]


def _guarded_pattern(plugin: str, screen: WorkbenchScreen, pattern):
    return URLPattern(
        pattern.pattern, guard(plugin, screen, pattern.callback), pattern.default_args, pattern.name
    )
