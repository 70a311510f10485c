"""The contract test kit: checks a plugin against the hookspecs.

Use it from a plugin's own tests (no database needed)::

    from township_integrity.testing import contract_problems
    import my_plugin.plugin

    def test_contract():
        assert contract_problems(my_plugin.plugin, settings={"threshold": 3}) == []

It is also a pytest plugin (registered as ``township_integrity``) providing the
fixture ``plugin_contract`` (the same function). It checks that the plugin's hook
implementations match the hookspecs (names and arguments), its metadata is valid
and compatible with this platform, its settings schema is a valid JSON Schema and
the given settings satisfy it, its rules are well-formed, and the hooks that need
no database return the declared types, and that its workbench screens, feed
sources and open datasets are well-formed. Given a ``township`` (a test database
with the plugin enabled there), it also calls the hooks that read the township's data —
``township_dashboard_panels``, for the whole township and for its first village —
inside that township's schema and checks they return well-formed panels::

    assert contract_problems(my_plugin.plugin, settings={}, township=township) == []

Given townships, it also opens each workbench screen there as the platform serves
it (the plugin must be installed, so that its screens are mounted): where the
plugin is enabled, every one of the screen's roles gets 200 and a role not in its
list 403; where it is not, 404. Pass one township that enabled the plugin and,
as ``elsewhere``, one that did not, to check both::

    assert contract_problems(my_plugin.plugin, township=enabled, elsewhere=other) == []

The people it signs in are made for the check (township-wide memberships of each
role; an alliance clerk of institution ``KIT``, the household ``KIT-0000``) and
deleted afterwards.

Database-backed fixtures
------------------------

For a plugin's own tests on real PostgreSQL (pytest-django; run them as the
platform runs its suite, ``python -m platform_core.launcher test <path>``). Two
test townships are onboarded once per session; each test runs in a transaction
that is rolled back, so whatever it writes disappears::

    def test_queue(township, other_township, enable_plugin, sign_in, households):
        enable_plugin("my_plugin", {"threshold": 3})
        clerk = sign_in("council_member")
        assert clerk.get(clerk.address("work/x/my_plugin/queue/")).status_code == 200
        grid = sign_in("grid_worker", "V01")
        assert grid.get(grid.address("work/x/my_plugin/queue/")).status_code == 403

* ``township`` — test township 甲镇 (code 330502901) with the villages V01 太湖村 and
  V02 南浔村, one grid each (第1网格) and three households each (``V01-0001`` …
  ``V02-0003``). Tests start on the public schema, with an empty cache, in English.
* ``other_township`` — test township 乙镇 (330502902) with the same villages and
  household codes: cross-township checks (its IDs and households must stay apart).
* ``households`` — the households of ``township``, ordered by code (read them
  again inside ``in_township`` after changes).
* ``in_township`` — ``with in_township(t):`` runs the block on township ``t``'s
  schema (queries, services, factories of your own).
* ``enable_plugin(key, settings=None, township=None)`` — enables an installed plugin
  (with its rules) in ``township`` (default: the ``township`` fixture); settings are
  validated against its schema as in production.
* ``sign_in(role, village_code=None, township=None, **scope)`` — a Django test client
  (``Accept-Language: en``) signed in as a new person holding ``role`` in the
  township (for ``village_code``, or township-wide). ``scope``: ``household_code``
  for the household role (default: the village's first household),
  ``alliance_member_code`` for an alliance clerk. The client carries ``township``,
  ``user``, ``actor`` (an ``Actor`` for services), ``viewer()`` (the ``Viewer``
  the platform builds for a request) and ``address(path)`` (``/t/<code>/<path>``,
  the township's address by path).
* ``graphql(client, query, variables=None)`` — POSTs the operation to the client's
  township endpoint (``township=``: another one) and returns the JSON answer, with
  the HTTP status under ``"_status"``.
* ``plugin_contract`` — ``contract_problems`` above.

``codes(answer)`` lists the error codes of a GraphQL answer.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from contextlib import AbstractContextManager

import pluggy
import pytest
from django.test import Client
from django.utils import timezone


def contract_problems(
    plugin,
    *,
    settings: dict | None = None,
    key: str | None = None,
    township=None,
    elsewhere=None,
) -> list[str]:
    """Everything wrong with ``plugin`` (a module or object with hookimpls); [] when it passes.

    ``township``: also check the hooks that read a township's data, inside its schema,
    and open the workbench screens there; ``elsewhere``: a second township to open
    them in (one where the plugin is not enabled, to see them answer 404).
    """
    from jsonschema import Draft202012Validator

    from platform_core.plugins import hookspecs
    from platform_core.plugins.manager import metadata_problem
    from township_integrity import CORE_VERSION

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.register(plugin, name="checked")
        pm.check_pending()  # a hookimpl whose name is no hookspec
    except pluggy.PluginValidationError as exc:
        return [f"does not match the hookspecs: {exc}"]
    metadata = pm.hook.township_plugin_metadata()
    if metadata is None:
        return ["implements no township_plugin_metadata hook"]
    problem = metadata_problem(metadata, key or getattr(metadata, "key", ""), CORE_VERSION)
    if problem:
        return [problem]
    problems: list[str] = []
    settings = {} if settings is None else settings
    for error in Draft202012Validator(metadata.settings_schema).iter_errors(settings):
        problems.append(f"settings {settings!r} do not match the schema: {error.message}")
    problems += _check_results(pm, settings)
    screens, screen_problems = _workbench_screens(pm)
    problems += screen_problems
    problems += _plugin_urls_problems(pm)
    if township is not None:
        problems += _check_township_results(pm, settings, township)
        problems += _case_counts_problems(pm, settings, township)
    for place in (township, elsewhere):
        if place is not None and screens:
            problems += _open_screens(metadata.key, screens, place)
    return problems


def _check_results(pm, settings: dict) -> list[str]:
    from platform_core.plugins.types import (
        BenefitType,
        GraphQLContribution,
        PeriodicTask,
        StatisticsColumn,
    )
    from platform_core.plugins.validation import rule_problems

    problems: list[str] = []

    def answers(hook: str, **kwargs):
        impls = getattr(pm.hook, hook).get_hookimpls()
        if not impls:
            return None
        return getattr(pm.hook, hook)(**kwargs)

    problems += rule_problems(_flatten(answers("township_covenant_rules", settings=settings)))
    for benefit in _flatten(answers("township_benefit_types", settings=settings)):
        if not isinstance(benefit, BenefitType) or not benefit.code:
            problems.append(f"township_benefit_types returned {benefit!r}, not a BenefitType")
    for task in _flatten(answers("township_periodic_tasks")):
        if not isinstance(task, PeriodicTask) or len(task.crontab.split()) != 5:
            problems.append(f"township_periodic_tasks returned {task!r}: needs a 5-field crontab")
    problems += _feed_source_problems(answers("township_feed_sources", settings=settings))
    for column in _flatten(answers("township_statistics_columns")):
        if not isinstance(column, StatisticsColumn):
            problems.append(f"township_statistics_columns returned {column!r}, not a column")
        else:
            problems += [f"township_statistics_columns: {p}" for p in column.problems()]
    problems += _open_dataset_problems(answers("township_open_datasets", settings=settings))
    for contribution in answers("township_graphql_fields", settings=settings) or []:
        if contribution is not None and not isinstance(contribution, GraphQLContribution):
            problems.append(
                f"township_graphql_fields returned {type(contribution).__name__}, "
                "not GraphQLContribution"
            )
    return problems


def _open_dataset_problems(results) -> list[str]:
    """Each open dataset well-formed (documented columns, none looking personal), keys once."""
    from platform_core.plugins.types import OpenDataset

    problems: list[str] = []
    keys: list[str] = []
    for dataset in _flatten(results):
        if not isinstance(dataset, OpenDataset):
            problems.append(
                f"township_open_datasets returned {type(dataset).__name__}, not OpenDataset"
            )
            continue
        problems += [f"township_open_datasets: {p}" for p in dataset.problems()]
        keys.append(dataset.key)
    problems += [
        f"township_open_datasets: dataset key {k} is used twice"
        for k in sorted({k for k in keys if keys.count(k) > 1})
    ]
    return problems


def _feed_source_problems(results) -> list[str]:
    """Each feed source well-formed (a key and a name, exactly one of import_file/pull)."""
    from platform_core.plugins.types import FeedSource

    problems: list[str] = []
    keys: list[str] = []
    for source in _flatten(results):
        if source is None:
            continue
        if not isinstance(source, FeedSource):
            problems.append(
                f"township_feed_sources returned {type(source).__name__}, not FeedSource"
            )
            continue
        problems += [f"township_feed_sources: {p}" for p in source.problems()]
        keys.append(source.key)
    problems += [
        f"township_feed_sources: feed key {k} is used twice"
        for k in sorted({k for k in keys if keys.count(k) > 1})
    ]
    return problems


def _check_township_results(pm, settings: dict, township) -> list[str]:
    from django_tenants.utils import tenant_context

    from platform_core.households.models import Village
    from platform_core.plugins.types import DashboardPanel

    hook = pm.hook.township_dashboard_panels
    if not hook.get_hookimpls():
        return []
    problems: list[str] = []
    with tenant_context(township):
        first = Village.objects.order_by("code").values_list("code", flat=True)[:1]
        for village_codes in (None, list(first)):
            try:
                results = hook(village_codes=village_codes, settings=settings)
            except Exception as exc:
                problems.append(f"township_dashboard_panels failed: {type(exc).__name__}: {exc}")
                continue
            for answer in results:
                if not isinstance(answer, list | tuple):
                    problems.append(
                        f"township_dashboard_panels returned {type(answer).__name__}, not a list"
                    )
                    continue
                for panel in answer:
                    if not isinstance(panel, DashboardPanel):
                        problems.append(
                            f"township_dashboard_panels returned {type(panel).__name__}, "
                            "not DashboardPanel"
                        )
                    else:
                        problems += [f"township_dashboard_panels: {p}" for p in panel.problems()]
    return sorted(set(problems), key=problems.index)


def _case_counts_problems(pm, settings: dict, township) -> list[str]:
    """``township_village_case_counts`` for last month: a list of ``VillageCaseCounts``,
    each naming a village of the township, every count a non-negative integer."""
    from django_tenants.utils import tenant_context

    from platform_core.households.models import Village
    from platform_core.plugins.types import VillageCaseCounts

    hook = pm.hook.township_village_case_counts
    if not hook.get_hookimpls():
        return []
    name = "township_village_case_counts"
    start, end = last_month()
    problems: list[str] = []
    with tenant_context(township):
        villages = set(Village.objects.values_list("code", flat=True))
        try:
            results = hook(period_start=start, period_end=end, settings=settings)
        except Exception as exc:
            return [f"{name} failed: {type(exc).__name__}: {exc}"]
    for answer in results:
        if not isinstance(answer, list | tuple):
            problems.append(f"{name} returned {type(answer).__name__}, not a list")
            continue
        for item in answer:
            if not isinstance(item, VillageCaseCounts):
                problems.append(f"{name} returned {type(item).__name__}, not VillageCaseCounts")
                continue
            if item.village_code not in villages:
                problems.append(f"{name}: village {item.village_code!r} is not the township's")
            for field_name in ("petitions", "lawsuits", "criminal_cases", "settled_in_village"):
                value = getattr(item, field_name)
                if type(value) is not int or value < 0:
                    problems.append(
                        f"{name}: {item.village_code} {field_name} is {value!r}, not a count"
                    )
    return problems


def _workbench_screens(pm) -> tuple[list, list[str]]:
    """The plugin's well-formed workbench screens, and what is wrong with the others."""
    from platform_core.plugins.types import WorkbenchScreen

    hook = pm.hook.township_workbench_screens
    if not hook.get_hookimpls():
        return [], []
    try:
        answers = _flatten(hook())
    except Exception as exc:
        return [], [f"township_workbench_screens failed: {type(exc).__name__}: {exc}"]
    screens, problems = [], []
    for screen in answers:
        if not isinstance(screen, WorkbenchScreen):
            problems.append(
                f"township_workbench_screens returned {type(screen).__name__}, not WorkbenchScreen"
            )
        elif screen.problems():
            problems += [f"township_workbench_screens: {p}" for p in screen.problems()]
        else:
            screens.append(screen)
    keys = [screen.key for screen in screens]
    problems += [
        f"township_workbench_screens: screen key {k} is used twice"
        for k in sorted({k for k in keys if keys.count(k) > 1})
    ]
    return screens, problems


def _plugin_urls_problems(pm) -> list[str]:
    """Each ``PluginUrls`` well-formed, its prefix clear of the platform's and of the others."""
    from platform_core.plugins.types import PluginUrls
    from platform_core.plugins.urls import RESERVED

    hook = pm.hook.township_urls
    if not hook.get_hookimpls():
        return []
    try:
        answers = _flatten(hook())
    except Exception as exc:
        return [f"township_urls failed: {type(exc).__name__}: {exc}"]
    problems, prefixes = [], []
    for urls in answers:
        if not isinstance(urls, PluginUrls):
            problems.append(f"township_urls returned {type(urls).__name__}, not PluginUrls")
            continue
        found = urls.problems()
        problems += [f"township_urls: {p}" for p in found]
        if found:
            continue
        for taken in (*RESERVED, *prefixes):
            if urls.prefix.startswith(taken) or taken.startswith(urls.prefix):
                problems.append(f"township_urls: prefix {urls.prefix} overlaps {taken}")
                break
        prefixes.append(urls.prefix)
    return problems


def _open_screens(key: str, screens: list, township) -> list[str]:
    """Each screen's answer in ``township``, to its roles, to another role, where enabled or not."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from platform_core.accounts.models import Role
    from platform_core.plugins.manager import hooks_for
    from tenants.models import Township

    schema = connection.tenant  # a request ends on the public schema: restored below
    township = Township.objects.get(pk=township.pk)  # its current plugins
    enabled = key in hooks_for(township).enabled
    problems: list[str] = []
    made: list = []

    def status(role: str, url: str) -> int:
        user = _kit_person(township, role)
        made.append(user)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client.get(url).status_code

    try:
        for screen in screens:
            try:
                reverse(f"work:{key}:{screen.key}", urlconf=settings.ROOT_URLCONF)
            except NoReverseMatch:
                problems.append(
                    f"screen {screen.key} is not mounted: is the plugin installed as {key}?"
                )
                continue
            url = f"/t/{township.code}/work/x/{key}/{screen.key}/"
            where = f"in {township.code} ({'enabled' if enabled else 'not enabled'})"
            if not enabled:
                got = status(screen.roles[0], url)
                if got != 404:
                    problems.append(
                        f"screen {screen.key} answers {got} to {screen.roles[0]} {where}, not 404"
                    )
                continue
            for role in screen.roles:
                got = status(role, url)
                if got != 200:
                    problems.append(f"screen {screen.key} answers {got} to {role} {where}, not 200")
            outsider = next(
                (r for r in Role.values if r not in screen.roles and r != Role.COUNTY_ADMIN), None
            )
            if outsider is not None:
                got = status(outsider, url)
                if got != 403:
                    problems.append(
                        f"screen {screen.key} answers {got} to {outsider} {where}, not 403"
                    )
    finally:
        get_user_model().objects.filter(pk__in=[u.pk for u in made]).delete()
        connection.set_tenant(schema)
    return problems


def _kit_person(township, role: str):
    """A person made for the check, holding ``role`` for the whole township."""
    import uuid

    from django.contrib.auth import get_user_model

    from platform_core.accounts.services import grant_role

    email = f"kit-{role}-{uuid.uuid4().hex[:8]}@contract.test"
    user = get_user_model().objects.create_user(username=email, email=email)
    scope = {"household_code": "KIT-0000"} if role == "household" else {}
    if role == "alliance_member":
        scope = {"alliance_member_code": "KIT"}
    grant_role(user, township, role, **scope)
    return user


def _flatten(results) -> list:
    """A non-firstresult hook answers a list of per-plugin answers (here: one plugin)."""
    flat: list = []
    for answer in results or []:
        flat.extend(answer if isinstance(answer, list | tuple) else [answer])
    return flat


def last_month() -> tuple[dt.date, dt.date]:
    """(first day, last day) of the previous month: a convenient period for hook tests."""
    end = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


@pytest.fixture
def plugin_contract():
    """``plugin_contract(plugin, settings=...)`` -> list of problems ([] passes)."""
    return contract_problems


# --- database-backed fixtures ------------------------------------------------------------

#: The ``township`` fixture's township (code, name, slug), onboarded once per session.
TOWNSHIP_A = {"code": "330502901", "name": "甲镇", "slug": "jia"}
#: The ``other_township`` fixture's: the same village and household codes, for
#: cross-township checks.
TOWNSHIP_B = {"code": "330502902", "name": "乙镇", "slug": "yi"}
TEST_VILLAGES = (("V01", "太湖村"), ("V02", "南浔村"))
HOUSEHOLDS_PER_VILLAGE = 3
HEAD_NAMES = ("俞国明", "沈红", "张小英", "李建国", "王芳", "陈志强")
_people = itertools.count(1)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Test-mode settings unless the caller chose others, before pytest-django reads them."""
    os.environ.setdefault("PLATFORM_MODE", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "platform_core.settings")
    return (yield)


def onboard_test_townships() -> None:
    """Onboard the two test townships that are not there yet (a test database only)."""
    from django.conf import settings

    from platform_core.actors import Actor
    from platform_core.townships.services import onboard_township
    from tenants.models import Township

    name = settings.DATABASES["default"]["NAME"]
    assert name.startswith("test_"), f"refusing to write fixtures into non-test database {name}"
    for spec in (TOWNSHIP_A, TOWNSHIP_B):
        if not Township.objects.filter(code=spec["code"]).exists():
            onboard_township(
                **spec,
                admin_email=f"admin@{spec['slug']}.test",
                admin_password="pw-" + spec["slug"],
                by=Actor.cli(),
            )


def populate(township) -> None:
    """The test villages, their grids and households in ``township`` (inside a test)."""
    from django_tenants.utils import tenant_context

    from platform_core.households import services as households

    with tenant_context(township):
        for code, name in TEST_VILLAGES:
            village = households.create_village(code=code, name=name)
            grid = households.create_grid(village=village, name="第1网格")
            for n in range(HOUSEHOLDS_PER_VILLAGE):
                households.create_household(
                    code=f"{code}-{n + 1:04d}",
                    village=village,
                    grid=grid,
                    head_name=HEAD_NAMES[n % len(HEAD_NAMES)],
                )


@pytest.fixture(scope="session")
def onboarded_townships(django_db_setup, django_db_blocker) -> None:
    """The two test townships, onboarded once per session."""
    with django_db_blocker.unblock():
        onboard_test_townships()


@pytest.fixture
def platform_state():
    """The public schema and an empty cache before and after, English in between."""
    from django.core.cache import cache
    from django.db import connection
    from django.utils import translation

    connection.set_schema_to_public()
    cache.clear()
    with translation.override("en"):
        yield
    connection.set_schema_to_public()
    cache.clear()


def _test_township(spec: dict):
    from tenants.models import Township

    township = Township.objects.get(code=spec["code"])
    populate(township)
    return township


@pytest.fixture
def township(onboarded_townships, db, platform_state):
    """Test township 甲镇 with two villages of three households each."""
    return _test_township(TOWNSHIP_A)


@pytest.fixture
def other_township(onboarded_townships, db, platform_state):
    """Test township 乙镇 with the same village and household codes as ``township``."""
    return _test_township(TOWNSHIP_B)


@pytest.fixture
def households(township) -> list:
    """The households of ``township``, by code."""
    from django_tenants.utils import tenant_context

    from platform_core.households.models import Household

    with tenant_context(township):
        return list(Household.objects.select_related("village", "grid").order_by("code"))


@pytest.fixture
def in_township():
    """``with in_township(t):`` runs the block on township ``t``'s schema."""
    from django_tenants.utils import tenant_context

    def on(township) -> AbstractContextManager:
        return tenant_context(township)

    return on


@pytest.fixture
def enable_plugin(township):
    """``enable_plugin(key, settings=None, township=None)``: enable an installed plugin."""
    from platform_core.plugins.services import enable_plugin as enable

    def enable_in(key: str, settings: dict | None = None, township=township) -> None:
        enable(township, key, settings)

    return enable_in


def signed_in_client(township, role: str, village_code: str | None = None, **scope):
    """A test client signed in as a new person holding ``role`` in ``township``."""
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    from platform_core.accounts.services import grant_role
    from platform_core.actors import Actor

    village_code = village_code or ""
    if role == "household" and not scope.get("household_code"):
        scope["household_code"] = f"{village_code or TEST_VILLAGES[0][0]}-0001"
    email = f"{role}-{next(_people)}@{getattr(township, 'slug', '') or township.code}.test"
    with schema_context("public"):
        user = get_user_model().objects.create_user(username=email, email=email, password="pw")
        grant_role(user, township, role, village_code, **scope)
    client = TownshipClient(township, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.user, client.actor = user, Actor.of(user)
    return client


class TownshipClient(Client):
    """A test client of one township: ``address(path)``, ``user``, ``actor``, ``viewer()``."""

    def __init__(self, township, **defaults):
        super().__init__(**defaults)
        self.township = township
        self.user = None
        self.actor = None

    def address(self, path: str = "") -> str:
        """``path`` inside the township (routed by path: ``/t/<code>/<path>``)."""
        return f"/t/{self.township.code}/{path.lstrip('/')}"

    def viewer(self):
        """The ``Viewer`` the platform builds for this client's requests (a session)."""
        from platform_core.accounts.viewer import Viewer

        return Viewer.of(self.user, self.township)


@pytest.fixture
def sign_in(township):
    """``sign_in(role, village_code=None, township=None, **scope)``: a signed-in client."""

    def signed_in(role: str, village_code: str | None = None, township=township, **scope):
        return signed_in_client(township, role, village_code, **scope)

    return signed_in


def post_graphql(
    client, path: str, query: str, variables: dict | None = None, *, token=None, language="en"
) -> dict:
    """POST ``query`` to ``path``; the JSON answer with the HTTP status as ``"_status"``.

    Asks for English by default (the platform's own default is zh-hans); pass
    ``language=None`` to send no Accept-Language, ``token`` to send a bearer token.
    """
    headers = {}
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    reply = client.post(
        path,
        {"query": query, "variables": variables or {}},
        content_type="application/json",
        **headers,
    )
    body = reply.json()
    body["_status"] = reply.status_code
    return body


@pytest.fixture
def graphql():
    """``graphql(client, query, variables=None, township=None)``: the JSON answer."""

    def ask(client, query: str, variables: dict | None = None, *, township=None, **options):
        township = township or client.township
        return post_graphql(client, f"/t/{township.code}/graphql/", query, variables, **options)

    return ask


def codes(answer: dict) -> list[str]:
    """The error codes of a GraphQL answer."""
    return [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]


__all__ = [
    "TOWNSHIP_A",
    "TOWNSHIP_B",
    "TownshipClient",
    "codes",
    "contract_problems",
    "enable_plugin",
    "graphql",
    "households",
    "in_township",
    "last_month",
    "onboard_test_townships",
    "onboarded_townships",
    "other_township",
    "platform_state",
    "plugin_contract",
    "populate",
    "post_graphql",
    "sign_in",
    "signed_in_client",
    "township",
]
