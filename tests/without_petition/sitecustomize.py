"""Hides plugins from this process, as if their packages were not installed.

Put this folder first on ``PYTHONPATH`` and name the plugins in
``PLATFORM_HIDE_PLUGINS`` (comma-separated keys): their entry points are left out
of both groups (``township_integrity.plugins`` and ``township_integrity.django_apps``)
and importing ``plugins.<key>`` fails. Used only by ``tests/test_without_petition.py``.
"""

import importlib.abc
import importlib.machinery
import importlib.metadata
import os
import sys

HIDDEN = {k.strip() for k in os.environ.get("PLATFORM_HIDE_PLUGINS", "").split(",") if k.strip()}
GROUPS = ("township_integrity.plugins", "township_integrity.django_apps")


class HiddenPlugins(importlib.abc.MetaPathFinder):
    """Refuses to find the hidden plugins' packages (and so every module in them)."""

    def __init__(self, packages: set[str]):
        self.packages = packages

    def find_spec(self, fullname, path=None, target=None):
        if any(fullname == p or fullname.startswith(p + ".") for p in self.packages):
            raise ModuleNotFoundError(f"No module named {fullname!r} (hidden)", name=fullname)
        return None


def _without_hidden(entry_points):
    def visible(**params):
        found = entry_points(**params)
        if params.get("group") in GROUPS:
            return importlib.metadata.EntryPoints(ep for ep in found if ep.name not in HIDDEN)
        return found

    return visible


def _path_finder_without(hidden: HiddenPlugins):
    """PathFinder.find_spec refusing the hidden packages too: pytest's assertion rewriter
    sits before every other finder and asks PathFinder itself for the packages it rewrites
    (an editable install marks all of ours), so hiding them from sys.meta_path alone is
    not enough."""
    find_spec = importlib.machinery.PathFinder.find_spec

    def hidden_find_spec(cls, fullname, path=None, target=None):
        hidden.find_spec(fullname)
        return find_spec(fullname, path, target)

    return classmethod(hidden_find_spec)


if HIDDEN:
    _hidden = HiddenPlugins({f"plugins.{key}" for key in HIDDEN})
    sys.meta_path.insert(0, _hidden)
    importlib.machinery.PathFinder.find_spec = _path_finder_without(_hidden)
    importlib.metadata.entry_points = _without_hidden(importlib.metadata.entry_points)
