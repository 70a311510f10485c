"""Finding plugins, and calling only the ones a township enabled.

One pluggy ``PluginManager`` per process holds every installed plugin that loaded
and is compatible. Per township nothing is registered, unregistered or blocked
(that state is process-global in pluggy): a ``TownshipHooks`` knows the township's
enabled keys and their settings and calls each enabled implementer through a
``subset_hook_caller`` that leaves out every other plugin. Subset callers are
cached per (hook, plugin); ``TownshipHooks`` per (township, plugins_version).
"""

from __future__ import annotations

import copy
import inspect
import logging
import threading
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from platform_core.plugins import CORE_VERSION, hookspecs
from platform_core.plugins.types import PluginMetadata

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "township_integrity.plugins"
# Every hook called at least once in this process (the test suite checks it covers all).
CALLED_HOOKS: set[str] = set()
HOOK_NAMES = [
    name
    for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
    if name.startswith("township_")
]


@dataclass
class LoadedPlugin:
    key: str
    plugin: object
    metadata: PluginMetadata
    hooks: list[str]
    distribution: str = ""


@dataclass
class Registry:
    pm: pluggy.PluginManager
    plugins: dict[str, LoadedPlugin] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # key -> why it was skipped
    generation: int = 0
    _callers: dict = field(default_factory=dict)

    def caller(self, hook: str, key: str):
        """The hook, calling only plugin ``key`` (cached; never mutates the manager)."""
        cached = self._callers.get((hook, key))
        if cached is None:
            others = [p.plugin for k, p in self.plugins.items() if k != key]
            cached = self.pm.subset_hook_caller(hook, remove_plugins=others)
            self._callers[(hook, key)] = cached
        return cached

    def call(self, hook: str, key: str, **kwargs) -> list:
        """Call plugin ``key``'s implementation alone; a list of its answer (or [])."""
        CALLED_HOOKS.add(hook)
        return self.caller(hook, key)(**kwargs)

    def implements(self, key: str, hook: str) -> bool:
        return hook in self.plugins[key].hooks


_lock = threading.Lock()
_registry: Registry | None = None
_generation = 0


def registry() -> Registry:
    """The process's plugins, loaded on first use."""
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = _load()
    return _registry


def reload() -> Registry:
    """Find plugins again (after installing or removing a package)."""
    global _registry
    with _lock:
        _registry = _load()
        _township_hooks.clear()
    return _registry


def _load() -> Registry:
    global _generation
    _generation += 1
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    result = Registry(pm=pm, generation=_generation)
    for entry_point in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        key = entry_point.name
        try:
            plugin = entry_point.load()
        except Exception as exc:  # a third party's import error must not stop the platform
            _skip(result, key, f"cannot be imported: {type(exc).__name__}: {exc}")
            continue
        try:
            pm.register(plugin, name=key)
        except Exception as exc:  # e.g. pluggy.PluginValidationError: unknown hook arguments
            _skip(result, key, f"does not match the hookspecs: {exc}")
            continue
        problem, metadata = _check_metadata(pm, key, CORE_VERSION)
        if problem:
            pm.unregister(name=key)
            _skip(result, key, problem)
            continue
        hooks = [
            h
            for h in HOOK_NAMES
            if any(impl.plugin_name == key for impl in getattr(pm.hook, h).get_hookimpls())
        ]
        dist = getattr(entry_point, "dist", None)
        result.plugins[key] = LoadedPlugin(
            key, plugin, metadata, hooks, f"{dist.name} {dist.version}" if dist else ""
        )
    return result


def _skip(result: Registry, key: str, why: str) -> None:
    result.failed[key] = why
    logger.error("plugin %s skipped: %s", key, why)


def _check_metadata(pm, key: str, core_version: str) -> tuple[str, PluginMetadata | None]:
    impls = [i for i in pm.hook.township_plugin_metadata.get_hookimpls() if i.plugin_name == key]
    if not impls:
        return "implements no township_plugin_metadata hook", None
    CALLED_HOOKS.add("township_plugin_metadata")
    try:
        metadata = impls[0].function()
    except Exception as exc:
        return f"township_plugin_metadata failed: {type(exc).__name__}: {exc}", None
    return metadata_problem(metadata, key, core_version), metadata


def metadata_problem(metadata, key: str, core_version: str) -> str:
    """Why ``metadata`` is not acceptable for plugin ``key`` ("" when it is)."""
    if not isinstance(metadata, PluginMetadata):
        return f"township_plugin_metadata returned {type(metadata).__name__}, not PluginMetadata"
    if metadata.key != key:
        return f"metadata key {metadata.key!r} differs from the entry-point name {key!r}"
    try:
        compatible = Version(core_version) in SpecifierSet(metadata.core_versions)
    except InvalidSpecifier:
        return f"core_versions {metadata.core_versions!r} is not a version specifier"
    if not compatible:
        return f"needs platform {metadata.core_versions}, this is {core_version}"
    try:
        Draft202012Validator.check_schema(metadata.settings_schema)
    except SchemaError as exc:
        return f"settings_schema is not a valid JSON Schema: {exc.message}"
    return ""


# --- per township -------------------------------------------------------------


class TownshipHooks:
    """The hooks of one township: only its enabled plugins, each with its settings."""

    def __init__(self, reg: Registry, enabled: dict[str, dict]):
        self.registry = reg
        self.enabled = {k: v for k, v in enabled.items() if k in reg.plugins}
        for key in sorted(set(enabled) - set(self.enabled)):
            logger.warning(
                "plugin %s is enabled but not loaded (%s); it is not called",
                key,
                reg.failed.get(key, "not installed"),
            )

    def implementers(self, hook: str) -> list[str]:
        return [k for k in self.enabled if self.registry.implements(k, hook)]

    def call(self, hook: str, **kwargs) -> list[tuple[str, object]]:
        """(key, result) of every enabled implementer that returned something."""
        results = []
        for key in self.implementers(hook):
            value = self._call_one(hook, key, kwargs)
            if value is not None:
                results.append((key, value))
        return results

    def first(self, hook: str, **kwargs) -> tuple[str, object] | None:
        """The first enabled implementer's non-None answer (a ``firstresult`` hook)."""
        for key in self.implementers(hook):
            value = self._call_one(hook, key, kwargs)
            if value is not None:
                return key, value
        return None

    def notify(self, hook: str, **kwargs) -> None:
        """Call every enabled implementer; one plugin's exception never stops the others."""
        for key in self.implementers(hook):
            try:
                self._call_one(hook, key, kwargs)
            except Exception:
                logger.exception("plugin %s failed in %s", key, hook)

    def call_plugin(self, hook: str, key: str, **kwargs):
        """Plugin ``key``'s answer alone (it must be enabled here), for callers that
        judge each plugin's answer — or failure — on its own."""
        if key not in self.enabled:
            raise LookupError(f"plugin {key} is not enabled here")
        return self._call_one(hook, key, kwargs)

    def _call_one(self, hook: str, key: str, kwargs: dict):
        CALLED_HOOKS.add(hook)
        if "settings" in getattr(self.registry.pm.hook, hook).spec.argnames:  # its own, a copy
            kwargs = {**kwargs, "settings": copy.deepcopy(self.enabled[key])}
        caller = getattr(self.registry.pm.hook, hook)
        result = self.registry.caller(hook, key)(**kwargs)
        if caller.spec.opts.get("firstresult"):
            return result
        return result[0] if result else None  # a list of this one plugin's answer


_township_hooks: dict[tuple, TownshipHooks] = {}


def hooks_for(township) -> TownshipHooks:
    """The township's hooks, cached by township and activation version (no query when warm)."""
    reg = registry()
    key = (township.pk, township.plugins_version, reg.generation)
    hooks = _township_hooks.get(key)
    if hooks is None:
        from tenants.models import PluginActivation

        enabled = dict(
            PluginActivation.objects.filter(township_id=township.pk, enabled=True)
            .order_by("plugin")
            .values_list("plugin", "settings")
        )
        hooks = TownshipHooks(reg, enabled)
        if len(_township_hooks) > 1000:
            _township_hooks.clear()
        _township_hooks[key] = hooks
    return hooks
