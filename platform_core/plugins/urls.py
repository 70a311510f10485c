"""Plugins' public addresses (``township_urls``): mounted once per process, gated per request.

URL patterns are fixed when a URLconf loads, so every loaded plugin's ``PluginUrls``
are mounted at their prefix in the township URLconf (and, with a
``county_parameter``, in the county's). Each view is wrapped: in a township that has
not enabled the plugin it answers 404 before the plugin's code runs; on the county
site the parameter chooses the township and the view runs in its schema.

A prefix that is malformed, overlaps a platform address or another plugin's is a
plugin problem: logged, kept in ``problems()`` (shown by ``manage.py plugins`` and
the system check ``plugins.W001``) and left out — one plugin's slip never takes the
platform's own pages, or another plugin's, away.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import wraps

from django.http import Http404
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext as _

from platform_core.plugins.manager import hooks_for, registry
from platform_core.plugins.types import PluginUrls

logger = logging.getLogger(__name__)
HOOK = "township_urls"

#: Top-level addresses of the platform a plugin may never take, on either site, besides
#: those the URLconfs already hold (read from their patterns): some are served before
#: the URLconf (``t/``, the path routing) or planned for the core (``open-data/``).
RESERVED = (
    "admin/",
    "work/",
    "graphql/",
    "accounts/",
    "health/",
    "i18n/",
    "open-data/",
    "t/",
    "static/",
    "media/",
)
_CODE = re.compile(r"^[0-9A-Za-z_-]{1,32}$")


@dataclass(frozen=True)
class MountedUrls:
    plugin: str
    urls: PluginUrls


def _declared(plugin: str) -> tuple[list[PluginUrls], list[str]]:
    """The plugin's answer: the well-formed ``PluginUrls``, and what was wrong with the rest."""
    reg = registry()
    try:
        answers = reg.call(HOOK, plugin)
    except Exception as exc:
        logger.exception("plugin %s failed in %s", plugin, HOOK)
        return [], [f"{HOOK} failed: {type(exc).__name__}: {exc}"]
    answer = answers[0] if answers else None
    if answer is None:
        return [], []
    if not isinstance(answer, list | tuple):
        return [], [f"{HOOK} returned {type(answer).__name__}, not a list"]
    kept, problems = [], []
    for item in answer:
        found = item.problems() if isinstance(item, PluginUrls) else [f"{item!r} is not PluginUrls"]
        if found:
            problems += found
        else:
            kept.append(item)
    return kept, problems


def _overlap(a: str, b: str) -> bool:
    """Whether one prefix (whole segments) starts the other: "open311/" and "open311/v2/"."""
    return a.startswith(b) or b.startswith(a)


@dataclass
class _Mounts:
    generation: int
    mounted: list[MountedUrls]
    problems: dict[str, list[str]]


_cache: _Mounts | None = None


def _build() -> _Mounts:
    reg = registry()
    mounted: list[MountedUrls] = []
    problems: dict[str, list[str]] = {}
    for key in sorted(reg.plugins):
        if not reg.implements(key, HOOK):
            continue
        declared, wrong = _declared(key)
        for urls in declared:
            taken = next((r for r in RESERVED if _overlap(urls.prefix, r)), None)
            if taken:
                wrong.append(f"prefix {urls.prefix} overlaps the platform's address {taken}")
                continue
            other = next((m for m in mounted if _overlap(urls.prefix, m.urls.prefix)), None)
            if other:
                wrong.append(
                    f"prefix {urls.prefix} overlaps {other.urls.prefix} of plugin {other.plugin}"
                )
                continue
            mounted.append(MountedUrls(key, urls))
        if wrong:
            problems[key] = wrong
            logger.error("plugin %s: addresses left out: %s", key, "; ".join(wrong))
    return _Mounts(reg.generation, mounted, problems)


def _mounts() -> _Mounts:
    global _cache
    if _cache is None or _cache.generation != registry().generation:
        _cache = _build()
    return _cache


def all_urls() -> list[MountedUrls]:
    """Every loaded plugin's accepted addresses, in the order of the plugins' keys."""
    return list(_mounts().mounted)


def problems() -> dict[str, list[str]]:
    """Plugin key -> why some of its ``township_urls`` were left out (empty when none)."""
    return {k: list(v) for k, v in _mounts().problems.items()}


def _error(urls: PluginUrls, request, status: int, message: str):
    if urls.county_error is not None:
        return urls.county_error(request, status, message)
    if status == 404:
        raise Http404(message)
    from django.http import HttpResponseBadRequest

    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _township_view(plugin: str, urls: PluginUrls, view):
    """``view`` answering only in townships that enabled ``plugin`` (404 elsewhere)."""

    @wraps(view)
    def gated(request, *args, **kwargs):
        township = getattr(request, "township", None)
        if township is None or plugin not in hooks_for(township).enabled:
            return _error(urls, request, 404, _("This service is not offered here."))
        return view(request, *args, **kwargs)

    return gated


def _county_view(plugin: str, urls: PluginUrls, view):
    """``view`` run in the schema of the township the request's parameter names."""
    from django_tenants.utils import tenant_context

    from tenants.selectors import township_for_code

    name = urls.county_parameter

    @wraps(view)
    def in_named_township(request, *args, **kwargs):
        code = request.GET.get(name, "")
        if not code and request.method == "POST":
            code = request.POST.get(name, "")
        code = code.strip()
        if not code:
            return _error(
                urls,
                request,
                400,
                _("Missing parameter %(name)s: the code of the township asked.") % {"name": name},
            )
        township = township_for_code(code) if _CODE.match(code) else None
        if township is None or not township.is_active or plugin not in hooks_for(township).enabled:
            return _error(
                urls,
                request,
                404,
                _("%(name)s %(code)s: no township here offers this service.")
                % {"name": name, "code": code[:40]},
            )
        with tenant_context(township):
            request.township = request.tenant = township
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()  # a TemplateResponse reads the township's schema
                return response
            finally:
                request.township = request.tenant = None

    return in_named_township


def _gated(pattern: URLPattern, wrap) -> URLPattern:
    return URLPattern(pattern.pattern, wrap(pattern.callback), pattern.default_args, pattern.name)


def _first_segments(patterns) -> set[str]:
    """The top-level segments ("admin/", "households/") the platform's patterns serve."""
    found: set[str] = set()
    for pattern in patterns:
        route = str(pattern.pattern)
        if route.startswith("^"):  # a regex pattern: take its literal start
            route = re.sub(r"^\^", "", route)
        segment = route.split("/", 1)[0]
        if "<" in segment or "(" in segment:
            continue
        if segment:
            found.add(segment + "/")
        elif isinstance(pattern, URLResolver):
            found |= _first_segments(pattern.url_patterns)
    return found


def _mount(core_patterns, county: bool) -> list[URLResolver]:
    taken = _first_segments(core_patterns)
    by_plugin: dict[str, list] = {}
    for mounted in all_urls():
        urls = mounted.urls
        if county and not urls.county_parameter:
            continue
        clash = urls.prefix.split("/", 1)[0] + "/"
        if clash in taken:
            message = f"prefix {urls.prefix} overlaps the platform's address {clash}"
            logger.error("plugin %s: addresses left out: %s", mounted.plugin, message)
            found = _mounts().problems.setdefault(mounted.plugin, [])
            if message not in found:
                found.append(message)
            continue

        def wrap(view, plugin=mounted.plugin, urls=urls):
            return (_county_view if county else _township_view)(plugin, urls, view)

        inner = [_gated(p, wrap) for p in urls.patterns]
        by_plugin.setdefault(mounted.plugin, []).append(path(urls.prefix, include(inner)))
    return [path("", include((patterns, plugin))) for plugin, patterns in by_plugin.items()]


def township_patterns(core_patterns) -> list[URLResolver]:
    """The plugins' addresses for the township URLconf (after ``core_patterns``)."""
    return _mount(core_patterns, county=False)


def county_patterns(core_patterns) -> list[URLResolver]:
    """The plugins' addresses with a ``county_parameter``, for the county URLconf."""
    return _mount(core_patterns, county=True)


def check_plugin_urls(app_configs=None, **kwargs) -> list:
    """System check: a warning per plugin whose addresses were left out."""
    import importlib

    from django.conf import settings
    from django.core.checks import Warning as CheckWarning

    for urlconf in (settings.ROOT_URLCONF, settings.PUBLIC_SCHEMA_URLCONF):
        importlib.import_module(urlconf)  # mounting finds the clashes with platform paths

    return [
        CheckWarning(
            f"plugin {key}: public addresses left out: {'; '.join(found)}",
            hint="Give the plugin's PluginUrls a prefix of its own (township_urls).",
            id="plugins.W001",
        )
        for key, found in sorted(problems().items())
    ]
