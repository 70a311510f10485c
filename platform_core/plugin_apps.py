"""Which Django apps are plugins': read from the ``township_integrity.django_apps`` entry points.

A leaf module (Django and the standard library only) because both the township
admin (it gates a plugin's pages) and the accounts (the township administrators'
permissions) ask it, and the plugin machinery sits above both.
"""

from __future__ import annotations

from functools import cache


@cache
def plugin_app_labels() -> dict[str, str]:
    """App label -> plugin key, from the ``township_integrity.django_apps`` entry points."""
    from importlib.metadata import entry_points

    from django.apps import apps

    modules = {ep.value: ep.name for ep in entry_points(group="township_integrity.django_apps")}
    return {c.label: modules[c.name] for c in apps.get_app_configs() if c.name in modules}
