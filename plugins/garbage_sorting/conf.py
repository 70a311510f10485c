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

# The legal basis of the inspection's deductions (docs/scoring.md, Legal basis).
GARBAGE_BASIS = "《村规民约》垃圾分类条；《中华人民共和国固体废物污染环境防治法》第四十九条"
