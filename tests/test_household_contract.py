"""The engine's CLI contract for households holds across issue 19 (merchants and firms).

A fixed scenario (tests/data/household_contract: three villages, 42 households, four
months of entries with deductions, a formal finding and covenant caps) is run through the
contract commands (``onboard_township``, ``adopt_covenant``, ``import_households``,
``import_score_events``, ``evaluate`` with ``--post``/``--finalize``, ``export_scores``).
The expected files were written once, by ``run_scenario`` run in a ``git worktree`` of
the code before any issue-19 change (commit 0632270; this venv, with a
``township_integrity`` dist-info on PYTHONPATH listing only that commit's plugins), and
are never rewritten from the current code: every score, tier and row must stay the same,
also when merchants and firms with their own entries share the township.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data" / "household_contract"
CODE = "330502190"
FINALISED = ("2026-01", "2026-02", "2026-03")
OPEN = ("2026-04",)  # exported from the ledger as it stands


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _evaluate(period: str, *flags: str) -> dict:
    line = json.loads(_run("evaluate", "--township", CODE, "--period", period, *flags))
    # The day a posting ends depends on today; the contract is the figures.
    line.pop("posting_ends_on", None)
    return line


def run_scenario(tmp_path: Path, before_events: Callable[[], None] | None = None) -> dict:
    """The scenario's outputs: evaluate's JSON lines and each month's export_scores file."""
    _run(
        "onboard_township",
        "--code",
        CODE,
        "--name",
        "契约镇",
        "--slug",
        "contract",
        "--admin-email",
        "admin@contract.test",
    )
    _run(
        "adopt_covenant",
        "--township",
        CODE,
        "--title",
        "2026年村规民约",
        "--effective",
        "2026-01-01",
        "--meeting-date",
        "2025-12-20",
        "--attendance",
        "60",
        "--for",
        "50",
        "--against",
        "6",
        "--abstain",
        "4",
        "--minutes",
        str(DATA / "minutes.pdf"),
        str(DATA / "covenant.csv"),
    )
    _run("import_households", "--township", CODE, str(DATA / "households.csv"))
    if before_events is not None:
        before_events()
    outputs: dict = {"evaluate": []}
    _run("import_score_events", "--township", CODE, "--approve", str(DATA / "events_1.csv"))
    for period in FINALISED[:2]:
        outputs["evaluate"].append(_evaluate(period, "--post"))
        outputs["evaluate"].append(
            _evaluate(period, "--finalize", "--override-posting", "contract test")
        )
    _run("import_score_events", "--township", CODE, "--approve", str(DATA / "events_2.csv"))
    for period in FINALISED[2:]:
        outputs["evaluate"].append(_evaluate(period, "--post"))
        outputs["evaluate"].append(
            _evaluate(period, "--finalize", "--override-posting", "contract test")
        )
    for period in OPEN:
        outputs["evaluate"].append(_evaluate(period))
    for period in FINALISED + OPEN:
        target = tmp_path / f"scores_{period}.csv"
        _run("export_scores", "--township", CODE, "--period", period, str(target))
        outputs[f"scores_{period}.csv"] = target.read_text(encoding="utf-8")
    return outputs


def _expected() -> dict:
    outputs: dict = {
        "evaluate": [
            json.loads(line) for line in (DATA / "expected_evaluate.jsonl").read_text().splitlines()
        ]
    }
    for period in FINALISED + OPEN:
        name = f"scores_{period}.csv"
        outputs[name] = (DATA / f"expected_{name}").read_text(encoding="utf-8")
    return outputs


def _compare(got: dict, expected: dict) -> None:
    assert got["evaluate"] == expected["evaluate"]
    for name, text in expected.items():
        if name == "evaluate":
            continue
        assert got[name].splitlines() == text.splitlines(), name


def test_the_household_scenario_gives_the_same_scores(tmp_path):
    got = run_scenario(tmp_path)
    expected = _expected()
    # The scenario is not empty: 42 households each month, every tier present.
    assert all(line["households"] == 42 for line in expected["evaluate"])
    assert all(line[tier] for line in expected["evaluate"][:2] for tier in ("green", "blue", "red"))
    _compare(got, expected)


ENTERPRISES = [
    # code, kind, credit code, name, village
    ("E-0001", "merchant", "91350100M000100Y43", "太湖小卖部", "太湖村"),
    ("E-0002", "firm", "914403001922038216", "红旗农机有限公司", "红旗村"),
    ("E-0003", "firm", "91440300708461136T", "新风茶叶合作社", "新风村"),
]


def _add_enterprises() -> None:
    """Merchants and firms of the same villages, with bonuses and deductions each month."""
    import datetime as dt

    from django_tenants.utils import tenant_context

    from platform_core.households.models import Household, Village
    from platform_core.scoring import services as scoring
    from platform_core.scoring.models import Rule
    from tenants.models import Township
    from tests import factories as f

    with tenant_context(Township.objects.get(code=CODE)):
        by, reviewer = f.person(), f.person()
        for code, kind, credit_code, name, village in ENTERPRISES:
            subject = Household.subjects.create(
                code=code,
                kind=kind,
                credit_code=credit_code,
                head_name=name,
                legal_representative="法人" + name[:1],
                village=Village.objects.get(name=village),
            )
            rules = [  # the merchants' and firms' own covenant
                rule
                for rule in Rule.objects.filter(active=True).order_by("code")
                if not rule.requires_finding and scoring.rule_subject_problem(rule, subject) is None
            ]
            bonus = next(rule for rule in rules if rule.points > 0)
            deduction = next(rule for rule in rules if rule.points < 0)
            for month, rule in ((1, deduction), (2, bonus), (3, deduction), (4, bonus)):
                entry = scoring.record_entry(
                    household=subject,
                    rule=rule,
                    occurred_on=dt.date(2026, month, 5),
                    recorder=by,
                    source="staff",
                    evidence="contract test",
                )
                if entry.status == "proposed":
                    scoring.review_entry(entry, reviewer=reviewer, approve=True)
        assert Household.subjects.exclude(kind="household").count() == len(ENTERPRISES)


def test_merchants_and_firms_in_the_township_change_no_household_figure(tmp_path):
    _compare(run_scenario(tmp_path, before_events=_add_enterprises), _expected())
