"""Covenant versions adopted by the village, village variants, and caps (issue 16, items 1-2).

docs/scoring.md, "Covenant versions adopted by the village" and "Caps". The cap
arithmetic is checked four ways on the same entries: one approval after another
(the services), the bulk import, the evaluation SQL (preview_month/scores_query)
and Python (score_card, caps.replay).
"""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from platform_core.accounts.models import Role
from platform_core.actors import Actor
from platform_core.errors import NotAllowed
from platform_core.evaluation.selectors import preview_month, scores_query
from platform_core.scoring.caps import MONTH, YEAR, CapSpec, Entry, cap_effect, replay
from platform_core.scoring.covenants import AdoptionError, adopt_covenant
from platform_core.scoring.imports import export_rules, import_rules, import_score_events
from platform_core.scoring.models import CovenantVersion, Rule, ScoreEvent
from platform_core.scoring.policy import LIFETIME, ScoringPolicy
from platform_core.scoring.selectors import score_card
from platform_core.scoring.services import LedgerError, record_entry, reverse_entry, review_entry
from platform_core.scoring.versions import caps_in_force, covenant_for, term_for
from platform_core.tabular import TableError
from tests import factories as f
from tests.committed import committed

pytestmark = pytest.mark.django_db

D = dt.date
CLI = Actor.cli()
NEW_YEAR = D(2026, 1, 1)


def minutes(name: str = "minutes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 minutes of the village meeting")


def adopt(
    *,
    effective: dt.date = NEW_YEAR,
    village=None,
    rules=(),
    caps=(),
    by=CLI,
    **figures,
) -> CovenantVersion:
    adoption = {
        "title": "村规民约（2026年修订）",
        "meeting_date": effective - dt.timedelta(days=10),
        "attendance": 120,
        "votes_for": 100,
        "votes_against": 12,
        "votes_abstaining": 8,
        "minutes": minutes(),
        **figures,
    }
    return adopt_covenant(
        by=by,
        village=village,
        effective_from=effective,
        rules=list(rules),
        caps=list(caps),
        **adoption,
    )


def record(code: str, rule: str, on: dt.date, points: int | None = None, review=False):
    """An entry recorded approved (review=False) or proposed, by the operator."""
    return record_entry(
        household=f.household(code),
        rule=f.rule(rule),
        occurred_on=on,
        recorder=CLI,
        source="staff",
        evidence="seen by the grid worker",
        points=points,
        review=review,
    )


# --- adoption -----------------------------------------------------------------------


def test_a_township_version_words_every_rule_and_records_its_adoption(township_a, in_township):
    with in_township(township_a):
        f.village()
        version = adopt(
            rules=[{"code": "VO-01", "points": 3}, {"code": "CR-03", "active": False}],
            caps=[CapSpec(MONTH, 10, category="volunteering")],
        )
        assert version.number == 2 and version.village is None
        assert (version.attendance, version.votes_for, version.votes_against) == (120, 100, 12)
        assert version.minutes.name.startswith(f"minutes/{township_a.schema_name}/")
        terms = {t.rule.code: t for t in version.terms.select_related("rule")}
        assert set(terms) == set(Rule.objects.values_list("code", flat=True))
        assert terms["VO-01"].points == 3 and terms["GS-01"].points == 2
        assert not terms["CR-03"].active
        assert [str(c) for c in version.caps.all()] == ["cap +10 month on volunteering"]
        assert Rule.objects.get(code="VO-01").points == 2  # the rule row is not the term


def test_the_adoption_is_checked(township_a, in_township):
    with in_township(township_a):
        f.village()
        cases = [
            ({"votes_for": 60, "votes_against": 50, "votes_abstaining": 20}, "exceed the attend"),
            ({"votes_for": 60, "votes_against": 40, "votes_abstaining": 20}, "not more than half"),
            ({"meeting_date": D(2026, 1, 2)}, "before the village meeting adopted it"),
            ({"minutes": None}, "minutes of the village meeting are required"),
            ({"minutes": minutes("minutes.exe")}, "use one of .pdf"),
            ({"attendance": 0, "votes_for": 0, "votes_against": 0}, "at least 1"),
            ({"title": " "}, "needs a title"),
        ]
        for figures, message in cases:
            with pytest.raises(AdoptionError, match=message):
                adopt(**figures)
        with pytest.raises(AdoptionError, match="unknown rule NOPE"):
            adopt(caps=[CapSpec(MONTH, 5, rule_code="NOPE")])
        with pytest.raises(AdoptionError, match="its cap is negative"):
            adopt(caps=[CapSpec(MONTH, 5, rule_code="P7-03")])
        with pytest.raises(AdoptionError, match="change the rule's sign"):
            adopt(rules=[{"code": "VO-01", "points": -2}])
        assert CovenantVersion.objects.count() == 1  # nothing half-written
        adopt()
        with pytest.raises(AdoptionError, match="must take effect after it"):
            adopt(effective=D(2026, 1, 1))


def test_a_version_never_rescores_the_past(township_a, in_township):
    with in_township(township_a):
        f.village()
        before = record("V01-0001", "VO-01", D(2026, 2, 27))
        with pytest.raises(AdoptionError, match="already recorded"):
            adopt(effective=D(2026, 2, 27))
        version = adopt(effective=D(2026, 3, 1), rules=[{"code": "VO-01", "points": 4}])
        after = record("V01-0001", "VO-01", D(2026, 3, 2))
        late = record("V01-0001", "VO-01", D(2026, 2, 28))  # recorded late, scored then
        before.refresh_from_db()
        assert (before.points, before.covenant_version.number) == (2, 1)
        assert (after.points, after.covenant_version_id) == (4, version.pk)
        assert (late.points, late.covenant_version.number) == (2, 1)
        assert covenant_for(f.household("V01-0001"), D(2026, 3, 1)) == version


def test_only_township_administrators_adopt(township_a, township_b, in_township):
    with in_township(township_a):
        f.village()
        for role in (Role.COUNCIL_MEMBER, Role.VILLAGE_COMMITTEE, None):
            with pytest.raises(NotAllowed):
                adopt(by=f.person(role=role, village_code="V01" if role else ""))
        version = adopt(by=f.person(role=Role.TOWNSHIP_ADMIN))
    with in_township(township_b):
        elsewhere = f.person(role=Role.TOWNSHIP_ADMIN)
        assert not CovenantVersion.objects.filter(pk=version.pk, number=2).exists()
    with in_township(township_a), pytest.raises(NotAllowed):
        adopt(by=elsewhere, effective=D(2026, 6, 1))


# --- village variants ---------------------------------------------------------------


def test_a_village_variant_changes_points_adds_rules_and_caps(township_a, in_township):
    with in_township(township_a):
        v1 = f.village("V01", "太湖村")
        f.village("V02", "白鹤村")
        township = adopt(
            effective=D(2026, 1, 1),
            caps=[
                CapSpec(MONTH, 10, category="volunteering"),
                CapSpec(YEAR, 20, rule_code="GS-01"),
            ],
        )
        variant = adopt(
            village=v1,
            effective=D(2026, 2, 1),
            rules=[
                {"code": "VO-01", "points": 3},
                {"code": "GS-01", "points": 2},  # as the township's: not kept
                {
                    "code": "V01-LOCAL",
                    "title_zh": "护河志愿",
                    "category": "volunteering",
                    "points": 4,
                },
            ],
            caps=[CapSpec(MONTH, 6, category="volunteering")],
        )
        assert sorted(variant.terms.values_list("rule__code", flat=True)) == [
            "V01-LOCAL",
            "VO-01",
        ]
        assert Rule.objects.get(code="V01-LOCAL").village == v1
        here, there = f.household("V01-0001"), f.household("V02-0001")
        assert term_for(f.rule("VO-01"), here, D(2026, 2, 1)).points == 3
        assert term_for(f.rule("VO-01"), here, D(2026, 1, 31)).points == 2
        assert term_for(f.rule("VO-01"), there, D(2026, 2, 1)).points == 2
        assert covenant_for(here, D(2026, 2, 1)) == variant
        assert covenant_for(there, D(2026, 2, 1)) == township
        assert sorted(map(str, (c.describe() for c in caps_in_force(here, D(2026, 2, 3))))) == [
            "+20 per year on rule GS-01",
            "+6 per month on category volunteering",
        ]
        entry = record("V01-0001", "V01-LOCAL", D(2026, 2, 3))
        assert (entry.points, entry.covenant_version_id) == (4, variant.pk)
        with pytest.raises(LedgerError, match="village V01 only"):
            record("V02-0001", "V01-LOCAL", D(2026, 2, 3))
        with pytest.raises(LedgerError, match="not in force on 2026-01-20"):
            record("V01-0001", "V01-LOCAL", D(2026, 1, 20))


def test_a_rule_a_version_withdraws_is_refused_from_its_effective_date(township_a, in_township):
    with in_township(township_a):
        f.village()
        adopt(effective=D(2026, 3, 1), rules=[{"code": "CR-03", "active": False}])
        assert record("V01-0001", "CR-03", D(2026, 2, 28)).points == 3
        with pytest.raises(LedgerError, match="CR-03 is not in force on 2026-03-01"):
            record("V01-0001", "CR-03", D(2026, 3, 1))


# --- caps ---------------------------------------------------------------------------


def test_cap_effect_arithmetic():
    month = CapSpec(MONTH, 10, category="volunteering")
    year = CapSpec(YEAR, 12, rule_code="VO-01")
    assert cap_effect(3, [(month, 7)]).effect == 3  # exactly reaches the limit
    assert cap_effect(3, [(month, 8)]).effect == 2  # one over
    assert cap_effect(3, [(month, 10)]).effect == 0
    assert cap_effect(3, [(month, 12)]).effect == 0  # never negative
    cut = cap_effect(3, [(month, 5), (year, 11)])
    assert (cut.effect, cut.cap, cut.used) == (1, year, 11)
    assert cut.note() == "cap +12 per year on rule VO-01 reached: +11 of +12 used; counts +1 of +3"
    loss = CapSpec(MONTH, -10, category="prohibition")
    assert cap_effect(-5, [(loss, 8)]).effect == -2
    assert not cap_effect(5, []).cut


def test_caps_cut_at_the_boundary_and_reset_with_the_period(township_a, in_township):
    with in_township(township_a):
        f.village()
        adopt(
            caps=[
                CapSpec(MONTH, 5, category="volunteering"),
                CapSpec(YEAR, 9, rule_code="VO-01"),
                CapSpec(MONTH, -8, category="prohibition"),
            ]
        )
        effects = [
            record("V01-0001", rule, on).effect
            for rule, on in [
                ("VO-01", D(2026, 1, 30)),  # 2
                ("VO-01", D(2026, 1, 31)),  # 2: 4 of 5
                ("VO-02", D(2026, 1, 31)),  # 3 -> 1: the month's cap
                ("VO-01", D(2026, 1, 2)),  # 0: the month is full
                ("VO-01", D(2026, 2, 1)),  # 2: a new month (VO-01 has 6 of 9 this year)
                ("VO-01", D(2026, 3, 1)),  # 2: 8 of 9
                ("VO-01", D(2026, 4, 1)),  # 1: the year's cap on VO-01
            ]
        ]
        assert effects == [2, 2, 1, 0, 2, 2, 1]
        assert record("V01-0001", "VO-01", D(2025, 12, 31)).effect == 2  # last year
        zero = ScoreEvent.objects.get(occurred_on=D(2026, 1, 2))
        assert zero.points == 2 and zero.cap_note.startswith(
            "cap +5 per month on category volunteering reached: +5 of +5 used"
        )
        losses = [record("V01-0001", r, D(2026, 5, 3)).effect for r in ("P7-03", "P7-06")]
        assert losses == [-5, -3]
        assert record("V01-0002", "P7-03", D(2026, 5, 3)).effect == -5  # per household
        card = score_card(f.household("V01-0001"), D(2026, 12, 31), ScoringPolicy())
        assert card.score == 100 + 2 + 2 + 1 + 0 + 2 + 2 + 1 - 5 - 3


def test_a_cap_counts_at_approval_and_a_reversal_frees_its_room(township_a, in_township):
    with in_township(township_a):
        f.village()
        adopt(caps=[CapSpec(MONTH, 4, rule_code="VO-01")])
        first = record("V01-0001", "VO-01", D(2026, 3, 1), review=True)
        second = record("V01-0001", "VO-01", D(2026, 3, 2), review=True)
        third = record("V01-0001", "VO-01", D(2026, 3, 3), review=True)
        assert first.effect is None  # proposed: not counted, caps nothing yet
        for entry in (third, first, second):  # approval order decides
            review_entry(entry, reviewer=f.person(), approve=True)
        effects = [ScoreEvent.objects.get(pk=e.pk).effect for e in (first, second, third)]
        assert effects == [2, 0, 2]
        compensation = reverse_entry(
            ScoreEvent.objects.get(pk=third.pk), by=CLI, reason="wrong house", source="correction"
        )
        assert (compensation.points, compensation.effect) == (-2, -2)
        assert record("V01-0001", "VO-01", D(2026, 3, 4)).effect == 2  # the room is back
        cut = ScoreEvent.objects.get(pk=second.pk)
        uncut = reverse_entry(cut, by=CLI, reason="duplicate", source="correction")
        assert (uncut.points, uncut.effect) == (-2, 0)  # the pair cancels after caps


CONCURRENT_CODE, CONCURRENT_SLUG = "330502978", "fengding"


@pytest.fixture(scope="module")
def committed_township(django_db_setup, django_db_blocker):
    """A township committed for real: the two approvals run on connections of their own."""

    def fill(township):
        f.village()
        adopt(caps=[CapSpec(MONTH, 2, rule_code="VO-01")])
        for day in (1, 2):
            record("V01-0001", "VO-01", D(2026, 3, day), review=True)

    with committed(
        django_db_blocker, code=CONCURRENT_CODE, name="封顶镇", slug=CONCURRENT_SLUG, fill=fill
    ) as township:
        yield township


def test_two_approvals_at_once_cannot_both_use_the_last_room(committed_township):
    with tenant_context(committed_township):
        pending = list(ScoreEvent.objects.order_by("id").values_list("pk", flat=True))
    connection.set_schema_to_public()
    barrier = threading.Barrier(2)
    errors = []

    def approve(pk, n):
        try:
            with tenant_context(committed_township):
                barrier.wait(timeout=30)
                review_entry(ScoreEvent(pk=pk), reviewer=Actor(label=f"reviewer {n}"), approve=True)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(pk, n)) for n, pk in enumerate(pending)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    with tenant_context(committed_township):
        effects = ScoreEvent.objects.values_list("effect", flat=True)
        assert sorted(effects) == [0, 2]


# --- one way or another: the same figures -------------------------------------------

CAPS = [
    CapSpec(MONTH, 5, category="volunteering"),
    CapSpec(YEAR, 7, rule_code="VO-01"),
    CapSpec(MONTH, -6, category="prohibition"),
    CapSpec(YEAR, -12, rule_code="P7-03"),
]
RULES = ["VO-01", "VO-02", "P7-03", "P7-06", "GS-01"]

ledgers = st.lists(
    st.tuples(
        st.sampled_from(["V01-0001", "V01-0002"]),
        st.sampled_from(RULES),
        st.dates(D(2025, 12, 1), D(2026, 2, 28)),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=ledgers)
def test_import_services_sql_and_python_agree(rows, township_a, in_township, tmp_path_factory):
    with in_township(township_a):
        if not CovenantVersion.objects.filter(number=2).exists():
            f.village(size=2)
            adopt(effective=D(2025, 12, 1), caps=CAPS)
        run = ScoreEvent.objects.count()
        path = tmp_path_factory.mktemp("ledger") / "ledger.csv"
        lines = ["household_code,rule_code,occurred_on,external_id"]
        lines += [f"{h},{r},{d},run{run}-{n}" for n, (h, r, d) in enumerate(rows)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        before = list(ScoreEvent.objects.order_by("reviewed_at", "id"))
        import_score_events(path, operator=CLI, approve=True, source=f"bulk{run}")
        imported = list(
            ScoreEvent.objects.filter(source=f"bulk{run}").select_related("rule").order_by("id")
        )
        assert [e.external_id for e in imported] == [f"run{run}-{n}" for n in range(len(rows))]
        # Python: the replay of every approved entry in canonical order
        everything = [*before, *imported]
        expected = replay(
            [
                Entry(e.household_id, e.rule.code, e.rule.category, e.occurred_on, e.points)
                for e in everything
            ],
            lambda e: CAPS,
        )
        assert [e.effect for e in everything] == [o.effect for o in expected]
        # the same entries one by one through the services
        for e, outcome in zip(imported, expected[len(before) :], strict=True):
            assert e.cap_note == outcome.note()
        # evaluation SQL and score_card
        policy = ScoringPolicy(window=LIFETIME)
        sql, params = scores_query(D(2026, 2, 1), policy)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            by_sql = {row[0]: row[2] for row in cursor.fetchall()}
        for household in ("V01-0001", "V01-0002"):
            h = f.household(household)
            card = score_card(h, D(2026, 2, 28), policy)
            total = sum(
                o.effect
                for e, o in zip(everything, expected, strict=True)
                if e.household_id == h.pk
            )
            assert card.score == by_sql[h.pk] == 100 + total
        assert preview_month(D(2026, 2, 1), policy).households == 2


def test_the_import_cuts_as_one_approval_after_another(township_a, in_township, tmp_path):
    with in_township(township_a):
        f.village()
        adopt(caps=[CapSpec(MONTH, 5, category="volunteering")])
        record("V01-0001", "VO-01", D(2026, 4, 1))  # 2 used before the file
        path = tmp_path / "ledger.csv"
        path.write_text(
            "户码,规则,日期,外部编号\n"
            "V01-0001,VO-02,2026-04-02,a\n"  # 3: 5 of 5
            "V01-0001,VO-01,2026-04-03,b\n"  # 0
            "V01-0001,VO-01,2026-05-01,c\n"  # 2: next month
            "V01-0002,VO-02,2026-04-02,d\n",  # 3: another household
            encoding="utf-8",
        )
        import_score_events(path, operator=CLI, approve=True)
        effects = dict(
            ScoreEvent.objects.filter(source="import").values_list("external_id", "effect")
        )
        assert effects == {"a": 3, "b": 0, "c": 2, "d": 3}
        note = ScoreEvent.objects.get(external_id="b").cap_note
        assert note == (
            "cap +5 per month on category volunteering reached: +5 of +5 used; counts +0 of +2"
        )
        again = import_score_events(path, operator=CLI, approve=True)  # all skipped
        assert again.recorded == 0
        path.write_text("户码,规则,日期\nV01-0001,VO-01,2026-05-02\n", encoding="utf-8")
        import_score_events(path, operator=CLI)  # proposed: capped when approved
        proposed = ScoreEvent.objects.get(occurred_on=D(2026, 5, 2))
        assert (proposed.status, proposed.effect) == ("proposed", None)


def test_the_import_scores_under_the_covenant_in_force(township_a, in_township, tmp_path):
    with in_township(township_a):
        v1 = f.village("V01")
        f.village("V02", "白鹤村")
        township = adopt(effective=D(2026, 3, 1), rules=[{"code": "VO-01", "points": 4}])
        variant = adopt(
            village=v1,
            effective=D(2026, 4, 1),
            rules=[
                {"code": "VO-01", "points": 5},
                {"code": "CR-03", "active": False},
                {"code": "V01-X", "title_zh": "本村", "category": "other", "points": 1},
            ],
        )
        path = tmp_path / "ledger.csv"
        path.write_text(
            "household_code,rule_code,occurred_on,external_id\n"
            "V01-0001,VO-01,2026-02-28,a\n"
            "V01-0001,VO-01,2026-03-01,b\n"
            "V01-0001,VO-01,2026-04-01,c\n"
            "V02-0001,VO-01,2026-04-01,d\n"
            "V01-0001,V01-X,2026-04-02,e\n",
            encoding="utf-8",
        )
        import_score_events(path, operator=CLI, approve=True)
        got = {
            e.external_id: (e.points, e.covenant_version_id, e.effect)
            for e in ScoreEvent.objects.all()
        }
        first = CovenantVersion.objects.get(number=1, village=None).pk
        assert got == {
            "a": (2, first, 2),
            "b": (4, township.pk, 4),
            "c": (5, variant.pk, 5),
            "d": (4, township.pk, 4),
            "e": (1, variant.pk, 1),
        }
        path.write_text(
            "household_code,rule_code,occurred_on\n"
            "V02-0001,V01-X,2026-04-02\n"
            "V01-0001,CR-03,2026-04-02\n"
            "V01-0001,CR-03,2026-03-31\n",
            encoding="utf-8",
        )
        with pytest.raises(TableError) as refused:
            import_score_events(path, operator=CLI, approve=True)
        message = str(refused.value)
        assert (
            "row 2, column rule_code: rule V01-X belongs to the covenant of village V01" in message
        )
        assert "row 3, column rule_code: rule CR-03 is not in force on 2026-04-02" in message
        assert "row 4" not in message
        assert ScoreEvent.objects.count() == 5


# --- the covenant file ---------------------------------------------------------------

COVENANT_FILE = """code,title_zh,title_en,category,points,needs_review,active,cap_month,cap_year
VO-01,参加志愿服务活动,Volunteer service,volunteering,3,true,true,,8
P7-03,散播谣言,Spreading rumours,prohibition,-5,true,true,-5,
*,,,volunteering,,,,10,
"""


def _run(command: str, township, *args) -> str:
    out, err = StringIO(), StringIO()
    call_command(command, "--township", township.code, *map(str, args), stdout=out, stderr=err)
    return out.getvalue()


def test_adopt_covenant_command_and_caps_in_the_rules_file(township_a, in_township, tmp_path):
    with in_township(township_a):
        f.village()
    rules = tmp_path / "covenant.csv"
    rules.write_text(COVENANT_FILE, encoding="utf-8")
    scan = tmp_path / "minutes.pdf"
    scan.write_bytes(b"%PDF-1.4 minutes")
    args = [
        "--title", "2026年修订", "--effective", "2026-01-01", "--meeting-date", "2025-12-20",
        "--attendance", "80", "--for", "70", "--against", "5", "--abstain", "5",
        "--minutes", scan, rules,
    ]  # fmt: skip
    out = _run("adopt_covenant", township_a, *args)
    assert "version 2 of the township's covenant adopted, effective 2026-01-01" in out
    assert "3 caps" in out
    with in_township(township_a):
        assert term_for(f.rule("VO-01"), f.household("V01-0001"), D(2026, 1, 1)).points == 3
        exported = tmp_path / "export.csv"
        export_rules(exported)
        lines = exported.read_text(encoding="utf-8-sig").splitlines()
        assert lines[0].endswith(",active,cap_month,cap_year")
        assert any(line.startswith("VO-01,") and line.endswith(",true,,8") for line in lines)
        assert any(line.startswith("P7-03,") and line.endswith(",true,-5,") for line in lines)
        assert lines[-1].startswith("*,,,volunteering,") and lines[-1].endswith(",10,")
        import_rules(exported, by=CLI)  # the caps in force come back unchanged
        changed = tmp_path / "changed.csv"
        changed.write_text(
            exported.read_text(encoding="utf-8-sig").replace(",10,\n", ",12,\n"), encoding="utf-8"
        )
        with pytest.raises(TableError, match="caps change only when the village meeting"):
            import_rules(changed, by=CLI)
    variant = tmp_path / "variant.csv"
    variant.write_text(
        "code,title_zh,category,points,cap_month\n"
        "VO-01,参加志愿服务活动,volunteering,4,\n"
        "*,,volunteering,,6\n",
        encoding="utf-8",
    )
    args[3] = "2026-02-01"
    out = _run("adopt_covenant", township_a, "--village", "V01", *args[:-1], variant)
    assert "version 1 of village V01's covenant adopted" in out and "1 terms, 1 caps" in out


def test_adopt_covenant_command_refuses_bad_input(township_a, township_b, in_township, tmp_path):
    with in_township(township_a):
        f.village()
    rules = tmp_path / "covenant.csv"
    rules.write_text(
        "code,title_zh,category,points,cap_month\n"
        "VO-01,参加志愿服务活动,volunteering,3,-4\n"
        "*,,gossip,,5\n"
        "*,,volunteering,,\n",
        encoding="utf-8",
    )
    scan = tmp_path / "minutes.pdf"
    scan.write_bytes(b"%PDF-1.4 minutes")
    args = [
        "--title", "修订", "--effective", "2026-01-01", "--meeting-date", "2025-12-20",
        "--attendance", "80", "--for", "30", "--against", "5", "--abstain", "5",
        "--minutes", scan,
    ]  # fmt: skip
    with pytest.raises(CommandError) as refused:
        _run("adopt_covenant", township_a, *args, rules)
    message = str(refused.value)
    assert "row 2, column cap_month: -4: the rule adds points, so its cap is positive" in message
    assert "row 3, column category: unknown category 'gossip'" in message
    assert "row 4, column code: a * row caps a category" in message
    rules.write_text("code,title_zh,category,points\nVO-01,志愿,volunteering,3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not more than half"):
        _run("adopt_covenant", township_a, *args, rules)
    with pytest.raises(CommandError, match="no village with code 'V99'"):
        _run("adopt_covenant", township_a, "--village", "V99", *args, rules)
    args[9] = "70"
    with pytest.raises(CommandError, match="no village with code 'V01'"):
        _run("adopt_covenant", township_b, "--village", "V01", *args, rules)  # cross-township
    _run("adopt_covenant", township_b, *args, rules)
    with in_township(township_a):
        assert CovenantVersion.objects.count() == 1
    with in_township(township_b):
        assert CovenantVersion.objects.count() == 2


# --- the township admin ---------------------------------------------------------------


def post(client, base: str, data: dict):
    return client.post(base + "add/", data, HTTP_ACCEPT_LANGUAGE="en")


def _adoption(**changes) -> dict:
    return {
        "title": "2026年修订",
        "effective_from": "2026-01-01",
        "meeting_date": "2025-12-20",
        "attendance": "80",
        "votes_for": "70",
        "votes_against": "5",
        "votes_abstaining": "5",
        "note": "",
        "minutes": minutes(),
        **changes,
    }


def test_the_admin_lists_versions_and_records_an_adoption(
    client, township_a, township_b, in_township
):
    with in_township(township_a):
        f.village()
    base = f"/t/{township_a.code}/admin/scoring/covenantversion/"
    assert client.login(username="admin@jia.test", password="pw-jia")
    listing = client.get(base, HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200 and "村规民约（版本记录前施行）" in listing.text
    assert client.get(base + "add/").status_code == 200
    covenant = SimpleUploadedFile(
        "covenant.csv",
        "code,title_zh,category,points,cap_month\n"
        "VO-01,参加志愿服务活动,volunteering,3,6\n".encode(),
    )
    reply = post(client, base, _adoption(rules_file=covenant))
    assert reply.status_code == 302, reply.text
    with in_township(township_a):
        version = CovenantVersion.objects.get(number=2)
        assert version.recorded_by_label == "admin@jia.test"
        cap = version.caps.get()
        assert (cap.rule.code, cap.period, cap.limit) == ("VO-01", "month", 6)
        assert version.terms.get(rule__code="VO-01").points == 3
    page = client.get(base + f"{version.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text and "VO-01" in page.text
    assert client.get(base + f"{version.pk}/delete/").status_code == 403
    # township B's admin is closed to A's administrator
    assert client.get(f"/t/{township_b.code}/admin/scoring/covenantversion/").status_code == 302


def test_the_admin_adoption_form_refuses_bad_input_and_writes_nothing(
    client, township_a, in_township
):
    with in_township(township_a):
        f.village()
    base = f"/t/{township_a.code}/admin/scoring/covenantversion/"
    assert client.login(username="admin@jia.test", password="pw-jia")
    reply = post(client, base, _adoption(votes_for="30"))
    assert reply.status_code == 200 and "not more than half" in reply.text
    bad_file = SimpleUploadedFile("covenant.csv", b"code,title_zh,category,points\nX,x,gossip,3\n")
    reply = post(client, base, _adoption(rules_file=bad_file))
    assert reply.status_code == 200 and "unknown category" in reply.text
    reply = post(client, base, _adoption(minutes=minutes("minutes.exe")))
    assert reply.status_code == 200 and "use one of .pdf" in reply.text
    with in_township(township_a):
        assert CovenantVersion.objects.count() == 1


def test_only_a_township_administrator_records_a_version_in_the_admin(
    client, township_a, in_township
):
    with in_township(township_a):
        f.village()
        council = f.person(role=Role.COUNCIL_MEMBER).user
    base = f"/t/{township_a.code}/admin/scoring/covenantversion/"
    client.force_login(council)
    assert client.get(base).status_code == 200  # seen by the township's administrative roles
    assert client.get(base + "add/").status_code == 403
    assert post(client, base, _adoption()).status_code == 403
    with in_township(township_a):
        assert CovenantVersion.objects.count() == 1
