"""Covenant what-if (issue 16, item 11): the ledger replayed under proposed rule changes.

The ledger of ``_ledger`` is small enough to check by hand; the proposal withdraws
GS-01, moves VO-03 from +10 to +5 and P7-03 from -5 to -8, and caps VO-01 at +3 a
month. Scores (base 100; green above 100, red below 100):

    household  entries (2026)                               before      after
    V01-0001   GS-01 +2 (3-03)                              102 green   100 blue
    V01-0002   P7-03 -5 (3-02), VO-03 +10 (3-03)            105 green    97 red
    V01-0003   nothing                                      100 blue    100 blue
    V02-0001   VO-01 +2 ×3 (3-05..07), CR-04 -5 (3-04)      101 green    98 red
               (the cap lets 2 + 1 + 0 of the VO-01 count)
    V02-0002   VO-01 +2 (4-02), VO-01 +2 (4-03)             Mar 100 blue, Apr 104 green
               (after: April's cap room is fresh: 2 + 1)    Mar 100 blue, Apr 103 green
    V02-0003   nothing                                      100 blue    100 blue
"""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.evaluation.selectors import preview_month
from platform_core.evaluation.whatif import Tiers, WhatIfRefused, covenant_whatif
from platform_core.scoring.caps import CapSpec, Entry, replay
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.tabular import TableError
from tenants.models import Township
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
MARCH, APRIL = D(2026, 3, 1), D(2026, 4, 1)
HEADER = "code,title_zh,title_en,category,points,needs_review,active,cap_month\n"
PROPOSAL = HEADER + (
    "GS-01,垃圾分类检查合格,Garbage sorted,garbage_sorting,2,true,false,\n"
    "VO-03,获评最美,Most beautiful,volunteering,5,true,,\n"
    "P7-03,散播谣言,Rumours,prohibition,-8,true,,\n"
    "VO-01,参加志愿服务活动,Volunteer service,volunteering,2,true,,3\n"
)


def _file(tmp_path: Path, text: str, name: str = "proposal.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ledger():
    f.village("V01", "太湖村")
    f.village("V02", "南浔村")
    f.approved("V01-0001", "GS-01", D(2026, 3, 3))
    f.approved("V01-0002", "P7-03", D(2026, 3, 2))
    f.approved("V01-0002", "VO-03", D(2026, 3, 3))
    f.approved("V02-0001", "CR-04", D(2026, 3, 4))
    for day in (5, 6, 7):
        f.approved("V02-0001", "VO-01", D(2026, 3, day))
    f.approved("V02-0002", "VO-01", D(2026, 4, 2))
    f.approved("V02-0002", "VO-01", D(2026, 4, 3))


@pytest.fixture
def ledger(township_a):
    """Deductions count at once here (response period 0): the months are in the past."""
    Township.objects.filter(pk=township_a.pk).update(response_days=0)
    township_a.refresh_from_db()
    with tenant_context(township_a):
        _ledger()
    return township_a


def _state():
    return (
        list(ScoreEvent.objects.order_by("id").values_list("id", "points", "effect", "status")),
        list(Rule.objects.order_by("id").values_list("id", "points", "active")),
    )


def test_the_proposal_flips_the_hand_checked_households(ledger, tmp_path):
    with tenant_context(ledger):
        before = _state()
        result = covenant_whatif(_file(tmp_path, PROPOSAL), first=MARCH, last=APRIL, by=Actor.cli())
        assert _state() == before  # nothing written
        rows = {(r.period, r.village_code): r for r in result.villages}
        assert rows[(MARCH, "V01")].before == Tiers(green=2, blue=1, red=0)
        assert rows[(MARCH, "V01")].after == Tiers(green=0, blue=2, red=1)
        assert rows[(MARCH, "V02")].before == Tiers(green=1, blue=2, red=0)
        assert rows[(MARCH, "V02")].after == Tiers(green=0, blue=2, red=1)
        assert rows[(APRIL, "V02")].before == Tiers(green=2, blue=1, red=0)
        assert rows[(APRIL, "V02")].after == Tiers(green=1, blue=1, red=1)
        changes = {
            (c.period, c.household_code): (
                c.score_before,
                c.score_after,
                c.tier_before,
                c.tier_after,
            )
            for c in result.changes
        }
        assert changes == {
            (MARCH, "V01-0001"): (102, 100, "green", "blue"),
            (MARCH, "V01-0002"): (105, 97, "green", "red"),
            (MARCH, "V02-0001"): (101, 98, "green", "red"),
            (APRIL, "V01-0001"): (102, 100, "green", "blue"),
            (APRIL, "V01-0002"): (105, 97, "green", "red"),
            (APRIL, "V02-0001"): (101, 98, "green", "red"),
        }
        first = next(c for c in result.changes if c.household_code == "V01-0002")
        assert first.masked_name == "沈某"  # masked, never the full name
        assert result.entries_cut == 3  # V02-0001's 2nd (1) and 3rd (0) VO-01; V02-0002's 2nd
        assert result.rules_changed == ["P7-03", "VO-03"]
        assert result.rules_withdrawn == ["GS-01"]
        assert result.caps == ["+3 per month on rule VO-01"]
        totals = result.totals()
        assert totals[0][:2] == (MARCH, 6)


@pytest.mark.parametrize("window", ["calendar_year", "rolling_12_months", "lifetime"])
def test_before_is_the_ledger_as_it_stands_month_by_month(ledger, tmp_path, window):
    """Before equals preview_month (scores_query) in every score window, also with a
    response window: a deduction notified today counts only from counts_from, in no
    past month; an entry of May 2025 leaves the rolling window after April 2026."""
    Township.objects.filter(pk=ledger.pk).update(response_days=5, score_window=window)
    ledger.refresh_from_db()
    with tenant_context(ledger):
        f.approved("V01-0003", "P7-03", D(2026, 4, 8))  # counts from 5 working days after today
        f.approved("V01-0003", "VO-03", D(2025, 5, 10))
        result = covenant_whatif(
            _file(tmp_path, PROPOSAL), first=D(2025, 12, 1), last=D(2026, 6, 1), by=Actor.cli()
        )
        assert len(result.totals()) == 7
        for period, households, before, _after in result.totals():
            expected = preview_month(period)
            assert (households, before) == (
                expected.households,
                Tiers(expected.green, expected.blue, expected.red),
            ), period
        may = [c for c in result.changes if c.household_code == "V01-0003"]
        assert may == []  # VO-03 +10 -> +5 keeps V01-0003 green while it counts


def test_an_unchanged_covenant_changes_nothing(ledger, tmp_path):
    with tenant_context(ledger):
        same = HEADER + "VO-03,获评最美,Most beautiful,volunteering,10,true,true,\n"
        result = covenant_whatif(_file(tmp_path, same), first=MARCH, last=APRIL, by=Actor.cli())
        assert result.changes == []
        assert all(r.before == r.after for r in result.villages)


def test_a_category_cap_and_a_reversed_entry(ledger, tmp_path):
    """A ``*`` row caps the category; a reversed entry and its compensation still sum
    to zero under the proposal."""
    from platform_core.scoring.services import reverse_entry

    with tenant_context(ledger):
        wrong = f.approved("V01-0003", "VO-03", D(2026, 3, 10))
        reverse_entry(
            wrong, by=f.person("council", "council_member"), reason="wrong", source="staff"
        )
        text = (
            "code,title_zh,title_en,category,points,needs_review,cap_year\n"
            "VO-03,获评最美,Most beautiful,volunteering,20,true,\n"
            "*,,,volunteering,,,4\n"
        )
        result = covenant_whatif(_file(tmp_path, text), first=MARCH, last=MARCH, by=Actor.cli())
        changes = {c.household_code: (c.score_before, c.score_after) for c in result.changes}
        # V01-0002: -5 + min(20, 4) = 99 (was 105); V02-0001: VO-01 2 + 2 + 0 - 5 = 99 (101)
        assert changes == {"V01-0002": (105, 99), "V02-0001": (101, 99)}
        assert result.caps == ["+4 per year on category volunteering"]


def test_cap_arithmetic_at_the_boundary():
    """The what-if's caps are ``scoring.caps``' (``replay``), at the edges of the room."""
    cap = CapSpec("month", 10, category="volunteering")
    loss = CapSpec("year", -6, rule_code="P7-03")
    entries = [
        Entry(1, "VO-01", "volunteering", D(2026, 3, 1), 4),
        Entry(1, "VO-01", "volunteering", D(2026, 3, 2), 6),  # at the limit: in full
        Entry(1, "VO-01", "volunteering", D(2026, 3, 3), 1),  # one over: 0
        Entry(1, "VO-01", "volunteering", D(2026, 4, 1), 3),  # next month: fresh room
        Entry(1, "P7-03", "prohibition", D(2026, 3, 1), -5),
        Entry(1, "P7-03", "prohibition", D(2026, 12, 31), -5),  # losses capped at -6: -1
        Entry(1, "P7-03", "prohibition", D(2027, 1, 1), -5),  # next year: in full
        Entry(2, "VO-01", "volunteering", D(2026, 3, 1), 11),  # another household: 10
    ]
    effects = [o.effect for o in replay(entries, lambda _entry: [cap, loss])]
    assert effects == [4, 6, 0, 3, -5, -1, -5, 10]


def test_bad_months_and_bad_rows_are_refused_before_anything_runs(ledger, tmp_path):
    with tenant_context(ledger):
        with pytest.raises(WhatIfRefused, match="ends .2026-03. before it starts .2026-04."):
            covenant_whatif(_file(tmp_path, PROPOSAL), first=APRIL, last=MARCH, by=Actor.cli())
        with pytest.raises(WhatIfRefused, match="too long"):
            covenant_whatif(
                _file(tmp_path, PROPOSAL), first=D(2023, 1, 1), last=APRIL, by=Actor.cli()
            )
        with pytest.raises(WhatIfRefused, match="in the future"):
            covenant_whatif(
                _file(tmp_path, PROPOSAL), first=D(2099, 1, 1), last=D(2099, 2, 1), by=Actor.cli()
            )
        bad = HEADER + (
            "VO-03,获评最美,Most beautiful,volunteering,-5,true,,\n"  # sign change
            "GS-01,垃圾分类,Garbage,garbage_sorting,2,true,maybe,\n"  # active
            "VO-01,志愿,Volunteer,volunteering,2,true,,-3\n"  # cap of the wrong sign
            "NEW-1,新规则,New,other,2,true,,\n"  # not a rule of this township
            "*,,,nonsense,,,,5\n"  # unknown category
        )
        with pytest.raises(TableError) as refused:
            covenant_whatif(_file(tmp_path, bad), first=MARCH, last=APRIL, by=Actor.cli())
        message = str(refused.value)
        assert "row 2" in message and "keeps the sign of its rule" in message
        assert "row 3" in message and "active" in message
        assert "row 4" in message and "so its cap is positive" in message
        assert "row 5" in message and "unknown rule NEW-1" in message
        assert "row 6" in message and "unknown category" in message


def test_cross_township(ledger, township_b, tmp_path):
    """A rule only the other township has is refused; the other township's ledger is
    never read (its entries change nothing here)."""
    with tenant_context(township_b):
        f.village("V01", "太湖村")
        from platform_core.scoring.services import save_rule

        save_rule(
            code="B-ONLY",
            title_zh="乙镇规则",
            title_en="B only",
            category="other",
            points=3,
            by=Actor.cli(),
        )
        for _n in range(5):
            f.approved("V01-0001", "VO-03", D(2026, 3, 3))
    with tenant_context(ledger):
        text = HEADER + "B-ONLY,乙镇规则,B only,other,5,true,,\n"
        with pytest.raises(TableError, match="unknown rule B-ONLY"):
            covenant_whatif(_file(tmp_path, text), first=MARCH, last=MARCH, by=Actor.cli())
        result = covenant_whatif(_file(tmp_path, PROPOSAL), first=MARCH, last=MARCH, by=Actor.cli())
        assert sum(r.households for r in result.villages) == 6
        v01 = next(c for c in result.changes if c.household_code == "V01-0001")
        assert v01.score_before == 102  # not the other township's +50


def test_wrong_role_and_village_scope(ledger, tmp_path):
    with tenant_context(ledger):
        grid = f.person("grid", "grid_worker", "V01")
        with pytest.raises(NotAllowed):
            covenant_whatif(_file(tmp_path, PROPOSAL), first=MARCH, last=MARCH, by=grid)
        committee = f.person("committee", "village_committee", "V02")
        result = covenant_whatif(_file(tmp_path, PROPOSAL), first=MARCH, last=MARCH, by=committee)
        assert {r.village_code for r in result.villages} == {"V02"}
        assert {c.household_code for c in result.changes} == {"V02-0001"}


def test_the_command_prints_and_writes_the_changes(ledger, tmp_path):
    out = StringIO()
    target = tmp_path / "changes.csv"
    call_command(
        "covenant_whatif",
        "--township",
        ledger.code,
        "--from",
        "2026-03",
        "--to",
        "2026-04",
        "--output",
        str(target),
        str(_file(tmp_path, PROPOSAL)),
        stdout=out,
        stderr=StringIO(),
    )
    text = out.getvalue()
    assert "2026-03  V01" in text and "2:1:0 -> 0:2:1" in text
    assert "V01-0002" in text and "105 green -> 97 red" in text
    assert "nothing was written" in text
    written = target.read_text(encoding="utf-8-sig").splitlines()
    assert written[0].startswith("month,village,household,name")
    assert len(written) == 7
    with pytest.raises(CommandError, match="not a month"):
        call_command(
            "covenant_whatif",
            "--township",
            ledger.code,
            "--from",
            "2026-3x",
            "--to",
            "2026-04",
            str(_file(tmp_path, PROPOSAL)),
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="row 2"):
        call_command(
            "covenant_whatif",
            "--township",
            ledger.code,
            "--from",
            "2026-03",
            "--to",
            "2026-04",
            str(_file(tmp_path, HEADER + "NOPE,x,x,other,2,true,,\n")),
            stdout=StringIO(),
        )


def _client(township, role: str, village: str = "") -> Client:
    with tenant_context(township):
        actor = f.person(f"{role}{village}.{township.slug}", role, village)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(actor.user)
    return client


def _post(client, township, tmp_path, text=PROPOSAL, first="2026-03", last="2026-04"):
    with open(_file(tmp_path, text), "rb") as handle:
        return client.post(
            f"/t/{township.code}/work/whatif/",
            {"file": handle, "first": first, "last": last},
        )


def test_the_page_shows_the_same_result(ledger, tmp_path):
    client = _client(ledger, "township_admin")
    page = client.get(f"/t/{ledger.code}/work/whatif/")
    assert page.status_code == 200
    answer = _post(client, ledger, tmp_path)
    html = answer.content.decode()
    assert answer.status_code == 200
    assert 'data-row="2026-03 V01" data-before="2:1:0" data-after="0:2:1"' in html
    assert 'data-change="2026-03 V01-0002"' in html and "沈某" in html
    assert "沈红" not in html
    with tenant_context(ledger):
        assert ScoreEvent.objects.count() == 9


def test_the_page_refuses_grid_workers_and_bad_input(ledger, township_b, tmp_path):
    grid = _client(ledger, "grid_worker", "V01")
    assert grid.get(f"/t/{ledger.code}/work/whatif/").status_code == 403
    assert _post(grid, ledger, tmp_path).status_code == 403
    other = _client(township_b, "township_admin")
    assert other.get(f"/t/{ledger.code}/work/whatif/").status_code == 403
    admin = _client(ledger, "township_admin")
    backwards = _post(admin, ledger, tmp_path, first="2026-04", last="2026-03").content.decode()
    assert "before it starts" in backwards
    bad = _post(admin, ledger, tmp_path, text=HEADER + "NOPE,x,x,other,2,true,,\n")
    assert "unknown rule NOPE" in bad.content.decode()
    assert "data-row=" not in bad.content.decode()
    committee = _client(ledger, "village_committee", "V02")
    html = _post(committee, ledger, tmp_path).content.decode()
    assert 'data-row="2026-03 V02"' in html and 'data-row="2026-03 V01"' not in html


def test_nothing_is_written_even_at_the_top_level(ledger, tmp_path):
    """The replay's transaction is read-only: a write inside it fails."""
    from platform_core.evaluation import whatif

    seen = []
    original = whatif._run

    def spy(cursor, *args):
        cursor.execute("SHOW transaction_read_only")
        seen.append(cursor.fetchone()[0])
        return original(cursor, *args)

    whatif._run = spy
    try:
        with tenant_context(ledger):
            covenant_whatif(_file(tmp_path, PROPOSAL), first=MARCH, last=MARCH, by=Actor.cli())
            cursor = connection.cursor()
            cursor.execute("SHOW transaction_read_only")
            after = cursor.fetchone()[0]
    finally:
        whatif._run = original
    assert seen == ["on"]
    assert after == "off"  # the caller's transaction is writable again


def test_window_caps_in_sql_equal_the_python_arithmetic(ledger, tmp_path, monkeypatch):
    """Rules under one cap each are cut by a window function in SQL; the same entries
    through ``caps.replay`` (the cap arithmetic of docs/scoring.md, "Caps") give the
    same effects, month and year caps, gains and losses."""
    import random

    from platform_core.evaluation import whatif
    from platform_core.scoring.policy import ScoringPolicy

    rng = random.Random(16)
    with tenant_context(ledger):
        codes = [f"V0{v}-000{n}" for v in (1, 2) for n in (1, 2, 3)]
        for _ in range(60):
            rule = rng.choice(["VO-01", "VO-02", "VO-03", "PS-01", "CR-04", "P7-03"])
            f.approved(rng.choice(codes), rule, D(2026, rng.randint(1, 6), rng.randint(1, 28)))
        text = (
            "code,title_zh,title_en,category,points,needs_review,cap_month,cap_year\n"
            "PS-01,平安巡防,Patrol,public_safety,3,true,,7\n"
            "P7-03,散播谣言,Rumours,prohibition,-5,true,-6,\n"
            "*,,,volunteering,,,5,\n"
            "*,,,customs_reform,,,,-9\n"
        )
        path = _file(tmp_path, text)
        proposal = whatif.read_proposal(path)
        window, greedy = whatif.split_caps(proposal)
        assert len(window) == 6 and not greedy  # VO-01..03, PS-01, P7-03, CR-04
        policy = ScoringPolicy.of(ledger)
        in_sql = whatif.cut_entries(proposal, D(2026, 1, 1), D(2026, 6, 30))
        monkeypatch.setattr(whatif, "SQL_CAPS", False)
        in_python = whatif.cut_entries(proposal, D(2026, 1, 1), D(2026, 6, 30))
        assert in_sql == in_python and len(in_sql) > 5
        # ... and both are caps.replay over the approved normal entries, in approval order
        rows = list(
            ScoreEvent.objects.filter(status="approved", kind="normal")
            .order_by("reviewed_at", "id")
            .values_list("id", "household_id", "rule_id", "rule__code", "occurred_on", "points")
        )
        entries = [
            Entry(h, code, proposal.categories[rule], day, proposal.raw_points(rule, points))
            for _pk, h, rule, code, day, points in rows
        ]
        outcomes = replay(entries, lambda _entry: proposal.caps)
        direct = {
            row[0]: (row[1], row[4], o.effect - o.points)
            for row, o in zip(rows, outcomes, strict=True)
            if o.cut
        }
        assert {pk: (c[0], c[1], c[3]) for pk, c in in_sql.items()} == direct
        slow = covenant_whatif(path, first=D(2026, 1, 1), last=D(2026, 6, 1), by=Actor.cli())
        monkeypatch.setattr(whatif, "SQL_CAPS", True)
        fast = covenant_whatif(path, first=D(2026, 1, 1), last=D(2026, 6, 1), by=Actor.cli())
        assert (fast.villages, fast.changes) == (slow.villages, slow.changes)
        assert policy.base == 100


def test_overlapping_caps_go_through_python(ledger, tmp_path):
    """A rule cap and its category's cap on the same rule: the greedy arithmetic."""
    from platform_core.evaluation import whatif

    with tenant_context(ledger):
        text = (
            "code,title_zh,title_en,category,points,needs_review,cap_month\n"
            "VO-01,志愿,Volunteer,volunteering,2,true,3\n"
            "*,,,volunteering,,,5\n"
        )
        proposal = whatif.read_proposal(_file(tmp_path, text))
        window, greedy = whatif.split_caps(proposal)
        assert {proposal.codes[r] for r in greedy} == {"VO-01", "VO-02", "VO-03"}
        assert not window
        result = covenant_whatif(_file(tmp_path, text), first=MARCH, last=APRIL, by=Actor.cli())
        changes = {(c.period, c.household_code): c.score_after for c in result.changes}
        # V01-0002: -5 + VO-03 10 cut to 5 by the category cap = 100 (blue; was green)
        # V02-0001: VO-01 2 + 1 + 0 (rule cap 3) - 5 = 98 (red; was green)
        assert changes[(MARCH, "V01-0002")] == 100
        assert changes[(MARCH, "V02-0001")] == 98


def test_no_caps_no_cap_pass(ledger, tmp_path):
    """A proposal without caps (and no caps in force): the statement has no cap part;
    with a cap, entries after the last month's end are not read."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from platform_core.evaluation import whatif

    text = (
        "code,title_zh,title_en,category,points,needs_review\n"
        "VO-03,获评最美,Most beautiful,volunteering,5,true\n"
    )
    with tenant_context(ledger), CaptureQueriesContext(db) as queries:
        result = covenant_whatif(_file(tmp_path, text), first=MARCH, last=MARCH, by=Actor.cli())
    assert result.caps == [] and result.entries_cut == 0
    assert not any("OVER (" in q["sql"] for q in queries.captured_queries)
    with tenant_context(ledger):
        proposal = whatif.read_proposal(_file(tmp_path, PROPOSAL))
        # V02-0002's April VO-01 entries are past March's end: only V02-0001's 2 cuts
        assert len(whatif.cut_entries(proposal, D(2026, 1, 1), D(2026, 3, 31))) == 2
        assert len(whatif.cut_entries(proposal, D(2026, 1, 1), D(2026, 4, 30))) == 3


def test_an_entry_cut_by_todays_cap_counts_in_full_under_a_proposal_without_it(
    township_a, tmp_path
):
    """An entry a cap of the covenant in force cut counts its effect before and, under a
    proposal whose file has cap columns but no cap on its rule, its points after (the
    what-if reads such rules' entries through the index of cut entries)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from platform_core.scoring.caps import MONTH
    from platform_core.scoring.covenants import adopt_covenant

    Township.objects.filter(pk=township_a.pk).update(response_days=0)
    with tenant_context(township_a):
        f.village("V01", "太湖村")
        adopt_covenant(
            by=Actor.cli(),
            village=None,
            effective_from=D(2026, 1, 1),
            rules=[],
            caps=[CapSpec(MONTH, 3, rule_code="VO-01")],
            title="村规民约（2026年修订）",
            meeting_date=D(2025, 12, 20),
            attendance=120,
            votes_for=100,
            votes_against=12,
            votes_abstaining=8,
            minutes=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes"),
        )
        f.approved("V01-0001", "P7-03", D(2026, 3, 2))
        for day in (5, 6, 7):
            f.approved("V01-0001", "VO-01", D(2026, 3, day))
        effects = ScoreEvent.objects.filter(rule__code="VO-01").order_by("id")
        assert [e.effect for e in effects] == [2, 1, 0]
        same_points = HEADER + "VO-03,获评最美,Most beautiful,volunteering,10,true,,\n"
        result = covenant_whatif(
            _file(tmp_path, same_points), first=MARCH, last=MARCH, by=Actor.cli()
        )
        # before: 100 - 5 + 3 = 98 red; after, without the cap: 100 - 5 + 6 = 101 green
        assert [(c.household_code, c.score_before, c.score_after) for c in result.changes] == [
            ("V01-0001", 98, 101)
        ]
        assert result.caps == [] and result.entries_cut == 0
