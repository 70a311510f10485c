"""What plugins hand to the platform through the hooks (plain, frozen values)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from platform_core.actors import Actor


@dataclass(frozen=True)
class PluginMetadata:
    """Who a plugin is. ``key`` is its entry-point name and its ``source`` in the ledger."""

    key: str
    name_zh: str
    name_en: str
    version: str
    # PEP 440 specifier of the platform versions the plugin works with, e.g. ">=0.3,<1".
    core_versions: str = ">=0"
    # JSON Schema (draft 2020-12) of the plugin's per-township settings.
    settings_schema: dict = field(default_factory=lambda: {"type": "object"})
    # Keys of plugins that must be enabled in a township before this one.
    depends_on: tuple[str, ...] = ()
    description: str = ""


# The covenant's rule categories (scoring.Rule.Category; a test keeps the two equal).
RULE_CATEGORIES = (
    "garbage_sorting",
    "customs_reform",
    "public_safety",
    "volunteering",
    "mutual_aid",
    "prohibition",
    "business",  # the merchants' and firms' covenant (docs/subjects.md)
    "other",
)


@dataclass(frozen=True)
class RuleSpec:
    """A covenant rule a plugin supplies (added to a township's covenant on enabling)."""

    code: str
    title_zh: str
    title_en: str
    category: str  # one of RULE_CATEGORIES
    points: int
    needs_review: bool = True
    # The legal basis (covenant clause, law or document number): required for a
    # deduction (points < 0) and for an immediate rule (docs/scoring.md, Legal basis).
    basis: str = ""
    # Counts at once, without the household's response window; needs a basis.
    immediate: bool = False
    # Recorded only with a formal finding (an unreasonable petition's deduction).
    requires_finding: bool = False


@dataclass(frozen=True)
class ScoreEventSpec:
    """A ledger entry a plugin produces; ``external_id`` makes recording it idempotent."""

    household_code: str
    rule_code: str
    occurred_on: dt.date
    external_id: str
    evidence: str
    points: int | None = None
    note: str = ""


@dataclass(frozen=True)
class BenefitType:
    """Something a household may be granted or refused by tier (a loan, a discount, ...)."""

    code: str
    title_zh: str
    title_en: str
    legal_basis: str = ""


@dataclass(frozen=True)
class Eligibility:
    """An answer to "may this household have this benefit?", with the reason shown to it."""

    eligible: bool
    reason: str
    legal_basis: str = ""


@dataclass(frozen=True)
class VillageCaseCounts:
    """One village's cases in a period, as one plugin counts them, for the three-none status.

    A village is "three-none" (三无村) in a period when, summed over every enabled
    plugin, it had no petition, no lawsuit and no criminal case. ``settled_in_village``
    counts disputes resolved in the village (a mediation agreement, a case closed on the
    spot): shown beside the status, it never makes a village lose it.
    """

    village_code: str
    petitions: int = 0
    lawsuits: int = 0
    criminal_cases: int = 0
    settled_in_village: int = 0


@dataclass(frozen=True)
class PeriodicTask:
    """A Celery task the plugin needs run for every township that enabled it."""

    name: str
    task: str  # dotted name of a registered Celery task; called with the township's code
    crontab: str  # "minute hour day_of_month month day_of_week", e.g. "0 2 * * *"


_FIGURE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class StatisticsColumn:
    """A column of the county's statistics table: one figure of ``township_statistics``.

    ``key`` names the figure in the plugin's ``township_statistics`` answer; the
    county sees it, per township, next to the core's tiers and households.

    ``year_on_year`` (0.6.1): the figure counts from 1 January of the period's year
    to the end of the period's month (or today, if sooner), and the answer also
    holds ``<key>_last_year``, the same days a year before; the dashboards then
    state the change ("12345热线同比下降38.8%"), ``label_*`` naming what is counted.
    """

    key: str  # lower-case letters, digits and "_": "hotline_cases"
    label_zh: str
    label_en: str
    year_on_year: bool = False

    @property
    def last_year_key(self) -> str:
        """The figure of the same days last year (``year_on_year`` columns)."""
        return f"{self.key}_last_year"

    def problems(self) -> list[str]:
        """What is wrong with the column ([] when the county can show it)."""
        problems = []
        if not isinstance(self.key, str) or not _FIGURE_NAME.match(self.key):
            problems.append(f"column key {self.key!r} is not lower-case letters, digits and _")
        if not self.label_zh or not self.label_en:
            problems.append(f"column {self.key}: needs label_zh and label_en")
        if self.year_on_year and isinstance(self.key, str) and len(self.last_year_key) > 40:
            problems.append(f"column {self.key}: a year-on-year key has at most 30 characters")
        return problems

    def label(self, zh: bool) -> str:
        """The column's heading in Chinese (``zh``) or English."""
        return self.label_zh if zh else self.label_en


@dataclass(frozen=True)
class GraphQLContribution:
    """Fields a plugin adds to a township's GraphQL schema (graphene objects)."""

    query_fields: dict = field(default_factory=dict)
    mutation_fields: dict = field(default_factory=dict)
    types: tuple = ()


class TierMove(NamedTuple):
    """One household's tier change in a finalised month (``township_tier_changes``)."""

    household_id: int
    old_tier: str  # "" for a household's first finalised month
    new_tier: str


# --- dashboard panels (township_dashboard_panels) ------------------------------------

CHART_KINDS = ("stacked_bar", "grouped_bar", "line")
_PANEL_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _is_number(value) -> bool:
    return (
        isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


@dataclass(frozen=True)
class ChartSeries:
    """One coloured series of a chart: a number per label (a count, yuan, ...), none negative."""

    name_zh: str
    name_en: str
    values: tuple  # numbers (int, float or Decimal), one per label of the chart
    colour: str = ""  # "#rrggbb"; "" takes the next colour of the platform's palette


@dataclass(frozen=True)
class Chart:
    """A chart the platform draws (server-side SVG): stacked bars, grouped bars or lines."""

    kind: str  # one of CHART_KINDS
    labels: tuple  # the x axis: months ("2026-03"), villages, banks, ...
    series: tuple  # ChartSeries
    y_label_zh: str = ""  # what the numbers count, e.g. "件" / "cases"
    y_label_en: str = ""

    def problems(self) -> list[str]:
        """What is wrong with the chart ([] when the platform can draw it)."""
        if self.kind not in CHART_KINDS:
            return [f"chart kind {self.kind!r} is not one of {', '.join(CHART_KINDS)}"]
        if not isinstance(self.labels, list | tuple) or not all(
            isinstance(label, str) for label in self.labels
        ):
            return ["chart labels must be a list of strings"]
        if not isinstance(self.series, list | tuple) or not self.series:
            return ["a chart needs at least one ChartSeries"]
        problems = []
        for series in self.series:
            if not isinstance(series, ChartSeries):
                problems.append(f"chart series {series!r} is not a ChartSeries")
                continue
            if not series.name_zh or not series.name_en:
                problems.append("chart series need name_zh and name_en")
            if series.colour and not _COLOUR.match(series.colour):
                problems.append(f"series colour {series.colour!r} is not #rrggbb")
            values = series.values
            if not isinstance(values, list | tuple) or len(values) != len(self.labels):
                problems.append(f"series {series.name_en!r}: needs one value per label")
            elif not all(_is_number(v) and v >= 0 for v in values):
                problems.append(f"series {series.name_en!r}: values must be numbers, none negative")
        return problems


@dataclass(frozen=True)
class PanelTable:
    """A small table of a panel: column headings in both languages, rows of cells."""

    headers_zh: tuple  # strings
    headers_en: tuple  # strings, as many as headers_zh
    rows: tuple  # rows of cells (strings or numbers), each as long as the headers

    def problems(self) -> list[str]:
        """What is wrong with the table ([] when the dashboard can show it)."""
        heads = (self.headers_zh, self.headers_en)
        if not all(
            isinstance(h, list | tuple) and all(isinstance(c, str) for c in h) for h in heads
        ):
            return ["table headers must be lists of strings"]
        if len(self.headers_zh) != len(self.headers_en) or not self.headers_en:
            return ["table needs as many headers_zh as headers_en (at least one)"]
        if not isinstance(self.rows, list | tuple):
            return ["table rows must be a list of rows"]
        for row in self.rows:
            if not isinstance(row, list | tuple) or len(row) != len(self.headers_en):
                return [f"table row {row!r} does not have {len(self.headers_en)} cells"]
            if not all(isinstance(cell, str) or _is_number(cell) for cell in row):
                return [f"table row {row!r}: cells must be strings or numbers"]
        return []


@dataclass(frozen=True)
class DashboardPanel:
    """A panel of the township dashboard: a title, and a chart, a table and/or warnings.

    Counts and sums only: a panel must never show a household's personal data
    (names, codes, addresses, phone numbers). ``warnings`` and table cells are shown
    as given: write them in the request's language
    (``django.utils.translation.get_language()``).
    """

    key: str  # lower-case letters, digits and "_", unique among the plugin's panels
    title_zh: str
    title_en: str
    chart: Chart | None = None
    table: PanelTable | None = None
    warnings: tuple = ()  # strings

    def problems(self) -> list[str]:
        """What is wrong with the panel ([] when the dashboard can show it)."""
        problems = []
        if not isinstance(self.key, str) or not _PANEL_KEY.match(self.key):
            problems.append(f"panel key {self.key!r} is not lower-case letters, digits and _")
        if not self.title_zh or not self.title_en:
            problems.append(f"panel {self.key}: needs title_zh and title_en")
        if self.chart is not None:
            if isinstance(self.chart, Chart):
                problems += [f"panel {self.key}: {p}" for p in self.chart.problems()]
            else:
                problems.append(f"panel {self.key}: chart {self.chart!r} is not a Chart")
        if self.table is not None:
            if isinstance(self.table, PanelTable):
                problems += [f"panel {self.key}: {p}" for p in self.table.problems()]
            else:
                problems.append(f"panel {self.key}: table {self.table!r} is not a PanelTable")
        if not isinstance(self.warnings, list | tuple) or not all(
            isinstance(w, str) for w in self.warnings
        ):
            problems.append(f"panel {self.key}: warnings must be a list of strings")
        return problems


_SCREEN_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class WorkbenchScreen:
    """A screen a plugin mounts in the township's workbench (``/work/x/<plugin>/<key>/``).

    ``view`` is an ordinary Django view, called with the township's schema active and
    ``request.viewer`` built; ``urls`` are further ``django.urls.path()`` patterns
    under the screen's address (a detail page, a form), relative to it. The
    platform checks, before any of them runs, that the plugin is enabled in the
    township (else 404) and that the person holds one of ``roles`` there (else 403);
    narrowing to a village or an institution stays the plugin's services' job.
    ``waiting``, when given, is called with the request's viewer and returns how
    many items wait for that person (shown on the workbench home page, with
    ``waiting_zh``/``waiting_en`` as the line's label).
    """

    key: str  # lower-case letters, digits and "_", unique among the plugin's screens
    title_zh: str
    title_en: str
    roles: tuple[str, ...]
    view: object  # a Django view: (request, **kwargs) -> HttpResponse
    urls: tuple = ()  # django.urls.path() patterns under the screen
    waiting: object = None  # (viewer) -> int
    waiting_zh: str = ""
    waiting_en: str = ""

    def problems(self) -> list[str]:
        """What is wrong with the screen ([] when the workbench can mount it)."""
        from platform_core.accounts.models import Role

        problems = []
        if not isinstance(self.key, str) or not _SCREEN_KEY.match(self.key):
            problems.append(f"screen key {self.key!r} is not lower-case letters, digits and _")
        if not self.title_zh or not self.title_en:
            problems.append(f"screen {self.key}: needs title_zh and title_en")
        if not self.roles or any(r not in Role.values for r in self.roles):
            problems.append(f"screen {self.key}: roles {self.roles!r} must name known roles")
        if not callable(self.view):
            problems.append(f"screen {self.key}: view is not callable")
        from django.urls import URLPattern

        if any(not isinstance(p, URLPattern) for p in self.urls):
            problems.append(f"screen {self.key}: urls must be django.urls.path() patterns")
        if self.waiting is not None and not callable(self.waiting):
            problems.append(f"screen {self.key}: waiting is not callable")
        if self.waiting is not None and not (self.waiting_zh and self.waiting_en):
            problems.append(f"screen {self.key}: waiting needs waiting_zh and waiting_en")
        return problems

    def title(self, zh: bool) -> str:
        """The screen's title in Chinese (``zh``) or English, as the menu shows it."""
        return self.title_zh if zh else self.title_en


# --- public addresses (township_urls) ---------------------------------------------------

_URL_PREFIX = re.compile(r"^(?:[a-z0-9][a-z0-9._-]*/)+$")
_PARAMETER = re.compile(r"^[a-z_][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class PluginUrls:
    """Public addresses a plugin serves at the top of the township's site (an open API, a
    public page), mounted from ``township_urls``.

    ``patterns`` (``django.urls.path()`` patterns, relative to ``prefix``) are served at
    ``/<prefix>`` on the township's site (``/t/<code>/<prefix>`` in path routing); each is
    reversed as ``<plugin key>:<name>``. The platform answers 404 where the township has
    not enabled the plugin, before the view runs; the views are public (no sign-in: a
    view checks any credential itself, and a view taking POST from other machines is
    marked ``csrf_exempt`` by the plugin). With ``county_parameter`` the same patterns are
    also served on the county site, where that GET or POST parameter names the township
    by its code and the view runs in that township's schema: without it the answer is
    400, for a township that is unknown or has not enabled the plugin 404. Those
    answers come from ``county_error(request, status, message)`` when given (the plugin's
    own error format), else the platform's error page.
    """

    prefix: str  # e.g. "open311/v2/": lower-case path segments, each ending in "/"
    patterns: tuple  # django.urls.path() patterns under the prefix
    county_parameter: str = ""  # e.g. "jurisdiction_id": also served on the county site
    county_error: object = None  # (request, status: int, message: str) -> HttpResponse

    def problems(self) -> list[str]:
        """What is wrong with the addresses ([] when the platform can mount them)."""
        from django.urls import URLPattern

        problems = []
        if not isinstance(self.prefix, str) or not _URL_PREFIX.match(self.prefix):
            problems.append(
                f"prefix {self.prefix!r} must be lower-case path segments ending in '/', "
                "like 'open311/v2/'"
            )
        if not isinstance(self.patterns, list | tuple) or not self.patterns:
            problems.append(f"{self.prefix}: patterns must be a non-empty tuple of path()s")
        elif any(not isinstance(p, URLPattern) for p in self.patterns):
            problems.append(f"{self.prefix}: patterns must be django.urls.path() patterns")
        if not isinstance(self.county_parameter, str) or (
            self.county_parameter and not _PARAMETER.match(self.county_parameter)
        ):
            problems.append(
                f"{self.prefix}: county_parameter {self.county_parameter!r} must be a "
                "lower_snake parameter name or empty"
            )
        if self.county_error is not None and not callable(self.county_error):
            problems.append(f"{self.prefix}: county_error is not callable")
        return problems


# --- external feeds (township_feed_sources) --------------------------------------------

_FEED_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class FeedOutcome:
    """What one import of a feed brought: new rows, rows already there, a one-line summary."""

    created: int
    unchanged: int = 0
    summary: str = ""  # clerk-readable, in the request's (or the township's) language


@dataclass(frozen=True)
class FeedSource:
    """An external feed (files dropped in a folder, or a pull function) the platform
    imports on a schedule for every township that enabled the plugin.

    Files wait in ``<FEED_DIR>/<township code>/<plugin key>/<feed key>/`` and are
    handed one by one to ``import_file(path, actor)``; ``pull(actor)`` fetches from
    elsewhere instead. Give exactly one of the two. Either runs inside the township's
    schema and one transaction, and must be idempotent (external ids): a retry after
    a crash imports nothing twice. Refuse a bad file with a ``PlatformError`` (a
    ``TableError`` names its row and column): nothing of it is kept, and the clerk
    sees the message.
    """

    key: str  # lower-case letters, digits and "_", unique within the plugin: "hotline"
    name: str  # shown to clerks (gettext_lazy)
    import_file: Callable[[Path, Actor], FeedOutcome] | None = None
    pull: Callable[[Actor], FeedOutcome] | None = None  # exactly one of the two
    patterns: tuple[str, ...] = ("*.csv", "*.xlsx", "*.json")  # files import_file reads
    crontab: str = "*/10 * * * *"  # when to look (township-local time)

    def problems(self) -> list[str]:
        """What is wrong with the feed source ([] when the platform can run it)."""
        problems = []
        if not isinstance(self.key, str) or not _FEED_KEY.match(self.key):
            problems.append(f"feed key {self.key!r} is not lower-case letters, digits and _")
        if not self.name or not str(self.name).strip():
            problems.append(f"feed {self.key}: needs a name")
        given = [f for f in (self.import_file, self.pull) if f is not None]
        if len(given) != 1:
            problems.append(f"feed {self.key}: give exactly one of import_file and pull")
        elif not callable(given[0]):
            problems.append(f"feed {self.key}: import_file/pull is not callable")
        if self.import_file is not None and (
            not isinstance(self.patterns, list | tuple)
            or not self.patterns
            or not all(isinstance(p, str) and p and "/" not in p for p in self.patterns)
        ):
            problems.append(f"feed {self.key}: patterns must be file-name patterns like '*.csv'")
        if not isinstance(self.crontab, str) or len(self.crontab.split()) != 5:
            problems.append(f"feed {self.key}: crontab {self.crontab!r} needs 5 fields")
        else:
            from platform_core.scheduling import parse_crontab

            try:
                parse_crontab(self.crontab)
            except ValueError as exc:
                problems.append(f"feed {self.key}: crontab {self.crontab!r}: {exc}")
        return problems


# --- open data (township_open_datasets) -------------------------------------------------

OPEN_COLUMN_KINDS = ("month", "date", "code", "label", "count", "rate")
_DATASET_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Words of a column name that point at a person (the name split at "_"): such a column is
# refused, whatever its kind. "households" (a count) is not "household" (one of them).
PERSONAL_WORDS = frozenset(
    {
        "name",
        "names",
        "phone",
        "phones",
        "mobile",
        "tel",
        "telephone",
        "email",
        "mail",
        "address",
        "addresses",
        "id",
        "idcard",
        "identity",
        "household",
        "head",
        "petitioner",
        "petitioners",
        "person",
        "citizen",
        "member",
        "birth",
        "birthday",
        "born",
        "gender",
        "sex",
        "age",
        "wechat",
        "qq",
        "contact",
        "passport",
        "plate",
        "summary",
        "reference",
    }
)
# Names of places or categories that end in "_name" and are no one's name.
NAMED_THINGS = frozenset(
    {"village_name", "township_name", "county_name", "kind_name", "category_name"}
)
# Columns the platform adds itself: a dataset may not declare them.
RESERVED_COLUMNS = frozenset({"published", "township_code", "township_name"})


@dataclass(frozen=True)
class OpenColumn:
    """A documented column of an open dataset: aggregates, labels and codes of places only.

    ``kind`` says what the values are and how the platform checks them: ``month``
    (``"YYYY-MM"`` or a ``date``), ``date``, ``code`` (of a village, kind or category),
    ``label`` (its readable name), ``count`` (an integer, not negative) or ``rate``
    (a number from 0 to 1, or ``None`` when there is nothing to divide by).
    """

    name: str  # lower_snake: "village_code"
    description_zh: str
    description_en: str
    kind: str  # one of OPEN_COLUMN_KINDS

    def problems(self) -> list[str]:
        """What is wrong with the column ([] when the platform can publish it)."""
        if not isinstance(self.name, str) or not _DATASET_KEY.match(self.name):
            return [f"column name {self.name!r} is not lower-case letters, digits and _"]
        problems = []
        if looks_personal(self.name):
            problems.append(f"column {self.name} looks like personal data (aggregates only)")
        if self.name in RESERVED_COLUMNS:
            problems.append(f"column {self.name} is added by the platform")
        if self.kind not in OPEN_COLUMN_KINDS:
            problems.append(
                f"column {self.name}: kind {self.kind!r} is not one of "
                + ", ".join(OPEN_COLUMN_KINDS)
            )
        if not self.description_zh or not self.description_en:
            problems.append(f"column {self.name}: needs description_zh and description_en")
        return problems

    def description(self, zh: bool) -> str:
        """The column's description in Chinese (``zh``) or English."""
        return self.description_zh if zh else self.description_en


def looks_personal(column_name: str) -> bool:
    """Whether a column's name points at a person (a name, phone, address, household...)."""
    if column_name in NAMED_THINGS:
        return False
    return any(word in PERSONAL_WORDS for word in column_name.split("_"))


@dataclass(frozen=True)
class OpenDataset:
    """An open dataset of a township: figures per month, published as CSV and JSON.

    ``rows(first, last)`` is called with the first days of the first and the last month
    asked for and returns an iterable of dicts, one value per column (keys: the
    columns' names), plus optionally ``published`` (a ``date``: when the row's figures
    were published, e.g. the day its month was finalised); a row without it carries
    the export's date (live figures). A dataset has a column ``month`` of kind
    ``month``. Aggregates only: never a household's or a person's data.
    """

    key: str  # lower-case letters, digits and "_", unique in the township
    title_zh: str
    title_en: str
    columns: tuple  # OpenColumn, in the order of the file's columns
    rows: object  # (first: date, last: date) -> Iterable[dict]

    def problems(self) -> list[str]:
        """What is wrong with the dataset ([] when the platform can publish it)."""
        problems = []
        if not isinstance(self.key, str) or not _DATASET_KEY.match(self.key):
            problems.append(f"dataset key {self.key!r} is not lower-case letters, digits and _")
        if not self.title_zh or not self.title_en:
            problems.append(f"dataset {self.key}: needs title_zh and title_en")
        if not callable(self.rows):
            problems.append(f"dataset {self.key}: rows is not callable")
        if not isinstance(self.columns, list | tuple) or not self.columns:
            return [*problems, f"dataset {self.key}: needs at least one OpenColumn"]
        names = set()
        for column in self.columns:
            if not isinstance(column, OpenColumn):
                problems.append(f"dataset {self.key}: {column!r} is not an OpenColumn")
                continue
            problems += [f"dataset {self.key}: {p}" for p in column.problems()]
            if column.name in names:
                problems.append(f"dataset {self.key}: column {column.name} is declared twice")
            names.add(column.name)
        month = [c for c in self.columns if isinstance(c, OpenColumn) and c.name == "month"]
        if not month or month[0].kind != "month":
            problems.append(f"dataset {self.key}: needs a column 'month' of kind 'month'")
        return problems

    def title(self, zh: bool) -> str:
        """The dataset's title in Chinese (``zh``) or English."""
        return self.title_zh if zh else self.title_en
