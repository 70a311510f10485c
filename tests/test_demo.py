"""The demo seed is realistic, idempotent and never runs in production."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.test import override_settings

from platform_core import demo
from platform_core.demo_spec import DEMO_TOWNSHIPS, DemoTownship
from platform_core.evaluation.models import EvaluationRound, HouseholdSnapshot
from platform_core.households.models import Household, Village
from platform_core.households.selectors import mask_name
from platform_core.notices.models import Notice
from platform_core.publication.models import HonourBoard
from platform_core.scoring.models import Objection, RepairApplication, ScoreEvent
from plugins.garbage_sorting.models import Inspection
from plugins.petition.models import Case
from tenants.models import Township

pytestmark = pytest.mark.django_db


def test_demo_matches_the_seed_scale():
    hongqiao = next(t for t in DEMO_TOWNSHIPS if t.slug == "hongqiao")
    assert hongqiao.villages * hongqiao.households_per_village == 10_800


def test_seed_onboards_and_populates_once(monkeypatch, in_township):
    small = [DemoTownship("330502180", "演示镇", "yanshi", 2, 25, ("a@yanshi.demo", "pw-x"))]
    monkeypatch.setattr(demo, "DEMO_TOWNSHIPS", small)
    demo.seed(progress=lambda line: None)
    demo.seed(progress=lambda line: None)  # second run changes nothing

    township = Township.objects.get(code="330502180")
    with in_township(township):
        assert Village.objects.count() == 2
        assert Household.objects.count() == 50
        assert Household.objects.values("code").distinct().count() == 50
        # Six finished months of history, finalised; boards of finished quarters; work in
        # progress this month (entries awaiting review, an objection before the council).
        assert EvaluationRound.objects.filter(status="finalised").count() == 2 * demo.DEMO_MONTHS
        assert HouseholdSnapshot.objects.values("period").distinct().count() == demo.DEMO_MONTHS
        assert HonourBoard.objects.count() == 2 * 2  # two quarter-ends in any six months
        assert ScoreEvent.objects.filter(status="proposed").count() == 12
        assert Objection.objects.filter(status="pending").count() == 1
        # Credit repair: one granted today (its deduction repaired), one before the council.
        repairs = dict(RepairApplication.objects.values_list("status", "entry__status"))
        assert repairs == {"granted": "repaired", "pending": "approved"}
        assert ScoreEvent.objects.filter(source="demo").exists()
        # Deductions count after the response window from their notice; today's one is
        # notified by SMS (the file backend, once the seed commits).
        history = ScoreEvent.objects.filter(source="demo", points__lt=0)
        assert history.exists()
        assert not history.filter(counts_from__isnull=True, rule__immediate=False).exists()
        assert Notice.objects.filter(channel="sms", entry__counts_from__gt=F("notified_on"))
        # The demo county enables the built-in plugins, and they have data.
        assert Inspection.objects.exists() and Case.objects.filter(status="closed").exists()
        # One finished selection round, its winners awarded in the ledger.
        from plugins.selections.models import SelectionRound

        awarded = SelectionRound.objects.filter(status="awarded", nominations__entry__isnull=False)
        assert awarded.exists()
        # Running totals read like the seed's: boards, cases a year before, three-none.
        from django.utils import timezone, translation

        from platform_core.dashboard.totals import township_totals

        today = timezone.localdate()
        year_before = today.replace(day=1, year=today.year - 1)
        assert Case.objects.filter(received_at__date__lt=year_before).exists()
        found = township_totals(township, today)
        assert found.boards.commended > 0
        # The seed's township lists households to improve (红黑榜): some are exposed.
        assert found.boards.exposed > 0
        assert township.publish_red_on_board
        assert "hotline_year" in {f.key for f in found.year_on_year}
        hotline = next(f for f in found.year_on_year if f.key == "hotline_year")
        if (today.month, today.day) != (1, 1):  # a percentage, even in January
            assert hotline.last_year > 0 and hotline.change is not None
        if today.month >= 3:  # two finished demo months of this year, at least
            assert 0 < hotline.this_year < hotline.last_year
            with translation.override("en"):
                assert hotline.statement(zh=False).startswith("12345 hotline cases −")
        assert all(m.three_none is not None for m in found.months)
        # Merchants and firms, registered before the ledger: two to four a village, with
        # valid credit codes, entries of their own covenant, months, posted and on boards.
        from platform_core.evaluation.models import EnterpriseSnapshot, Posting
        from platform_core.households.credit_codes import normalise_credit_code
        from platform_core.households.models import Enterprise
        from platform_core.publication.models import BoardEntry

        subjects = list(Enterprise.objects.all())
        assert 4 <= len(subjects) <= 8 and {s.kind for s in subjects} == {"merchant", "firm"}
        assert all(normalise_credit_code(s.credit_code) == s.credit_code for s in subjects)
        assert any(s.head_name.endswith("专业合作社") for s in subjects) or any(
            s.head_name.endswith("有限公司") for s in subjects
        )
        theirs = ScoreEvent.objects.filter(source="demo", household__kind__in=["merchant", "firm"])
        assert theirs.exists()
        assert not theirs.exclude(rule__applies_to="enterprises").exists()
        months = EnterpriseSnapshot.objects.values("period").distinct().count()
        assert months == demo.DEMO_MONTHS
        assert Posting.objects.exclude(enterprise_rows=[]).exists()
        assert BoardEntry.objects.filter(kind="business").exists()
        assert Household.objects.count() == 50  # still households only


@override_settings(PRODUCTION=True)
def test_seed_refuses_production():
    with pytest.raises(RuntimeError, match="only created in PLATFORM_MODE=demo or test"):
        demo.seed(progress=lambda line: None)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("俞明", "俞某"), ("俞国明", "俞*明"), ("欧阳国明", "欧**明"), ("俞", "俞")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_the_demo_banner_says_where_each_townships_public_pages_are(capsys):
    """make demo prints where to look: the public dividends, dispute-code and selections
    pages of every demo township beside its workbench and dashboard."""
    from platform_core.demo_spec import DEMO_TOWNSHIPS
    from platform_core.launcher import _banner

    _banner({}, "8000")
    printed = capsys.readouterr().out
    for township in DEMO_TOWNSHIPS:
        base = f"http://localhost:8000/t/{township.code}"
        for page in ("work/", "dashboard/", "dividends/", "mediation/", "selections/"):
            assert f"{base}/{page}" in printed
