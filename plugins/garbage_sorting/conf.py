"""Garbage sorting's constants: its key, rule codes and setting defaults.

Here, not in ``plugin.py``, so the hooks and the services both read them without
importing each other.
"""

KEY = "garbage_sorting"

MODEL_MONTH_RULE = "GSI-MODEL-MONTH"

# Inspection result -> the rule its entry is recorded under.
RULE_FOR_RESULT = {
    "correct": "GSI-CORRECT",
    "wrong": "GSI-WRONG",
    "not_sorted": "GSI-NOT-SORTED",
}

# Correct inspections, and no fault, that make a month's model household.
MODEL_MONTH_MIN = 3
