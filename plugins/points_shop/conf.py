"""The points shop's constants: its key, the benefit and setting defaults.

Here, not in ``plugin.py``, so the hooks, selectors and services all read them
without importing each other. No Django models here: discovery imports
``plugin.py``, and so this module, before they are ready (the role tuples, which
need the role model, are in ``services.py``).
"""

KEY = "points_shop"
BENEFIT = "points_exchange"

# Defaults used when a township leaves a key out.
DEFAULTS = {"other_villages": False, "max_points_per_order": None}
