"""Realistic demo data: one county, Hongqiao at the seed's scale and a smaller township.

Deterministic (fixed random seed), idempotent (an onboarded township is left as
it is), and only for PLATFORM_MODE=demo or test.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from platform_core.accounts.models import Role
from platform_core.accounts.services import grant_role
from platform_core.actors import Actor
from platform_core.demo_spec import (
    COUNTY_ADMIN,
    COUNTY_CODE,
    COUNTY_NAME,
    DEMO_ALLIANCE,
    DEMO_DIVIDENDS,
    DEMO_PEOPLE,
    DEMO_ROLE_PASSWORD,
    DEMO_TOWNSHIPS,
    GIVEN,
    SURNAMES,
    VILLAGE_NAMES,
    DemoTownship,
)
from platform_core.evaluation.models import Posting
from platform_core.evaluation.services import finalise_month, post_months
from platform_core.households.models import Enterprise, Grid, Household, Village
from platform_core.plugins.manager import hooks_for, registry
from platform_core.publication.services import publish_board
from platform_core.scoring.imports import import_score_events
from platform_core.scoring.models import Rule, ScoreEvent
from platform_core.scoring.policy import month_end
from platform_core.scoring.repair import apply_for_repair, decide_repair
from platform_core.scoring.services import file_objection, record_entry, review_entry
from platform_core.scoring.workdays import add_working_days
from platform_core.townships.policy import Policy, set_policy
from platform_core.townships.services import onboard_township
from tenants.models import County, Township


def seed(progress: Callable[[str], None] = print) -> list[Township]:
    """Create the demo county and townships that do not exist yet."""
    if settings.PRODUCTION:
        raise RuntimeError("Demo data is only created in PLATFORM_MODE=demo or test.")
    county, _ = County.objects.get_or_create(code=COUNTY_CODE, defaults={"name": COUNTY_NAME})
    if not county.default_plugins:  # the demo county onboards with the built-in plugins
        installed = registry().plugins  # a removed plugin is simply not in the demo
        county.default_plugins = [key for key in DEMO_PLUGINS if key in installed]
        county.save(update_fields=["default_plugins"])
    _ensure_user(*COUNTY_ADMIN, superuser=True)
    grant_role(get_user_model().objects.get(username=COUNTY_ADMIN[0]), None, Role.COUNTY_ADMIN)
    townships = []
    for spec in DEMO_TOWNSHIPS:
        township = Township.objects.filter(code=spec.code).first()
        if township is None:
            progress(f"Onboarding {spec.name} ({spec.code}) ...")
            _ensure_user(*spec.admin)
            township = onboard_township(
                code=spec.code,
                name=spec.name,
                county=county.code,
                slug=spec.slug,
                admin_email=spec.admin[0],
                by=Actor.cli(),
            ).township
            # The seed's township lists its households to improve on its boards (红黑榜:
            # "967 households to improve exposed"); a new township's default is not to.
            township = set_policy(
                township,
                replace(Policy.of(township), publish_red_on_board=True),
                by=Actor.cli(),
            )
        with tenant_context(township):
            if not Household.objects.exists():
                count = populate(spec, progress)
                progress(f"  {spec.name}: {count} households in {spec.villages} villages")
            ensure_demo_people()
            ensure_demo_dividends()
            ensure_demo_ratings()
            if not ScoreEvent.objects.exists():
                admin = Actor.of(get_user_model().objects.get(username=spec.admin[0]))
                # Before the ledger: its history gives them entries, months and boards.
                populate_enterprises(spec, admin, progress)
                populate_ledger(spec, admin, progress)
                populate_plugins(spec, admin, progress)
        townships.append(township)
    return townships


def _ensure_user(email: str, password: str, superuser: bool = False) -> None:
    User = get_user_model()
    if not User.objects.filter(username=email).exists():
        User.objects.create_user(
            username=email,
            email=email,
            password=password,
            is_staff=superuser,
            is_superuser=superuser,
        )


def populate(spec: DemoTownship, progress: Callable[[str], None]) -> int:
    """Villages, grids and households of one township (inside its schema)."""
    rng = random.Random(int(spec.code))
    total = 0
    for v in range(spec.villages):
        village = Village.objects.create(code=f"V{v + 1:02d}", name=VILLAGE_NAMES[v])
        grids = Grid.objects.bulk_create(
            Grid(village=village, name=f"第{g + 1}网格") for g in range(6)
        )
        Household.objects.bulk_create(
            (_household(rng, village, grids, n) for n in range(spec.households_per_village)),
            batch_size=2000,
        )
        total += spec.households_per_village
        progress(f"  {spec.name} {village.name}: {total} households")
    return total


def _household(rng: random.Random, village: Village, grids: list[Grid], n: int) -> Household:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return Household(
        code=f"{village.code}-{n + 1:04d}",
        village=village,
        grid=grids[n % len(grids)],
        head_name=rng.choice(SURNAMES) + given,
        members=rng.choice((1, 2, 3, 3, 4, 4, 5, 6)),
        address=f"{village.name}{rng.randint(1, 40)}组{rng.randint(1, 120)}号",
        phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
    )


# The demo's merchants and firms: (kind, credit code's first two characters, name
# pattern); ``{stem}`` is the village's name without 村 or 社区.
DEMO_ENTERPRISES = [
    ("merchant", "92", "联华超市{stem}店"),
    ("merchant", "92", "{stem}农家乐"),
    ("merchant", "92", "{stem}便民小吃店"),
    ("merchant", "92", "{surname}记五金店"),
    ("merchant", "92", "{stem}农资经营部"),
    ("firm", "93", "{stem}河蟹养殖专业合作社"),
    ("firm", "93", "{stem}湖羊养殖专业合作社"),
    ("firm", "91", "湖州{stem}纺织有限公司"),
    ("firm", "91", "湖州{stem}竹木制品有限公司"),
]
DEMO_DIVISION = "330502"  # 湖州市吴兴区: the credit codes' registering division


def populate_enterprises(spec: DemoTownship, admin: Actor, progress: Callable[[str], None]) -> None:
    """Two to four merchants and firms per village, registered through the service with
    valid unified social credit codes (GB 32100-2015 check character). A random
    generator of its own: the households' streams, and so their figures, are untouched."""
    from platform_core.households.credit_codes import check_character
    from platform_core.households.services import register_enterprise

    if Enterprise.objects.exists():
        return
    rng = random.Random(int(spec.code) + 3)
    series = "BCDEF"[int(spec.code) % 5]  # the townships' codes apart
    count = 0
    for v, village in enumerate(Village.objects.order_by("code")):
        stem = village.name.removesuffix("社区").removesuffix("村")
        # One merchant and one cooperative or firm at least, then any others.
        merchants = [e for e in DEMO_ENTERPRISES if e[0] == "merchant"]
        firms = [e for e in DEMO_ENTERPRISES if e[0] == "firm"]
        chosen = [rng.choice(merchants), rng.choice(firms)]
        rest = [e for e in DEMO_ENTERPRISES if e not in chosen]
        chosen += rng.sample(rest, rng.randint(0, 2))
        for n, (kind, prefix, pattern) in enumerate(chosen):
            first17 = f"{prefix}{DEMO_DIVISION}MA2{series}{v + 1:02d}{n + 1:02d}1"
            register_enterprise(
                by=admin,
                kind=kind,
                name=pattern.format(stem=stem, surname=rng.choice(SURNAMES)),
                credit_code=first17 + check_character(first17),
                legal_representative=rng.choice(SURNAMES)
                + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))),
                village=village,
                address=f"{village.name}{rng.randint(1, 40)}组{rng.randint(1, 120)}号",
                phone=f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}",
            )
            count += 1
    progress(f"  {spec.name}: {count} merchants and firms")


DEMO_MONTHS = 6  # finished months of history, finalised in order


def populate_ledger(spec: DemoTownship, admin: Actor, progress: Callable[[str], None]) -> None:
    """Six months of entries, finalised months, published boards, work in progress.

    Most households are quiet; about a third earn points often (model households)
    and about one in eleven collects deductions (households to improve), which is
    the mix the seed reports for Hongqiao (3,363 model, 967 to improve of 10,800).
    """
    rng = random.Random(int(spec.code) + 1)
    today = timezone.localdate()
    months = _finished_months(today, DEMO_MONTHS)
    # The households' covenant (merchants and firms are scored under their own).
    household_rules = Rule.objects.filter(applies_to="households")
    positive = list(household_rules.filter(points__gt=0).values_list("code", flat=True))
    # Unreasonable petitions are deducted only on a formal finding: the petition
    # plugin's demo records those, with their findings.
    negative = list(
        household_rules.filter(points__lt=0, requires_finding=False).values_list("code", flat=True)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{spec.slug}-history.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            # Each deduction was notified on its day (通知日期): it counts after the
            # response window from then, as it would have (docs/scoring.md).
            writer.writerow(
                ["household_code", "rule_code", "occurred_on", "external_id", "note", "notified_on"]
            )
            for code in Household.objects.order_by("code").values_list("code", flat=True):
                kind = rng.random()
                for month in months:
                    for n, rule in enumerate(_demo_entries(rng, kind, positive, negative)):
                        day = month + dt.timedelta(days=rng.randrange(28))
                        key = f"demo-{code}-{month:%Y%m}-{n}"
                        writer.writerow([code, rule, day, key, "", min(day, today)])
            _enterprise_rows(writer, random.Random(int(spec.code) + 2), months, today)
        result = import_score_events(path, operator=admin, approve=True, source="demo")
        progress(f"  {spec.name}: {result.recorded} ledger entries over {len(months)} months")
    for month in months:
        _post_and_finalise(month, admin)
    for month in months:
        if month.month % 3 == 0:
            for village in Village.objects.all():
                publish_board(village, year=month.year, quarter=month.month // 3, publisher=admin)
    progress(f"  {spec.name}: months {months[0]:%Y-%m} to {months[-1]:%Y-%m} finalised")
    _work_in_progress(rng, today, admin)


def _enterprise_rows(writer, rng: random.Random, months: list[dt.date], today: dt.date) -> None:
    """The demo's merchants and firms (if registered by then) under their own covenant:
    most keep honest books, about one in six is found wanting. A random generator of
    their own, after every household's rows, so the households' figures stay the same."""
    rules = Rule.objects.filter(applies_to="enterprises", active=True)
    positive = list(rules.filter(points__gt=0).values_list("code", flat=True))
    negative = list(rules.filter(points__lt=0).values_list("code", flat=True))
    if not positive or not negative:
        return
    for code in Enterprise.objects.order_by("code").values_list("code", flat=True):
        wanting = rng.random() < 0.17
        for month in months:
            picks = [rng.choice(positive)] if rng.random() < 0.5 else []
            if wanting and rng.random() < 0.4:
                picks.append(rng.choice(negative))
            for n, rule in enumerate(picks):
                day = month + dt.timedelta(days=rng.randrange(28))
                key = f"demo-{code}-{month:%Y%m}-{n}"
                writer.writerow([code, rule, day, key, "", min(day, today)])


# The override recorded when the demo finalises its latest month during its posting.
DEMO_OVERRIDE = "演示数据：历史月份一次性载入 (demo data: the history is loaded at once)"


def _post_and_finalise(month: dt.date, admin: Actor) -> None:
    """Post the month's results (公示) on the first working day after it, as a village
    would have, then finalise it; the latest month's posting may still run today, and
    is then overridden with the demo's recorded reason."""
    posted_on = add_working_days(month_end(month), 1)
    if posted_on >= timezone.localdate():  # today's posting is not backdated
        posted_on = timezone.localdate()
    post_months(month, by=admin, posted_on=posted_on)
    running = Posting.objects.filter(
        period=month, superseded_at__isnull=True, ends_on__gte=timezone.localdate()
    ).exists()
    finalise_month(month, by=admin, override_posting=DEMO_OVERRIDE if running else None)


def _finished_months(today: dt.date, count: int) -> list[dt.date]:
    months, month = [], today.replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    return sorted(months)


def _demo_entries(rng, kind: float, positive, negative) -> list[str]:
    if kind < 0.33:  # active: volunteers, model garbage sorting
        return [rng.choice(positive) for _ in range(rng.choice((0, 1, 1, 2)))]
    if kind < 0.42:  # a household to improve
        return [rng.choice(negative)] if rng.random() < 0.5 else []
    return [rng.choice(positive)] if rng.random() < 0.04 else []


def _work_in_progress(rng: random.Random, today: dt.date, admin: Actor) -> None:
    """This month: a few ratings awaiting review and one objection before the council."""
    grid_worker = _demo_staff("grid")
    households = list(Household.objects.order_by("?")[:12])
    rules = list(
        Rule.objects.filter(
            active=True, needs_review=True, requires_finding=False, applies_to="households"
        )
    )
    for household in households:
        record_entry(
            household=household,
            rule=rng.choice(rules),
            occurred_on=today.replace(day=1),
            recorder=grid_worker,
            source="staff",
            evidence="网格员走访记录 (grid worker's visit notes)",
        )
    _notified_deduction(rng, today, grid_worker)
    deduction = ScoreEvent.objects.filter(status="approved", points__lt=0).order_by("-id").first()
    if deduction is not None:
        file_objection(
            deduction,
            by=admin,
            reason="户主称当日不在村内 (the head says they were away that day)",
            on_behalf=True,
        )
    _credit_repairs(admin)


def _credit_repairs(admin: Actor) -> None:
    """Credit repair (信用修复): one granted today after volunteering (the deduction
    stops counting from today), one awaiting the council."""
    deductions = ScoreEvent.objects.filter(
        status="approved", points__lt=0, kind="normal", source="demo"
    ).order_by("occurred_on", "id")[:2]
    council = _demo_staff("council", Role.COUNCIL_MEMBER)
    for n, deduction in enumerate(deductions):
        application = apply_for_repair(
            deduction,
            by=admin,
            action="volunteering",
            hours=12 + 4 * n,
            evidence="村志愿服务队签到表 (the village volunteers' sign-in sheets)",
        )
        if n == 0:
            decide_repair(
                application,
                by=council,
                grant=True,
                reason="志愿服务时长属实 (the hours are confirmed)",
            )


def _notified_deduction(rng: random.Random, today: dt.date, grid_worker: Actor) -> None:
    """One deduction approved today: its household is notified by SMS (the file backend
    writes it under var/sms/) and may answer until its response window ends."""
    household = Household.objects.exclude(phone="").order_by("code").first()
    rule = Rule.objects.filter(
        active=True, points__lt=0, requires_finding=False, immediate=False, applies_to="households"
    ).first()
    if household is None or rule is None:
        return
    entry = record_entry(
        household=household,
        rule=rule,
        occurred_on=today,
        recorder=grid_worker,
        source="staff",
        evidence="网格员现场记录 (recorded on the spot by the grid worker)",
    )
    if entry.status == "proposed":
        review_entry(entry, reviewer=_demo_staff("council", Role.COUNCIL_MEMBER), approve=True)


def ensure_demo_people() -> None:
    """The alliance members and one login per role (see demo_spec.DEMO_PEOPLE); idempotent."""
    from platform_core.alliance.services import add_member

    for code, name, kind in DEMO_ALLIANCE:
        add_member(code=code, name=name, kind=kind, by=Actor.cli())
    for kind, role, village, household, institution in DEMO_PEOPLE:
        email = f"{kind}@{connection.tenant.slug}.demo"
        user = get_user_model().objects.filter(username=email).first()
        if user is None:
            user = get_user_model().objects.create_user(
                username=email, email=email, password=DEMO_ROLE_PASSWORD
            )
        elif not user.has_usable_password():
            user.set_password(DEMO_ROLE_PASSWORD)
            user.save(update_fields=["password"])
        grant_role(
            user,
            connection.tenant,
            role,
            village,
            household_code=household,
            alliance_member_code=institution,
        )


def ensure_demo_dividends() -> None:
    """The ten integrity dividends of the seed, published once (demo_spec.DEMO_DIVIDENDS);
    a benefit type no enabled plugin offers is left empty. Idempotent."""
    from platform_core.alliance.models import DividendCatalogue
    from platform_core.alliance.services import publish_dividends, save_dividend
    from platform_core.plugins.selectors import benefit_types

    if DividendCatalogue.objects.exists():
        return
    offered = {b.code for _key, b in benefit_types(connection.tenant)}
    by = Actor.cli()
    for number, zh, en, member, tiers, kinds, gives_zh, gives_en, benefit in DEMO_DIVIDENDS:
        save_dividend(
            number=number,
            by=by,
            title_zh=zh,
            title_en=en,
            member=member,
            tiers=list(tiers),
            subject_kinds=list(kinds),
            gives_zh=gives_zh,
            gives_en=gives_en,
            basis=f"{connection.tenant.name}《诚信红利十条》第{number}条",
            benefit_code=benefit if benefit in offered else "",
        )
    publish_dividends(by=by)


def ensure_demo_ratings() -> None:
    """This month's round of the first village, eight households for its party member to rate."""
    from platform_core.evaluation.models import Assignment
    from platform_core.evaluation.services import assign_linked_households, open_round

    village = Village.objects.order_by("code").first()
    party = get_user_model().objects.filter(username=f"party-v01@{connection.tenant.slug}.demo")
    if village is None or not party.exists():
        return
    round_ = open_round(village, timezone.localdate(), by=Actor.cli())
    if round_.status == round_.Status.OPEN and not Assignment.objects.filter(round=round_).exists():
        households = Household.objects.filter(village=village).order_by("code")[:8]
        assign_linked_households(round_, party.get(), households, by=Actor.cli())


def _demo_staff(kind: str, role: str = Role.GRID_WORKER) -> Actor:
    email = f"{kind}@{connection.tenant.slug}.demo"
    user, _ = get_user_model().objects.get_or_create(username=email, defaults={"email": email})
    grant_role(user, connection.tenant, role)
    return Actor.of(user)


DEMO_PLUGINS = [  # every built-in plugin (names only: the core imports no plugin)
    "garbage_sorting",
    "petition",
    "restrictions",
    "loans",
    "integrity_card",
    "points_shop",
    "river_crab",
    "veterans",
    "mediation",
    "selections",
]


def populate_plugins(spec: DemoTownship, admin: Actor, progress: Callable[[str], None]) -> None:
    """Each enabled plugin's demo data (the township_demo_data hook), in the order of
    their keys, from one random generator: the same demo every time."""
    rng = random.Random(int(spec.code) + 2)
    months = _finished_months(timezone.localdate(), DEMO_MONTHS)
    for key, summary in hooks_for(connection.tenant).call(
        "township_demo_data", actor=admin, rng=rng, months=months
    ):
        progress(f"  {spec.name}: {summary} ({key})")
    # The county's figures (its dashboard's year on year) include the plugins' cases.
    from platform_core.townships.statistics import refresh_quietly

    refresh_quietly(connection.tenant)
