"""The 'most beautiful' selections plugin: a round from nomination to the award entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from platform_core.errors import NotAllowed
from platform_core.plugins.services import PluginError, enable_plugin
from platform_core.scoring.models import ScoreEvent
from plugins.selections import plugin as selections
from plugins.selections.models import Nomination, ObjectionStatus, SelectionRound, Vote
from plugins.selections.selectors import results
from plugins.selections.services import (
    award,
    cancel_round,
    cast_vote,
    create_round,
    decide_objection,
    file_objection,
    nominate,
    open_voting,
    post_results,
)
from tenants.models import Township
from tests import factories as f
from township_integrity.testing import codes, contract_problems

pytestmark = pytest.mark.django_db

D = dt.date


def test_contract():
    assert contract_problems(selections, settings={}) == []
    settings = {"rule_code": "VO-03", "review_awards": True}
    assert contract_problems(selections, settings=settings) == []


def _setup(township, posting_days: int = 5):
    """Villages V01 and V02 (three households each), V01-0001 and V01-0002 green."""
    Township.objects.filter(pk=township.pk).update(posting_days=posting_days)
    township.refresh_from_db()
    enable_plugin(township, "selections")


def _people():
    return {
        "admin": f.person("admin", role="township_admin"),
        "committee": f.person("committee1", role="village_committee", village_code="V01"),
        "committee2": f.person("committee2", role="village_committee", village_code="V02"),
        "council": [f.person(f"council{n}", role="council_member") for n in range(3)],
    }


def _green(*codes):
    day = timezone.localdate() - dt.timedelta(days=1)
    for code in codes:
        f.approved(code, "VO-01", day)


def _round(admin, **kwargs) -> SelectionRound:
    return create_round(
        category=kwargs.pop("category", "family"),
        year=kwargs.pop("year", timezone.localdate().year),
        village_codes=kwargs.pop("village_codes", ["V01"]),
        places=kwargs.pop("places", 1),
        by=admin,
        **kwargs,
    )


def _voting_since(round_: SelectionRound, days: int) -> None:
    SelectionRound.objects.filter(pk=round_.pk).update(
        voting_opened_at=timezone.now() - dt.timedelta(days=days)
    )


def _posting_over(round_: SelectionRound) -> None:
    """Time passes: the posting period ended yesterday."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    SelectionRound.objects.filter(pk=round_.pk).update(
        posted_on=yesterday - dt.timedelta(days=7), posting_ends_on=yesterday
    )


def test_a_round_end_to_end(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        f.village("V02", "南浔村")
        people = _people()
        admin, committee, council = people["admin"], people["committee"], people["council"]
        _green("V01-0001", "V01-0002")
        round_ = _round(admin, village_codes=["V01", "V02"])
        assert (round_.status, round_.rule.code, round_.places) == ("nominating", "VO-03", 1)
        first = nominate(
            round_, household=f.household("V01-0001"), reason="孝老爱亲，邻里和睦", by=committee
        )
        second = nominate(
            round_, household=f.household("V01-0002"), reason="庭院整洁", by=committee
        )
        assert first.tier_at_nomination == "green"
        open_voting(round_, by=admin)
        for member in council:
            cast_vote(first, in_favour=True, by=member)
        cast_vote(second, in_favour=True, by=council[0])
        cast_vote(second, in_favour=False, by=council[1])
        vote = Vote.objects.get(nomination=first, voter_id=council[0].user_id)
        assert (vote.voter_label, vote.in_favour) == ("council0@test.local", True)
        assert vote.cast_at is not None
        assert [n.pk for n in results(round_)[first.village_id]] == [first.pk]
        round_ = post_results(round_, by=admin)
        today = timezone.localdate()
        assert round_.status == "posted" and round_.posted_on == today
        assert round_.posting_working_days == 5 and round_.posting_ends_on > today
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.selected and not second.selected
        with pytest.raises(PluginError, match="posted until") as refused:
            award(round_, by=admin)
        # An objection during the posting, dismissed by the council with a reason.
        objection = file_objection(first, text="该户曾与邻居争吵", name="张三", phone="13812345678")
        with pytest.raises(PluginError, match="1 objections await"):
            _posting_over(round_)
            award(round_, by=admin)
        objection = decide_objection(
            objection, uphold=False, reason="经核实已调解和好", by=council[2]
        )
        assert objection.status == ObjectionStatus.DISMISSED
        assert objection.decided_by_label == "council2@test.local" and objection.decided_at
        entries = award(round_, by=admin)
        assert len(entries) == 1
        entry = entries[0]
        assert (entry.household.code, entry.rule.code, entry.points, entry.status) == (
            "V01-0001",
            "VO-03",
            10,
            "approved",
        )
        assert entry.source == "selections"
        assert entry.external_id == f"round:{round_.pk}:nomination:{first.pk}"
        assert entry.recorded_by_label == "admin@test.local"
        for part in ("最美家庭", "孝老爱亲", "3 for, 0 against", "objections dismissed: 1"):
            assert part in entry.evidence
        assert f"selections:round:{round_.pk}" in entry.evidence
        round_.refresh_from_db()
        assert round_.status == "awarded" and round_.awarded_by_label == "admin@test.local"
        # Awarding again records nothing.
        assert award(round_, by=admin) == [entry]
        assert ScoreEvent.objects.filter(source="selections").count() == 1
        assert refused.value is not None


def test_an_upheld_objection_withdraws_the_nomination(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        people = _people()
        admin, council = people["admin"], people["council"]
        _green("V01-0001")
        round_ = _round(admin, village_codes=["V01"])
        nomination = nominate(
            round_, household=f.household("V01-0001"), reason="热心公益", by=people["committee"]
        )
        open_voting(round_, by=admin)
        cast_vote(nomination, in_favour=True, by=council[0])
        post_results(round_, by=admin)
        objection = file_objection(
            nomination,
            text="有违建未拆",
            name="李四",
            by=f.person("hh", role="household", household_code="V01-0002"),
        )
        with pytest.raises(PluginError, match="reason") as refused:
            decide_objection(objection, uphold=True, reason=" ", by=council[1])
        assert refused.value.field == "reason"
        decide_objection(objection, uphold=True, reason="核实属实", by=council[1])
        nomination.refresh_from_db()
        assert nomination.withdrawn_at is not None and nomination.withdrawn_reason == "核实属实"
        with pytest.raises(PluginError, match="already decided"):
            decide_objection(objection, uphold=False, reason="再议", by=council[2])
        _posting_over(round_)
        assert award(round_, by=admin) == []
        assert not ScoreEvent.objects.filter(source="selections").exists()


def test_green_only_by_default_and_a_round_setting_allows_others(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        people = _people()
        committee = people["committee"]
        round_ = _round(people["admin"])
        with pytest.raises(PluginError, match="is blue, not green") as refused:
            nominate(round_, household=f.household("V01-0003"), reason="好", by=committee)
        assert refused.value.field == "household"
        assert not Nomination.objects.exists()
        open_round = _round(people["admin"], category="courtyard", green_only=False)
        made = nominate(open_round, household=f.household("V01-0003"), reason="好", by=committee)
        assert made.tier_at_nomination == "blue"


def test_bad_nominations_are_refused_naming_the_field(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        f.village("V02", "南浔村")
        f.village("V03", "东村")
        people = _people()
        _green("V01-0001", "V03-0001")
        round_ = _round(people["admin"], village_codes=["V01", "V02"])
        committee = people["committee"]
        cases = [
            (f.household("V02-0001"), "x", committee, NotAllowed, "village"),
            (f.household("V01-0001"), "  ", committee, PluginError, "reason"),
        ]
        for household, reason, by, error, _field in cases:
            with pytest.raises(error):
                nominate(round_, household=household, reason=reason, by=by)
        outside = f.person("committee3", role="village_committee", village_code="V03")
        with pytest.raises(PluginError, match="does not take part") as refused:
            nominate(round_, household=f.household("V03-0001"), reason="好", by=outside)
        assert refused.value.field == "household"
        nominate(round_, household=f.household("V01-0001"), reason="好", by=committee)
        with pytest.raises(PluginError, match="already nominated") as refused:
            nominate(round_, household=f.household("V01-0001"), reason="又", by=committee)
        assert refused.value.field == "household"
        assert Nomination.objects.count() == 1


def test_bad_rounds_are_refused_naming_the_field(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        admin = f.person("admin", role="township_admin")
        year = timezone.localdate().year
        bad = [
            ({"category": "prettiest"}, "category"),
            ({"year": 1990}, "year"),
            ({"places": 0}, "places"),
            ({"village_codes": []}, "village_codes"),
            ({"village_codes": ["V09"]}, "village_codes"),
            ({"rule_code": "P7-01"}, "rule_code"),
            ({"rule_code": "NOPE"}, "rule_code"),
        ]
        for kwargs, field in bad:
            with pytest.raises(PluginError) as refused:
                _round(admin, **kwargs)
            assert refused.value.field == field, kwargs
        assert not SelectionRound.objects.exists()
        _round(admin, year=year)
        with pytest.raises(PluginError, match="already exists") as refused:
            _round(admin, year=year)
        assert refused.value.field == "category"


def test_one_vote_per_person_and_the_nominator_does_not_vote(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        people = _people()
        admin, council = people["admin"], people["council"]
        _green("V01-0001")
        # A person on both the committee and the council nominates: they may not vote on it.
        both = f.person("both", role="village_committee", village_code="V01")
        from platform_core.accounts.services import grant_role

        grant_role(both.user, township_a, "council_member")
        round_ = _round(admin)
        nomination = nominate(round_, household=f.household("V01-0001"), reason="好", by=both)
        with pytest.raises(PluginError, match="is not voting"):
            cast_vote(nomination, in_favour=True, by=council[0])
        open_voting(round_, by=admin)
        with pytest.raises(NotAllowed, match="someone else votes"):
            cast_vote(nomination, in_favour=True, by=both)
        cast_vote(nomination, in_favour=True, by=council[0])
        with pytest.raises(PluginError, match="already voted") as refused:
            cast_vote(nomination, in_favour=False, by=council[0])
        assert refused.value.field == "nomination"
        assert nomination.votes.count() == 1
        post_results(round_, by=admin)
        objection = file_objection(nomination, text="x", name="王五", phone="13912345678")
        with pytest.raises(NotAllowed, match="someone else decides"):
            decide_objection(objection, uphold=False, reason="y", by=both)


def test_wrong_roles_at_every_step(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        people = _people()
        admin, committee, council = people["admin"], people["committee"], people["council"]
        grid = f.person("grid", role="grid_worker", village_code="V01")
        _green("V01-0001")
        with pytest.raises(NotAllowed):
            _round(committee)
        round_ = _round(admin)
        with pytest.raises(NotAllowed):
            nominate(round_, household=f.household("V01-0001"), reason="好", by=grid)
        with pytest.raises(NotAllowed):
            nominate(round_, household=f.household("V01-0001"), reason="好", by=council[0])
        nomination = nominate(round_, household=f.household("V01-0001"), reason="好", by=committee)
        with pytest.raises(NotAllowed):
            open_voting(round_, by=committee)
        open_voting(round_, by=admin)
        with pytest.raises(NotAllowed):
            cast_vote(nomination, in_favour=True, by=committee)
        with pytest.raises(NotAllowed):
            cast_vote(nomination, in_favour=True, by=admin)
        cast_vote(nomination, in_favour=True, by=council[0])
        with pytest.raises(NotAllowed):
            post_results(round_, by=council[0])
        post_results(round_, by=admin)
        objection = file_objection(nomination, text="x", name="王五", phone="13912345678")
        with pytest.raises(NotAllowed):
            decide_objection(objection, uphold=True, reason="y", by=admin)
        with pytest.raises(NotAllowed, match="may not decide objections"):
            decide_objection(objection, uphold=True, reason="y", by=committee)
        decide_objection(objection, uphold=False, reason="不属实", by=council[1])
        _posting_over(round_)
        with pytest.raises(NotAllowed):
            award(round_, by=council[0])
        with pytest.raises(NotAllowed):
            cancel_round(round_, reason="x", by=committee)
        assert len(award(round_, by=admin)) == 1


def test_objections_are_checked_and_only_during_the_posting(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        people = _people()
        admin = people["admin"]
        _green("V01-0001", "V01-0002")
        round_ = _round(admin)
        nomination = nominate(
            round_, household=f.household("V01-0001"), reason="好", by=people["committee"]
        )
        loser = nominate(
            round_, household=f.household("V01-0002"), reason="好", by=people["committee"]
        )
        open_voting(round_, by=admin)
        cast_vote(nomination, in_favour=True, by=people["council"][0])
        with pytest.raises(PluginError, match="posted result"):
            file_objection(nomination, text="x", name="王五", phone="13912345678")
        post_results(round_, by=admin)
        bad = [
            ({"text": " "}, "text"),
            ({"name": ""}, "name"),
            ({"phone": ""}, "phone"),
            ({"phone": "12345"}, "phone"),
        ]
        for change, field in bad:
            arguments = {"text": "x", "name": "王五", "phone": "13912345678", **change}
            with pytest.raises(PluginError) as refused:
                file_objection(nomination, **arguments)
            assert refused.value.field == field
        with pytest.raises(PluginError, match="posted result") as refused:
            file_objection(loser, text="x", name="王五", phone="13912345678")
        _posting_over(round_)
        with pytest.raises(PluginError, match="no longer received"):
            file_objection(nomination, text="x", name="王五", phone="13912345678")
        assert not nomination.objections.exists()


def test_an_objection_racing_the_award_or_a_withdrawal_is_refused(
    township_a, in_township, monkeypatch
):
    """The status is read again under the round's lock: an award (or an upheld objection)
    committed between the first checks and the objection leaves nothing pending."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plugins.selections import services

    _setup(township_a)
    with in_township(township_a):
        f.village()
        people = _people()
        _green("V01-0001")
        round_ = _round(people["admin"])
        nomination = nominate(
            round_, household=f.household("V01-0001"), reason="好", by=people["committee"]
        )
        open_voting(round_, by=people["admin"])
        cast_vote(nomination, in_favour=True, by=people["council"][0])
        post_results(round_, by=people["admin"])
        real_locked = services._locked
        arguments = {"text": "x", "name": "王五", "phone": "13912345678"}

        def meanwhile(change, model):
            def locked(round_):
                model.objects.filter(**change[0]).update(**change[1])
                return real_locked(round_)

            return locked

        for change, model in [
            (({"pk": round_.pk}, {"status": "awarded"}), SelectionRound),
            (({"pk": nomination.pk}, {"withdrawn_at": timezone.now()}), Nomination),
        ]:
            with monkeypatch.context() as patch:
                patch.setattr(services, "_locked", meanwhile(change, model))
                with pytest.raises(PluginError) as refused:
                    file_objection(nomination, **arguments)
            assert refused.value.field == "nomination"
            model.objects.filter(**change[0]).update(
                **{"status": "posted"} if model is SelectionRound else {"withdrawn_at": None}
            )
        assert not nomination.objections.exists()
        with CaptureQueriesContext(connection) as queries:
            objection = file_objection(nomination, **arguments)
            decide_objection(objection, uphold=False, reason="不属实", by=people["council"][1])
        locks = [
            q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and "selectionround" in q["sql"]
        ]
        assert len(locks) == 2  # the objection and its decision each lock the round


def test_cancel_needs_a_reason_and_frees_the_category(township_a, in_township):
    _setup(township_a)
    with in_township(township_a):
        f.village()
        admin = f.person("admin", role="township_admin")
        round_ = _round(admin)
        with pytest.raises(PluginError) as refused:
            cancel_round(round_, reason="", by=admin)
        assert refused.value.field == "reason"
        cancel_round(round_, reason="疫情推迟", by=admin)
        again = _round(admin)
        assert again.pk != round_.pk


# --- adapters: workbench, public page, GraphQL (the public test fixtures) --------------


def _green_in(township, in_township, *codes):
    with in_township(township):
        _green(*codes)


def _form_post(client, url, data):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


def test_contract_with_townships(township, other_township, enable_plugin):
    enable_plugin("selections")
    problems = contract_problems(
        selections, settings={}, township=township, elsewhere=other_township
    )
    assert problems == []


def test_a_round_through_the_workbench(
    township, other_township, enable_plugin, sign_in, in_township
):
    enable_plugin("selections")
    enable_plugin("selections", township=other_township)
    _green_in(township, in_township, "V01-0001", "V01-0002")
    admin = sign_in("township_admin")
    committee = sign_in("village_committee", "V01")
    council = sign_in("council_member")
    base = admin.address("work/x/selections/rounds/")
    assert admin.get(base).status_code == 200
    # Bad input: no village named; nothing created.
    page = _form_post(admin, base + "new/", {"category": "family", "year": 2026, "places": 1})
    assert page.status_code == 400
    with in_township(township):
        assert not SelectionRound.objects.exists()
    assert committee.get(base + "new/").status_code == 403
    year = timezone.localdate().year
    made = _form_post(
        admin,
        base + "new/",
        {
            "category": "family",
            "year": year,
            "village_codes": ["V01"],
            "places": 1,
            "green_only": "on",
        },
    )
    assert made.status_code == 302
    assert made["Location"].startswith(f"/t/{township.code}/work/x/selections/rounds/")
    with in_township(township):
        round_ = SelectionRound.objects.get()
    url = base + f"{round_.pk}/"
    # Nominations: a household of another village or a blue one is refused at the field.
    for code, message in [("V02-0001", "No household with this code"), ("V01-0003", "not green")]:
        page = _form_post(
            committee,
            url,
            {"form": "nominate", "nominate-household": code, "nominate-reason": "好"},
        )
        assert page.status_code == 400 and message in page.content.decode()
    page = _form_post(
        committee,
        url,
        {"form": "nominate", "nominate-household": "V01-0001", "nominate-reason": "孝老爱亲"},
    )
    assert page.status_code == 302
    # Wrong roles: the committee cannot open the vote, the council cannot nominate.
    assert _form_post(committee, url, {"form": "open_voting"}).status_code == 403
    page = _form_post(
        council, url, {"form": "nominate", "nominate-household": "V01-0002", "nominate-reason": "x"}
    )
    assert page.status_code == 403
    assert _form_post(admin, url, {"form": "open_voting"}).status_code == 302
    with in_township(township):
        nomination = Nomination.objects.get()
    vote = {"form": "vote", "target": nomination.pk, f"v{nomination.pk}-in_favour": "yes"}
    assert _form_post(committee, url, vote).status_code == 403
    assert _form_post(council, url, vote).status_code == 302
    again = _form_post(council, url, vote)
    assert again.status_code == 400 and "already voted" in again.content.decode()
    page = council.get(url)
    assert "data-for>1<" in page.content.decode()
    assert "VO-03 Named in a" in page.content.decode()  # the award rule, in English
    assert _form_post(admin, url, {"form": "post"}).status_code == 302
    with in_township(township):
        round_.refresh_from_db()
        assert round_.status == "posted"
    # Another township's people see nothing of it (the same id there is not this round).
    stranger = sign_in("township_admin", township=other_township)
    assert (
        stranger.get(stranger.address(f"work/x/selections/rounds/{round_.pk}/")).status_code == 404
    )
    # A village's committee of another village does not see it either.
    other_village = sign_in("village_committee", "V02")
    assert other_village.get(url).status_code == 404


def _posted_round(township, in_township, **kwargs):
    """A posted round of V01 with V01-0001 selected (posting period 5 working days)."""
    Township.objects.filter(pk=township.pk).update(posting_days=5)
    township.refresh_from_db()
    with in_township(township):
        _green("V01-0001")
        admin = f.person(role="township_admin")
        round_ = _round(admin, **kwargs)
        nomination = nominate(
            round_,
            household=f.household("V01-0001"),
            reason="孝老爱亲",
            by=f.person(role="village_committee", village_code="V01"),
        )
        open_voting(round_, by=admin)
        cast_vote(nomination, in_favour=True, by=f.person(role="council_member"))
        post_results(round_, by=admin)
        return round_, nomination


def test_the_public_posting_masks_names_and_takes_objections(
    township, other_township, enable_plugin, in_township
):
    from township_integrity.testing import TownshipClient

    enable_plugin("selections")
    enable_plugin("selections", township=other_township)
    round_, nomination = _posted_round(township, in_township)
    with in_township(township):
        head = f.household("V01-0001").head_name
    public = TownshipClient(township)
    page = public.get(public.address("selections/"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "Most beautiful family" in html
    assert head not in html and "V01-0001" not in html and "孝老爱亲" not in html
    assert head[0] in html
    url = public.address(f"selections/{round_.pk}/object/")
    prefix = f"r{round_.pk}"
    bad = public.post(
        url,
        {
            f"{prefix}-nomination": nomination.pk,
            f"{prefix}-name": "张三",
            f"{prefix}-phone": "123",
            f"{prefix}-text": "有异议",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and "not a mainland mobile number" in bad.content.decode()
    # The form on the refusal page still posts to the round's address.
    assert f'action="/t/{township.code}/selections/{round_.pk}/object/"' in bad.content.decode()
    sent = public.post(
        url,
        {
            f"{prefix}-nomination": nomination.pk,
            f"{prefix}-name": "张三",
            f"{prefix}-phone": "13812345678",
            f"{prefix}-text": "有异议",
        },
    )
    assert sent.status_code == 302
    assert sent["Location"] == f"/t/{township.code}/selections/?sent=1"
    assert "data-sent" in public.get(sent["Location"]).content.decode()
    with in_township(township):
        assert nomination.objections.get().objector_phone == "13812345678"
    # Another township's page does not show this round or take objections to it.
    elsewhere = TownshipClient(other_township)
    assert "data-round" not in elsewhere.get(elsewhere.address("selections/")).content.decode()
    assert (
        elsewhere.post(elsewhere.address(f"selections/{round_.pk}/object/"), {}).status_code == 404
    )


def _another_posted_round(township, in_township, code: str, category: str) -> None:
    with in_township(township):
        _green(code)
        admin = f.person(role="township_admin")
        round_ = _round(admin, category=category)
        nomination = nominate(
            round_,
            household=f.household(code),
            reason="热心公益",
            by=f.person(role="village_committee", village_code="V01"),
        )
        open_voting(round_, by=admin)
        cast_vote(nomination, in_favour=True, by=f.person(role="council_member"))
        post_results(round_, by=admin)


def test_the_public_posting_reads_as_many_statements_for_three_rounds_as_for_one(
    township, enable_plugin, in_township
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from township_integrity.testing import TownshipClient

    enable_plugin("selections")
    _posted_round(township, in_township)
    public = TownshipClient(township)

    def statements() -> int:
        with CaptureQueriesContext(connection) as seen:
            page = public.get(public.address("selections/"))
        assert page.status_code == 200
        return len(seen.captured_queries)

    statements()  # the first request also fills the process's caches
    one = statements()
    _another_posted_round(township, in_township, "V01-0002", "courtyard")
    _another_posted_round(township, in_township, "V01-0003", "daughter_in_law")
    page = public.get(public.address("selections/")).content.decode()
    assert page.count("data-round") >= 3
    assert statements() == one


def test_public_objections_are_rate_limited(township, enable_plugin, in_township, settings):
    from township_integrity.testing import TownshipClient

    enable_plugin("selections")
    settings.PUBLIC_SCAN_RATE_PER_MINUTE = 2
    round_, nomination = _posted_round(township, in_township)
    public = TownshipClient(township)
    url = public.address(f"selections/{round_.pk}/object/")
    prefix = f"r{round_.pk}"
    data = {
        f"{prefix}-nomination": nomination.pk,
        f"{prefix}-name": "张三",
        f"{prefix}-phone": "13812345678",
        f"{prefix}-text": "有异议",
    }
    assert [public.post(url, data).status_code for _ in range(3)] == [302, 302, 429]
    with in_township(township):
        assert nomination.objections.count() == 2


def test_a_household_objects_in_the_workbench(township, enable_plugin, sign_in, in_township):
    enable_plugin("selections")
    round_, nomination = _posted_round(township, in_township)
    household = sign_in("household", "V01", household_code="V01-0002")
    url = household.address("work/x/selections/posted/")
    page = household.get(url)
    assert page.status_code == 200
    bad = _form_post(household, url, {"nomination": nomination.pk, "name": "沈红", "text": ""})
    assert bad.status_code == 400
    done = _form_post(household, url, {"nomination": nomination.pk, "name": "沈红", "text": "异议"})
    assert done.status_code == 302
    with in_township(township):
        objection = nomination.objections.get()
        assert objection.filed_by_label == household.actor.label
    council = sign_in("council_member", "V01")
    decide = {
        "form": "decide",
        "target": objection.pk,
        f"o{objection.pk}-uphold": "yes",
        f"o{objection.pk}-reason": "",
    }
    rounds = council.address(f"work/x/selections/rounds/{round_.pk}/")
    assert _form_post(council, rounds, decide).status_code == 400
    decide[f"o{objection.pk}-reason"] = "核实属实"
    assert _form_post(council, rounds, decide).status_code == 302
    with in_township(township):
        nomination.refresh_from_db()
        assert nomination.withdrawn_at is not None
    from township_integrity.testing import TownshipClient

    public = TownshipClient(township)  # the withdrawn winner is no longer listed
    assert "data-name" not in public.get(public.address("selections/")).content.decode()


def test_workbench_objections_stay_in_their_township_and_role(
    township, other_township, enable_plugin, sign_in, in_township
):
    enable_plugin("selections")
    enable_plugin("selections", township=other_township)
    round_, nomination = _posted_round(township, in_township)
    body = {"nomination": nomination.pk, "name": "沈红", "text": "异议"}
    # A household of another township: A's posted result is no choice of its screen.
    stranger = sign_in("household", "V01", household_code="V01-0002", township=other_township)
    answer = _form_post(stranger, stranger.address("work/x/selections/posted/"), body)
    assert answer.status_code == 400 and nomination.household.code not in answer.text
    # Staff do not object through the households' screen (nor the public's limit-free).
    grid = sign_in("grid_worker", "V01")
    assert _form_post(grid, grid.address("work/x/selections/posted/"), body).status_code == 403
    with in_township(township):
        assert not nomination.objections.exists()
        objection = file_objection(nomination, text="异议", name="沈红", phone="13812345678")
    # Another township's council cannot decide it (the round is not theirs: 404).
    council_b = sign_in("council_member", township=other_township)
    decide = {
        "form": "decide",
        "target": objection.pk,
        f"o{objection.pk}-uphold": "yes",
        f"o{objection.pk}-reason": "属实",
    }
    url = f"work/x/selections/rounds/{round_.pk}/"
    assert _form_post(council_b, council_b.address(url), decide).status_code == 404
    # A village committee sees the round but does not decide objections, nor learns who
    # objected to its nomination (the page and the admin); the council does.
    committee = sign_in("village_committee", "V01")
    assert _form_post(committee, committee.address(url), decide).status_code == 403
    page = committee.get(committee.address(url)).text
    assert f'data-objection="{objection.pk}"' in page and "13812345678" not in page
    objections = "admin/selections/objection/"
    assert committee.get(committee.address(objections)).status_code == 403
    change = f"{objections}{objection.pk}/change/"
    assert committee.get(committee.address(change)).status_code in (403, 404)
    council = sign_in("council_member")
    assert "13812345678" in council.get(council.address(url)).text
    assert "沈红" in council.get(council.address(objections)).text
    with in_township(township):
        objection.refresh_from_db()
        nomination.refresh_from_db()
        assert objection.status == "pending" and nomination.withdrawn_at is None


ROUNDS = """query { selectionRounds { id title status ruleCode villageCodes
  nominations { householdCode votesFor votesAgainst selected withdrawn } } }"""


def test_graphql_rounds_for_staff_only(
    township, other_township, enable_plugin, sign_in, in_township, graphql
):
    enable_plugin("selections")
    enable_plugin("selections", township=other_township)
    round_, nomination = _posted_round(township, in_township)
    council = sign_in("council_member")
    answer = graphql(council, ROUNDS)
    [found] = answer["data"]["selectionRounds"]
    assert (found["status"], found["ruleCode"], found["villageCodes"]) == (
        "posted",
        "VO-03",
        ["V01"],
    )
    assert found["nominations"] == [
        {
            "householdCode": "V01-0001",
            "votesFor": 1,
            "votesAgainst": 0,
            "selected": True,
            "withdrawn": False,
        }
    ]
    other_village = sign_in("village_committee", "V02")
    assert graphql(other_village, ROUNDS)["data"]["selectionRounds"] == []
    grid = sign_in("grid_worker", "V01")
    assert "FORBIDDEN" in codes(graphql(grid, ROUNDS))
    stranger = sign_in("township_admin", township=other_township)
    assert graphql(stranger, ROUNDS)["data"]["selectionRounds"] == []
    wrong = graphql(council, '{ selectionRounds(status: "won") { id } }')
    assert codes(wrong) == ["BAD_INPUT"] and "status" in wrong["errors"][0]["message"]
    by_status = 'query($y: Int) { selectionRounds(status: "posted", year: $y) { status } }'
    answer = graphql(council, by_status, {"y": round_.year})
    assert answer["data"]["selectionRounds"] == [{"status": "posted"}]


def test_graphql_rounds_in_a_fixed_number_of_queries(
    township, enable_plugin, sign_in, in_township, graphql
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enable_plugin("selections")
    _posted_round(township, in_township)
    council = sign_in("council_member")

    def read() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            answer = graphql(council, ROUNDS)
        found = answer["data"]["selectionRounds"]
        return sum(len(r["nominations"]) for r in found), len(queries)

    read()  # the first request's own reads (the session, the viewer) aside
    one = read()
    with in_township(township):
        _green("V01-0002")
        admin = f.person(role="township_admin")
        committee = f.person(role="village_committee", village_code="V01")
        for category in ("courtyard", "daughter_in_law"):
            more = _round(admin, category=category)
            for code in ("V01-0001", "V01-0002"):
                nominate(more, household=f.household(code), reason="好", by=committee)
    three = read()
    assert (one[0], three[0]) == (1, 5)
    assert three[1] == one[1]  # villages and nominations prefetched, not read per round


def test_the_demo_round_is_awarded_with_votes_posting_and_entries(township_a, in_township):
    import random

    from plugins.selections.demo import seed_demo_rounds

    _setup(township_a)
    with in_township(township_a):
        f.village()
        f.village("V02", "南浔村")
        _green("V01-0001", "V01-0002", "V02-0001")
        admin = f.person("admin", role="township_admin")
        month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        summary = seed_demo_rounds(admin, random.Random(3), [month])
        assert "awarded" in summary
        finished = SelectionRound.objects.get(category="family")
        assert finished.status == "awarded" and finished.posted_on < timezone.localdate()
        assert Vote.objects.filter(nomination__round=finished).count() == 5 * 3
        entries = ScoreEvent.objects.filter(source="selections")
        assert entries.count() == finished.nominations.filter(selected=True).count() >= 1
        assert all("council vote" in e.evidence for e in entries)
        assert finished.nominations.filter(objections__status="dismissed").exists()
        assert SelectionRound.objects.get(category="courtyard").status == "nominating"
        assert seed_demo_rounds(admin, random.Random(3), [month]) is None  # seeded once


def test_the_admin_reads_rounds_and_nominations_by_village(
    township, enable_plugin, sign_in, in_township
):
    enable_plugin("selections")
    round_, nomination = _posted_round(township, in_township)
    ours = sign_in("village_committee", "V01")
    theirs = sign_in("village_committee", "V02")
    rounds = ours.get(ours.address("admin/selections/selectionround/"))
    assert rounds.status_code == 200
    listed = ours.get(ours.address("admin/selections/nomination/"))
    assert listed.status_code == 200 and "V01-0001" in listed.content.decode()
    assert "V01-0001" not in theirs.get(theirs.address("admin/selections/nomination/")).text
    change = f"admin/selections/nomination/{nomination.pk}/change/"
    assert theirs.get(theirs.address(change)).status_code == 404
    assert ours.post(ours.address("admin/selections/selectionround/add/")).status_code == 403


def test_settings_choose_the_rule_and_the_joint_review(township_a, in_township):
    Township.objects.filter(pk=township_a.pk).update(posting_days=0)
    township_a.refresh_from_db()
    enable_plugin(township_a, "selections", {"rule_code": "VO-02", "review_awards": True})
    with in_township(township_a):
        f.village()
        people = _people()
        admin = people["admin"]
        _green("V01-0001")
        round_ = _round(admin)
        assert round_.rule.code == "VO-02"
        nomination = nominate(
            round_, household=f.household("V01-0001"), reason="好", by=people["committee"]
        )
        open_voting(round_, by=admin)
        cast_vote(nomination, in_favour=True, by=people["council"][0])
        post_results(round_, by=admin)
        _posting_over(round_)
        [entry] = award(round_, by=admin)
        assert (entry.rule.code, entry.status) == ("VO-02", "proposed")
