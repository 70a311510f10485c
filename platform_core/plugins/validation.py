"""Checks of what plugins hand over, shared by the enabling service and the contract kit."""

from __future__ import annotations

from platform_core.plugins.types import RULE_CATEGORIES, RuleSpec

MAX_POINTS = 1000
MAX_CODE = 40
MAX_TITLE = 200
MAX_BASIS = 300


def rule_problems(rules) -> list[str]:
    """What is wrong with a plugin's covenant rules ([] when they are well-formed)."""
    problems: list[str] = []
    codes: set[str] = set()
    for rule in rules or []:
        if not isinstance(rule, RuleSpec):
            problems.append(f"township_covenant_rules returned {type(rule).__name__}, not RuleSpec")
            continue
        if not rule.code or len(rule.code) > MAX_CODE or rule.code in codes:
            problems.append(f"rule code {rule.code!r} is empty, longer than {MAX_CODE} or repeated")
        codes.add(rule.code)
        if not rule.title_zh or not rule.title_en:
            problems.append(f"rule {rule.code}: needs title_zh and title_en")
        if len(rule.title_zh) > MAX_TITLE or len(rule.title_en) > MAX_TITLE:
            problems.append(f"rule {rule.code}: titles are at most {MAX_TITLE} characters")
        if rule.category not in RULE_CATEGORIES:
            problems.append(
                f"rule {rule.code}: category {rule.category!r} is not one of "
                f"{', '.join(RULE_CATEGORIES)}"
            )
        if not isinstance(rule.points, int) or rule.points == 0 or abs(rule.points) > MAX_POINTS:
            problems.append(
                f"rule {rule.code}: points must be a whole number, not 0, within ±{MAX_POINTS}"
            )
        basis = getattr(rule, "basis", "")
        if not isinstance(basis, str) or len(basis) > MAX_BASIS:
            problems.append(
                f"rule {rule.code}: basis must be text of at most {MAX_BASIS} characters"
            )
        elif isinstance(rule.points, int) and rule.points < 0 and not basis.strip():
            problems.append(
                f"rule {rule.code}: a deduction needs its legal basis (RuleSpec.basis: "
                "a covenant clause, law or document number)"
            )
        elif rule.immediate and not basis.strip():
            problems.append(
                f"rule {rule.code}: an immediate rule needs the basis that allows it "
                "(RuleSpec.basis)"
            )
    return problems
