"""The integrity card's constants: its key, benefit code and setting defaults.

Here, not in ``plugin.py``, so the hooks, selectors and services all read them
without importing each other. No Django models here: discovery imports
``plugin.py``, and so this module, before they are ready (the role tuples, which
need the role model, are in ``services.py``).
"""

KEY = "integrity_card"
BENEFIT_CODE = "integrity_card"

# Defaults used when a township leaves a key out.
DEFAULTS = {"validity_months": 12, "reactivate_on_green": True}

# The tier a household must hold to have a usable card.
GREEN = "green"
