"""The hooks a plugin may implement — the plugin author's contract.

Every hook is called *per township*: only plugins the township enabled are
called, each with its own validated ``settings`` (a dict matching the JSON Schema
from its metadata) where the hook takes ``settings``. Hooks run inside the
township's database schema, so a plugin's queries see that township only.

Implement a hook by defining a function of the same name decorated with
``township_integrity.hookimpl``; take only the arguments you need (pluggy passes
them by name). The reference in ``docs/plugins/hooks.md`` is generated from
these docstrings (``python manage.py plugin_docs``).

Everything an implementation needs from the platform — the types the hooks
return, the models, services, roles, errors and the admin, workbench, GraphQL and
test helpers — is in the package ``township_integrity`` and its modules
(``docs/plugins/api.md``); a plugin imports nothing else of the platform.
"""

from __future__ import annotations

import pluggy

PROJECT = "township_integrity"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec(firstresult=True)
def township_plugin_metadata():
    """Describe the plugin: key, names, version, compatible core versions, settings schema.

    Called once per plugin when the process first needs its plugins (and by the
    contract kit), on the plugin alone. Takes no arguments.

    Return a ``township_integrity.PluginMetadata``. ``key`` must equal the entry-point
    name; ``core_versions`` is a PEP 440 specifier (a plugin whose specifier excludes
    the running platform is reported and skipped); ``settings_schema`` is a JSON Schema
    for the per-township settings (a township's settings are validated against it on
    enabling and on every change); ``depends_on`` lists plugin keys that must be
    enabled first. ``firstresult``: the plugin's own answer is used.
    """


@hookspec
def township_covenant_rules(settings):
    """Covenant rules this plugin supplies.

    Called when a township enables the plugin (and by the contract kit). Return a list
    of ``township_integrity.RuleSpec``. Every deduction (``points`` < 0) and every
    ``immediate`` rule names its legal basis in ``basis`` (a covenant clause, law or
    document number; refused without one); ``requires_finding`` marks a deduction
    recorded only on a formal finding (``record_entry(..., finding=...)``). Rules the
    township does not have yet are added to its covenant, marked as supplied by this
    plugin; rules it already has are left as the township edited them. Disabling the
    plugin deactivates its rules; enabling it again reactivates them. Not
    ``firstresult``: every enabled plugin's rules are collected.
    """


@hookspec
def township_score_events(period_start, period_end, settings):
    """Ledger entries this plugin produces for a period.

    Called before a month is finalised (``finalise_month``, ``evaluate --finalize``)
    and by ``evaluate`` without it, with the month's first and last day
    (``datetime.date``). Return a list of ``township_integrity.ScoreEventSpec`` whose
    ``occurred_on`` lies in the period. They are recorded in their own transaction
    (all or none) with the plugin's key as ``source``; the ``external_id`` makes
    recording idempotent, so return the same entries every time you are asked.
    Entries under rules that need review arrive as proposed, and the month cannot be
    finalised until they are reviewed. Plugins that record
    entries as things happen (through ``township_integrity.services.record_entry``)
    need not implement this hook. Not ``firstresult``.
    """


@hookspec
def township_benefit_types(settings):
    """Benefit types this plugin offers (loans, discounts, restrictions, ...).

    Called by ``platform_core.plugins.selectors.benefit_types(township)``, which the
    alliance and API build on. Return a list of ``township_integrity.BenefitType``;
    codes are unique within a township. Not ``firstresult``.
    """


@hookspec(firstresult=True)
def township_eligibility(household, benefit_code, tier, settings):
    """Decide whether a household may have a benefit.

    Called by ``platform_core.plugins.selectors.eligibility`` with the household
    (``households.Household``), the benefit's code and the household's current tier
    (``"green"``, ``"blue"`` or ``"red"``). Return a ``township_integrity.Eligibility``
    when the benefit is yours, ``None`` otherwise. ``firstresult``: the first plugin
    that answers decides.
    """


@hookspec
def township_tier_changed(change, settings):
    """React to a household's tier changing in a finalised month.

    Called after the month's transaction commits, once per household whose tier
    differs from its previous finalised month (the first finalised month counts),
    with ``change`` an ``evaluation.TierChange`` (``household``, ``period``,
    ``old_tier`` — empty for a first tier — and ``new_tier``). Called the same way,
    at once, when an upheld objection or a granted credit repair corrects the
    household's latest finalised month and its tier moves: ``change.period`` is that
    month and ``change`` is not stored (the correction is an
    ``evaluation.StandingCorrection``). Return nothing. An exception is logged with the
    plugin's key and does not stop other plugins or households. Not ``firstresult``.
    """


@hookspec
def township_tier_changes(period, changes, settings):
    """React to all tier changes of a finalised month at once (set-based).

    Called after the month's transaction commits, once per finalising call, with the
    month's first day and ``changes``, a list of ``township_integrity.TierMove``
    (``household_id``, ``old_tier`` — empty for a first tier — and ``new_tier``): every
    household whose tier differs from its previous finalised month, the first
    finalised month included. Prefer this hook to
    ``township_tier_changed`` when a reaction is a query: one statement for the
    month instead of one per household keeps a 10,000-household evaluation fast.
    Also called at once with one change when an upheld objection or a granted credit
    repair corrects a household's latest finalised month (``period``: that month), so
    a freeze or a suspension is lifted the same day. Return nothing; exceptions are
    logged and do not stop other plugins. Not ``firstresult``.
    """


@hookspec
def township_evaluation_finalised(period, village_ids, settings):
    """React to a month being finalised.

    Called after the finalising transaction commits, with the month's first day and
    the ids of the villages finalised by that call. Return nothing; exceptions are
    logged and do not stop other plugins. Not ``firstresult``.
    """


@hookspec
def township_graphql_fields(settings):
    """GraphQL fields this plugin adds to the township's API.

    Called by ``platform_core.plugins.selectors.graphql_contributions(township)``, from
    which the township's GraphQL schema is assembled. Return a
    ``township_integrity.GraphQLContribution`` (graphene query fields, mutation
    fields, extra types) or ``None``. Not ``firstresult``.
    """


@hookspec
def township_periodic_tasks():
    """Periodic tasks the plugin needs run for each township that enabled it.

    Called by ``platform_core.plugins.selectors.periodic_tasks()`` for every loaded
    plugin (the beat schedule is built from it). Takes no arguments. Return a list
    of ``township_integrity.PeriodicTask``; the task is called with the township's
    code. Not ``firstresult``.
    """


@hookspec
def township_feed_sources(settings):
    """External feeds this plugin imports (files dropped in a folder, or a pull function).

    Called inside the township's schema for every township that enabled the plugin:
    by the beat dispatcher at each slot (to schedule the feeds), by the workbench's
    Feeds page and by ``manage.py feeds``. Return a list of
    ``township_integrity.FeedSource``, or ``None``. A source gives exactly one of
    ``import_file(path, actor)`` — files waiting in
    ``<FEED_DIR>/<township code>/<plugin key>/<feed key>/`` matching ``patterns``,
    imported each on its own — or ``pull(actor)``; both return a
    ``township_integrity.FeedOutcome`` and run inside one transaction with
    ``actor`` the plugin (``Actor.plugin(key)``). The platform runs a feed when its
    ``crontab`` matches (files: as soon as they wait), moves an imported file to
    ``done/`` and a refused one to ``failed/``, skips a file whose content was
    imported before, and records every run (``FeedRun``) with the clerk-readable
    error of a ``PlatformError`` (a ``TableError`` names the row and column).
    Make the import idempotent (external ids): a retry after a crash must create
    nothing twice. A source that is not a well-formed ``FeedSource`` is logged and
    left out. Not ``firstresult``. For example::

        @hookimpl
        def township_feed_sources(settings):
            return [
                FeedSource(
                    key="alerts",
                    name=_("Police alerts"),
                    import_file=import_alerts,  # (path, actor) -> FeedOutcome
                    patterns=("*.csv", "*.json"),
                )
            ]
    """


@hookspec
def township_statistics(period, settings):
    """Figures this plugin adds to the county's statistics of the township.

    Called by ``platform_core.townships.statistics.refresh_statistics(township)`` — after a month is
    finalised, after onboarding and when the county asks for a refresh — inside the
    township's schema, with ``period`` the first day (``datetime.date``) of the
    latest finalised month, or of the current month when none is finalised yet.
    Return a dict of figure name to non-negative integer for that month (for example
    ``{"hotline_cases": 12, "hotline_open": 3}``), or ``None``. Every figure is kept
    under the plugin's key (the county API's ``figures``); the ones the plugin
    declares in ``township_statistics_columns`` are also columns of the county's
    table and dashboard. Counts only, never a household's personal data. Anything
    but a non-negative integer is logged and left out. Not ``firstresult``: every
    enabled plugin's figures are collected.
    """


@hookspec
def township_village_case_counts(period_start, period_end, settings):
    """This plugin's cases per village in a period, for the "three-none" status (三无村).

    Called by the core's three-none reading (``platform_core.dashboard.three_none``) inside
    the township's schema, with ``period_start`` and ``period_end`` the first and last
    day (``datetime.date``, inclusive) of the period asked: a month for the dashboards
    and open data, a year for the running totals. Return a list of
    ``township_integrity.VillageCaseCounts`` (a village's code and its petitions,
    lawsuits, criminal cases and disputes settled in the village), or ``None``. Villages
    left out count zero. The core sums every enabled plugin's answers per village: a
    village is three-none when petitions, lawsuits and criminal cases are all zero.
    Counts only; an answer that is not a list of well-formed ``VillageCaseCounts`` is
    logged and left out. Not ``firstresult``. For example::

        @hookimpl
        def township_village_case_counts(period_start, period_end, settings):
            return [
                VillageCaseCounts("V01", lawsuits=1, settled_in_village=4),
            ]
    """


@hookspec
def township_statistics_columns():
    """Which of this plugin's ``township_statistics`` figures the county sees as columns.

    Called by ``platform_core.townships.statistics.statistics_columns()`` for every
    loaded plugin when the county's statistics are shown (the county API's
    ``statistics { columns }``, the county dashboard). Takes no arguments. Return a list of
    ``township_integrity.StatisticsColumn`` (the figure's ``key`` and its labels in
    both languages), or ``None``. A township that has not enabled the plugin, or
    whose figures lack the key, shows no value in that column. A column that is
    not a well-formed ``StatisticsColumn``, or a key declared twice, is logged and
    left out. Not ``firstresult``: columns are shown in the order of the plugins'
    keys, then of each plugin's list.
    """


@hookspec
def township_demo_data(actor, rng, months):
    """Demo data of this plugin in a township of ``make demo`` (never in production).

    Called by ``platform_core.demo.seed`` once per demo township that enabled the
    plugin, inside its schema, after its households, half a year of ledger entries
    and finalised months exist. ``actor`` is the township administrator (an
    ``Actor`` for the services), ``rng`` a ``random.Random`` shared by the plugins
    in the order of their keys (draw from it, so the demo comes out the same each
    time), ``months`` the finished months of history (first days, oldest first).
    Write through your services. Return a one-line summary of what was made
    (shown while seeding) or ``None``. Not ``firstresult``.
    """


@hookspec
def township_dashboard_panels(village_codes, settings):
    """Panels this plugin adds to the township dashboard (trends, warnings, totals).

    Called by ``platform_core.plugins.selectors.dashboard_panels(township)`` each time
    a staff member opens the township dashboard (``/dashboard/``), inside the
    township's schema and in the language of the request. ``village_codes`` is
    ``None`` when the viewer sees the whole township, else the list of village codes
    the viewer's roles cover: show only those villages' figures. An implementation
    that does not take ``village_codes`` is not called for village-scoped viewers.
    Return a list of ``township_integrity.DashboardPanel`` (a title, and optionally
    a ``Chart`` of ``ChartSeries``, a ``PanelTable`` and warnings), or ``None``.
    Counts and sums only: a panel must never show a household's personal data. A
    panel that is not a well-formed ``DashboardPanel`` is logged and left out, and
    an exception is logged without breaking the page. Not ``firstresult``: every
    enabled plugin's panels are shown, in the order of the plugins' keys.
    """


@hookspec
def township_workbench_screens():
    """Screens this plugin mounts in the township workbench (its queues and forms).

    Called once per process for every loaded plugin, when the workbench's URLs are
    built, and again per request to list the menu of a township that enabled the
    plugin. Takes no arguments: read your settings inside the views with
    ``township_integrity.enabled_settings``. Return a list of
    ``township_integrity.WorkbenchScreen`` (key, titles, the roles that may open it,
    a view, optional further URL patterns and an optional count of what waits), or
    ``None``. Each screen is served at ``/work/x/<plugin key>/<screen key>/``; the
    platform answers 404 where the plugin is not enabled and 403 to anyone without
    one of the screen's roles, before your view runs. Views must write only through
    services and narrow what they show to the viewer's villages or institution;
    ``township_integrity.workbench`` has the page template, the one-time form and
    its submission (errors at their fields). A screen that is not a well-formed
    ``WorkbenchScreen`` is logged and left out. Not ``firstresult``: every plugin's
    screens are mounted, in the order of the plugins' keys.
    """


@hookspec
def township_urls():
    """Public addresses this plugin serves at the top of the township's site.

    Called once per process for every loaded plugin, when the URLconfs are built
    (township and county). Takes no arguments: read your settings inside the views
    with ``township_integrity.enabled_settings``. Return a list of
    ``township_integrity.PluginUrls`` (a ``prefix`` such as ``"open311/v2/"``, its
    ``django.urls.path()`` patterns, and optionally a ``county_parameter`` and a
    ``county_error``), or ``None``. The patterns are served at ``/<prefix>`` on the
    township's site (``/t/<code>/<prefix>`` in path routing) and reversed as
    ``<plugin key>:<name>``. Before a view runs the platform answers 404 where the
    township has not enabled the plugin. The views are public — no sign-in is asked:
    check a credential yourself (``township_integrity.services.actor_for_api_key``),
    mark a view that other machines POST to with ``csrf_exempt``, and never show a
    household's personal data to the public.

    With ``county_parameter`` the same patterns are also served on the county site:
    that GET (or POST) parameter names the township by its code and the view runs in
    its schema; a request without it is answered 400, one naming a township that is
    unknown or has not enabled the plugin 404 — through ``county_error(request,
    status, message)`` when given, so an API answers in its own error format.

    A prefix that is malformed, overlaps another plugin's (the plugin later in key
    order loses it) or a platform address (``admin/``, ``work/``, ``graphql/``,
    ``accounts/``, ``health/``, ``i18n/``, ``open-data/``, ...) is refused when the
    URLconf loads: logged as the plugin's problem, listed by ``manage.py plugins`` and
    the system check ``plugins.W001``, and left out. Not ``firstresult``. For example::

        @hookimpl
        def township_urls():
            return [
                PluginUrls(
                    prefix="open311/v2/",
                    patterns=(path("services.json", services_view, name="services"),),
                    county_parameter="jurisdiction_id",
                    county_error=open311_error,  # (request, status, message) -> response
                )
            ]
    """


@hookspec
def township_open_datasets(settings):
    """Open datasets this plugin publishes: figures per village and month, as CSV and JSON.

    Called by ``platform_core.opendata.registry.datasets(township)`` inside the
    township's schema — for its open-data page (``/open-data/``), each download
    (``/open-data/<key>.csv`` and ``.json``) and the county's exports across
    townships. Return a list of ``township_integrity.OpenDataset`` (a key, titles in
    both languages, documented ``OpenColumn`` s and a ``rows(first, last)`` function
    returning one dict per row for the months ``first`` .. ``last``, given as their
    first days), or ``None``. Aggregates, codes and labels of places only, never a
    household's or a person's data: a column whose name looks personal (``name``,
    ``phone``, ``address``, ``household``, ``petitioner``, ...) is refused like any
    malformed dataset (logged, left out), and on export every value is checked
    against its column's kind; a row holding a household head's name, a household
    code, a phone number, an e-mail address or an ID number is left out and logged.
    A row may carry ``published`` (a ``date``: when its figures were published);
    rows without it carry the export's date. Not ``firstresult``. For example::

        @hookimpl
        def township_open_datasets(settings):
            return [
                OpenDataset(
                    key="cases",
                    title_zh="案件数",
                    title_en="Cases",
                    columns=(
                        OpenColumn("month", "月份", "Month (YYYY-MM)", "month"),
                        OpenColumn("village_code", "村代码", "Village code", "code"),
                        OpenColumn("received", "受理件数", "Cases received", "count"),
                    ),
                    rows=case_rows,  # (first, last) -> Iterable[dict]
                )
            ]
    """
