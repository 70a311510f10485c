"""Running totals and year on year: the seed's kind of statement, for the dashboards.

- Households ever commended (model households on a published honour board) and ever
  exposed (households to improve on one), distinct, per board year and in total:
  a household on three boards counts once in the total and once in each year.
- The plugins' year-on-year figures (``StatisticsColumn(year_on_year=True)``: this
  year to date beside the same days last year), e.g. 12345 hotline cases.
- The three-none villages per month and per year (``three_none``).

Counts only, in a few aggregate queries (never one per household or board). The
county sums its townships from the public ``TownshipStatistics`` rows alone (one
query, never a visit to each township's schema per page view): the boards and the
three-none counts are stored on a row at its refresh (``stored_totals``, its
``totals``), the year-on-year figures are its plugin figures (``extra``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from platform_core.dashboard import three_none
from platform_core.households.models import Village
from platform_core.publication.models import BoardEntry

MONTHS = 12  # months of the three-none chart
YEARS = 3  # years of the yearly figures (this one to date and the ones before)


def figure(n: int) -> str:
    """A count as written in a statement: thousands separated (3,363)."""
    return f"{n:,}"


# --- honour boards -------------------------------------------------------------------


@dataclass(frozen=True)
class BoardYear:
    year: int
    commended: int  # distinct households listed as model households on the year's boards
    exposed: int  # distinct households listed as households to improve


@dataclass(frozen=True)
class BoardTotals:
    years: tuple[BoardYear, ...]  # oldest first, only years with a board
    commended: int  # distinct households ever listed as model households
    exposed: int  # distinct households ever listed as households to improve

    def of(self, year: int) -> BoardYear:
        return next((y for y in self.years if y.year == year), BoardYear(year, 0, 0))

    def __add__(self, other: BoardTotals) -> BoardTotals:
        years = {y.year: y for y in self.years}
        for y in other.years:
            mine = years.get(y.year, BoardYear(y.year, 0, 0))
            years[y.year] = BoardYear(
                y.year, mine.commended + y.commended, mine.exposed + y.exposed
            )
        return BoardTotals(
            tuple(years[year] for year in sorted(years)),
            self.commended + other.commended,
            self.exposed + other.exposed,
        )


EMPTY_BOARDS = BoardTotals((), 0, 0)


def board_totals(village_codes: frozenset[str] | None = None) -> BoardTotals:
    """Distinct households commended and exposed on published boards of the villages
    in view (None: the whole township), per board year and in total. Two queries."""
    model, improve = BoardEntry.Kind.MODEL, BoardEntry.Kind.IMPROVE
    # Households only: a board's section of merchants and firms is no household figure.
    entries = BoardEntry.objects.filter(kind__in=(model, improve))
    if village_codes is not None:
        entries = entries.filter(board__village__code__in=sorted(village_codes))
    per_year: dict[int, dict[str, int]] = {}
    for year, kind, n in (
        entries.values_list("board__year", "kind")
        .annotate(n=Count("household", distinct=True))
        .order_by()
    ):
        per_year.setdefault(year, {})[kind] = n
    total = dict(
        entries.values_list("kind").annotate(n=Count("household", distinct=True)).order_by()
    )
    return BoardTotals(
        tuple(
            BoardYear(year, found.get(model, 0), found.get(improve, 0))
            for year, found in sorted(per_year.items())
        ),
        total.get(model, 0),
        total.get(improve, 0),
    )


# --- year on year --------------------------------------------------------------------


@dataclass(frozen=True)
class YearOnYear:
    """One plugin figure this year to date beside the same days last year."""

    plugin: str
    key: str
    label_zh: str
    label_en: str
    this_year: int
    last_year: int

    @property
    def change(self) -> Decimal | None:
        """Percent change, one decimal (None when last year had none: no percentage)."""
        if not self.last_year:
            return None
        ratio = Decimal(self.this_year - self.last_year) * 100 / Decimal(self.last_year)
        return ratio.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def label(self, zh: bool) -> str:
        return self.label_zh if zh else self.label_en

    def statement(self, zh: bool) -> str:
        """ "12345热线同比下降38.8%" / "12345 hotline cases −38.8% on last year"."""
        what, change = self.label(zh), self.change
        if change is None:
            if not self.this_year:
                return _("%(what)s: none this year or by this date last year") % {"what": what}
            return _("%(what)s: %(count)s this year, new (none by this date last year)") % {
                "what": what,
                "count": figure(self.this_year),
            }
        if change < 0:
            return _("%(what)s −%(change)s%% on last year") % {"what": what, "change": -change}
        if change > 0:
            return _("%(what)s +%(change)s%% on last year") % {"what": what, "change": change}
        return _("%(what)s level with last year") % {"what": what}

    def detail(self) -> str:
        return _("%(this)s this year to date, %(last)s by the same date last year") % {
            "this": figure(self.this_year),
            "last": figure(self.last_year),
        }


def year_on_year_of(extra: dict, columns) -> list[YearOnYear]:
    """The year-on-year figures of a ``township_statistics`` answer ({plugin: {figure:
    count}}) for the ``year_on_year`` columns (``statistics_columns()``); a column
    whose plugin gave no such pair is left out."""
    found = []
    for plugin, column in columns:
        if not column.year_on_year:
            continue
        figures = extra.get(plugin) or {}
        this_year, last_year = figures.get(column.key), figures.get(column.last_year_key)
        if this_year is None or last_year is None:
            continue
        found.append(
            YearOnYear(plugin, column.key, column.label_zh, column.label_en, this_year, last_year)
        )
    return found


def year_on_year(township, today: dt.date) -> list[YearOnYear]:
    """The township's enabled plugins' year-on-year figures up to ``today``."""
    from platform_core.townships.statistics import plugin_figures, statistics_columns

    return year_on_year_of(plugin_figures(township, today.replace(day=1)), statistics_columns())


def summed_year_on_year(figures: list[list[YearOnYear]]) -> list[YearOnYear]:
    """Several townships' figures summed per (plugin, key), in first-seen order."""
    sums: dict[tuple[str, str], YearOnYear] = {}
    for found in figures:
        for f in found:
            had = sums.get((f.plugin, f.key))
            sums[(f.plugin, f.key)] = (
                f
                if had is None
                else YearOnYear(
                    f.plugin,
                    f.key,
                    f.label_zh,
                    f.label_en,
                    had.this_year + f.this_year,
                    had.last_year + f.last_year,
                )
            )
    return list(sums.values())


# --- three-none over time ------------------------------------------------------------


@dataclass(frozen=True)
class ThreeNoneCount:
    """How many villages were three-none in a period (None: no plugin reported)."""

    label: str  # "2026-03" or "2026"
    villages: int
    three_none: int | None

    def __add__(self, other: ThreeNoneCount) -> ThreeNoneCount:
        """Summed over townships: one without data adds neither villages nor a count
        ("9 of 15 villages" counts only villages some plugin reported about)."""
        if other.three_none is None:
            return self
        if self.three_none is None:
            return other
        return ThreeNoneCount(
            self.label, self.villages + other.villages, self.three_none + other.three_none
        )


def _counted(statuses: list[three_none.PeriodStatus]) -> list[ThreeNoneCount]:
    return [ThreeNoneCount(s.label, len(s.villages), s.three_none) for s in statuses]


def _summed(counts: list[list[ThreeNoneCount]]) -> list[ThreeNoneCount]:
    sums: dict[str, ThreeNoneCount] = {}
    for found in counts:
        for c in found:
            sums[c.label] = sums[c.label] + c if c.label in sums else c
    return [sums[label] for label in sorted(sums)]


# --- everything the dashboards state ------------------------------------------------


@dataclass(frozen=True)
class RunningTotals:
    today: dt.date
    boards: BoardTotals
    months: list[ThreeNoneCount]  # three-none villages per month, oldest first
    years: list[ThreeNoneCount]  # per year (this one to date), oldest first
    year_on_year: list[YearOnYear] = field(default_factory=list)

    @property
    def this_year(self) -> BoardYear:
        return self.boards.of(self.today.year)

    @property
    def this_month(self) -> ThreeNoneCount | None:
        return self.months[-1] if self.months else None

    @property
    def this_years(self) -> ThreeNoneCount | None:
        return self.years[-1] if self.years else None

    def statements(self, zh: bool) -> list[str]:
        """Every figure as a sentence, in the active language (zh: the plugins' labels)."""
        said = [
            ngettext(
                "%(total)s model household commended in total (%(year)s this year)",
                "%(total)s model households commended in total (%(year)s this year)",
                self.boards.commended,
            )
            % {"total": figure(self.boards.commended), "year": figure(self.this_year.commended)},
            ngettext(
                "%(total)s household to improve exposed in total (%(year)s this year)",
                "%(total)s households to improve exposed in total (%(year)s this year)",
                self.boards.exposed,
            )
            % {"total": figure(self.boards.exposed), "year": figure(self.this_year.exposed)},
        ]
        said += [f.statement(zh) for f in self.year_on_year]
        month, year = self.this_month, self.this_years
        if month is None or month.three_none is None:
            said.append(_("Three-none villages: no data (no enabled plugin reports cases)"))
        else:
            said.append(
                _("%(count)s of %(villages)s villages three-none this month")
                % {"count": figure(month.three_none), "villages": figure(month.villages)}
            )
            if year is not None and year.three_none is not None:
                said.append(
                    _("%(count)s of %(villages)s villages three-none this year")
                    % {"count": figure(year.three_none), "villages": figure(year.villages)}
                )
        return said


def township_totals(
    township,
    today: dt.date,
    village_codes: frozenset[str] | None = None,
    months: int = MONTHS,
    years: int = YEARS,
) -> RunningTotals:
    """The township's running totals (inside its schema) for the villages in view.

    The year-on-year figures are the township's (plugins count township-wide): a
    viewer narrowed to some villages gets none of them.
    """
    villages = Village.objects.order_by("code").only("code", "name")
    if village_codes is not None:
        villages = villages.filter(code__in=sorted(village_codes))
    villages = list(villages)
    return RunningTotals(
        today=today,
        boards=board_totals(village_codes),
        months=_counted(three_none.by_month(township, today, months, villages)),
        years=_counted(three_none.by_year(township, today, years, villages)),
        year_on_year=year_on_year(township, today) if village_codes is None else [],
    )


def stored_totals(township, today: dt.date) -> dict:
    """What the county sums of the township, as JSON for its statistics row (inside its
    schema, at refresh): the boards' distinct households per year and in total (distinct
    within the township, so the county's sum of them is right), the three-none counts of
    the last ``MONTHS`` months and ``YEARS`` years (None: no data) and the day they are of.
    """
    boards = board_totals()
    villages = list(Village.objects.order_by("code").only("code", "name"))
    return {
        "as_of": today.isoformat(),
        "boards": {
            "commended": boards.commended,
            "exposed": boards.exposed,
            "years": [[y.year, y.commended, y.exposed] for y in boards.years],
        },
        "months": [
            [c.label, c.villages, c.three_none]
            for c in _counted(three_none.by_month(township, today, MONTHS, villages))
        ],
        "years": [
            [c.label, c.villages, c.three_none]
            for c in _counted(three_none.by_year(township, today, YEARS, villages))
        ],
    }


def _stored_boards(stored: dict) -> BoardTotals:
    boards = stored.get("boards") or {}
    return BoardTotals(
        tuple(BoardYear(*year) for year in boards.get("years", ())),
        boards.get("commended", 0),
        boards.get("exposed", 0),
    )


def _stored_counts(stored: list, labels: list[str]) -> list[ThreeNoneCount]:
    """The stored counts of ``labels``; a period the row does not hold (refreshed too
    long ago, or before the totals were stored) is no data."""
    found = {label: ThreeNoneCount(label, villages, count) for label, villages, count in stored}
    return [found.get(label, ThreeNoneCount(label, 0, None)) for label in labels]


def county_totals(townships, today: dt.date) -> RunningTotals:
    """``townships`` summed from their statistics rows, in one query: every figure as of
    each township's last refresh (``stored_totals``; a township without a row, or whose
    row predates the stored totals, adds no boards and no three-none data). The
    year-on-year figures count only rows of this year (``_of_this_year``)."""
    from platform_core.publication.selectors import add_months
    from platform_core.townships.statistics import statistics_columns
    from tenants.models import TownshipStatistics

    townships = list(townships)
    found = list(TownshipStatistics.objects.filter(township__in=townships))
    rows = {row.township_id: row for row in found}
    this_month = today.replace(day=1)
    month_labels = [f"{add_months(this_month, n - MONTHS + 1):%Y-%m}" for n in range(MONTHS)]
    year_labels = [str(year) for year in range(today.year - YEARS + 1, today.year + 1)]
    boards, months, years = EMPTY_BOARDS, [], []
    for township in townships:
        row = rows.get(township.pk)
        stored = (row.totals if row is not None else None) or {}
        boards = boards + _stored_boards(stored)
        months.append(_stored_counts(stored.get("months", ()), month_labels))
        years.append(_stored_counts(stored.get("years", ()), year_labels))
    columns = statistics_columns()
    return RunningTotals(
        today=today,
        boards=boards,
        months=_summed(months),
        years=_summed(years),
        year_on_year=summed_year_on_year(
            [year_on_year_of(row.extra, columns) for row in found if _of_this_year(row, today)]
        ),
    )


def _of_this_year(row, today: dt.date) -> bool:
    """Whether a statistics row's figures count this year: they run to the end of its
    latest finalised month (else to its refresh), which early in a year is still one
    of last year (December, finalised in January): those are last year's, not "this
    year to date", and are left out rather than summed as this year's."""
    from django.utils import timezone

    as_of = row.month or timezone.localdate(row.refreshed_at)
    return as_of.year == today.year
