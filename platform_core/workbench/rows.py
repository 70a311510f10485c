"""The table rows of the busiest workbench pages, written in Python instead of a template loop.

A Django template costs 0.15-0.25 ms of CPU per row of these tables (a node, a
variable lookup and an escape per cell, a ``reverse()`` per link), a third of the
household list's and the review queue's CPU and more on a household page of 50
entries. Here a row is one string, escaped exactly as the template escaped it
(``conditional_escape``), so the page shows the same thing for far less. The
templates keep the table's frame, headings and empty case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

_PLAIN = re.compile(r"[A-Za-z0-9_-]+\Z")  # needs no quoting in a path
_MARK = "Zq9rowZq9"  # stands for the argument while the pattern is reversed once


class _Links:
    """``reverse(name, args=[value])`` for many values: reversed once, then filled in.

    Only values of plain characters are filled in; any other value (and a pattern
    that does not take the mark) is reversed as usual, so the result is always
    ``reverse``'s own.
    """

    def __init__(self, name: str, mark: str = _MARK, before: tuple = ()):
        self.name = name
        self.mark = mark
        self.before = list(before)  # the arguments that come first, the same for every value
        self.parts: list[str] | None = None

    def __call__(self, value) -> str:
        value = str(value)
        if _PLAIN.match(value):
            if self.parts is None:
                try:
                    self.parts = reverse(self.name, args=[*self.before, self.mark]).split(self.mark)
                except Exception:  # the converter refuses the mark (e.g. <int:...>)
                    self.parts = []
            if len(self.parts) == 2:
                return value.join(self.parts)
        return reverse(self.name, args=[*self.before, value])


def _e(value) -> str:
    """A value as ``{{ value }}`` shows it (text, numbers; None is "None" there too)."""
    return conditional_escape(value)


def _day(value) -> str:
    """``{{ value|date:"Y-m-d" }}`` for a date (empty for none)."""
    if not value:
        return ""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _points(value) -> str:
    """``{{ value|stringformat:"+d" }}``."""
    try:
        return "%+d" % value  # noqa: UP031 - the filter's own formatting (a float too)
    except (TypeError, ValueError):
        return ""


def household_rows(households: Iterable) -> SafeString:
    """The household list's rows (``select_related("village", "grid")``)."""
    link = _Links("work:household")
    out = []
    for household in households:
        code = _e(household.code)
        grid = household.grid.name if household.grid is not None else ""
        out.append(
            f'\n  <tr data-household="{code}"><td><a href="{_e(link(household.code))}">{code}</a>'
            f"</td><td>{_e(household.head_name)}</td><td>{_e(household.village.name)}</td>"
            f"<td>{_e(grid or '')}</td></tr>\n  "
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def review_rows(entries: Iterable) -> SafeString:
    """The review queue's rows (household, village and rule fetched with them, photos in
    ``photo_list``)."""
    household_link, photo_link = _Links("work:household"), _Links("work:photo", "9182736450")
    enterprise_link = _Links("work:enterprise")  # a merchant's or firm's entry: its own page
    select, photo_alt = _e(_("Select")), _e(_("Evidence photo"))
    out = []
    for entry in entries:
        pk = _e(entry.pk)
        household = entry.household
        kind = getattr(household, "kind", "household")
        link = household_link if kind == "household" else enterprise_link
        note = f'<br><span class="muted">{_e(entry.note)}</span>' if entry.note else ""
        photos = "".join(
            f'<br><a href="{_e(photo_link(photo.pk))}"><img class="evidence-photo" '
            f'src="{_e(photo_link(photo.pk))}" alt="{photo_alt}" loading="lazy"></a>'
            for photo in entry.photo_list
        )
        out.append(
            f'\n    <tr data-entry="{pk}">\n'
            f'      <td><input type="checkbox" name="entries" value="{pk}" '
            f'aria-label="{select} {pk}"></td>\n'
            f'      <td><a href="{_e(link(household.code))}">{_e(household.code)}</a>'
            f'<br><span class="muted">{_e(household.village.name)}</span></td>\n'
            f"      <td>{_e(entry.rule.code)}</td><td>{_points(entry.points)}</td>"
            f"<td>{_day(entry.occurred_on)}</td>\n"
            f"      <td>{_e(entry.evidence)}{note}\n        {photos}</td>\n"
            f"      <td>{_e(entry.recorded_by_label)}</td>\n    </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def ledger_rows(entries: Iterable) -> SafeString:
    """A household page's ledger rows (rule fetched with them, photos in ``photo_list``)."""
    photo_link = _Links("work:photo", "9182736450")
    photo_word = _e(_("photo"))
    statuses: dict[str, str] = {}  # get_status_display builds its choices dict on every call
    out = []
    for entry in entries:
        status = statuses.get(entry.status)
        if status is None:
            status = statuses[entry.status] = _e(entry.get_status_display())
        photos = "".join(
            f' <a href="{_e(photo_link(photo.pk))}">{photo_word}</a>' for photo in entry.photo_list
        )
        note = (
            f'<br><span class="muted">{_e(entry.review_note)}</span>' if entry.review_note else ""
        )
        out.append(
            f'\n    <tr data-entry="{_e(entry.pk)}" data-status="{_e(entry.status)}">\n'
            f"      <td>{_day(entry.occurred_on)}</td><td>{_e(entry.rule.code)}</td>"
            f"<td>{_points(entry.points)}</td>\n"
            f"      <td>{status}</td>\n"
            f"      <td>{_e(entry.evidence)}{photos}{note}</td>\n"
            f"      <td>{_e(entry.recorded_by_label)}</td><td>{_e(entry.reviewed_by_label)}</td>\n"
            f"    </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def notice_rows(notices: Iterable, household_code: str) -> SafeString:
    """A household page's notices of deductions (``household_notices``: entry and rule
    fetched with them, ``shown_address`` and ``answerable`` set on each)."""
    answer_link = _Links("work:household-answer", "9182736450", before=(household_code,))
    # As {% translate "..." %} writes them: a literal's translation is not escaped.
    answer_word, at_once = _("Record the household's answer"), _("counts at once")
    channels: dict[str, str] = {}  # the choices' labels, looked up once per value
    statuses: dict[str, str] = {}
    out = []
    for notice in notices:
        channel = channels.get(notice.channel)
        if channel is None:
            channel = channels[notice.channel] = _e(notice.get_channel_display())
        status = statuses.get(notice.status)
        if status is None:
            status = statuses[notice.status] = _e(notice.get_status_display())
        entry, entry_id = notice.entry, _e(notice.entry_id)
        address = f" · {_e(notice.shown_address)}" if notice.shown_address else ""
        error = f'<br><span class="muted">{_e(notice.error)}</span>' if notice.error else ""
        if notice.response_due:
            answer = (
                f' <a href="{_e(answer_link(notice.entry_id))}" '
                f'data-record-answer="{entry_id}">{answer_word}</a>'
                if notice.answerable
                else ""
            )
            due = f"{_day(notice.response_due)}{answer}"
        else:
            due = f'<span class="muted">{at_once}</span>'
        out.append(
            f'<tr data-notice="{_e(notice.pk)}" data-notice-entry="{entry_id}" '
            f'data-channel="{_e(notice.channel)}" data-status="{_e(notice.status)}">\n'
            f"      <td>{_day(notice.notified_on)}<br>"
            f'<span class="muted">{_e(notice.sent_by_label)}</span></td>\n'
            f"      <td>{_e(entry.rule.code)} {_points(entry.points)} ({_day(entry.occurred_on)})"
            f"</td>\n"
            f"      <td>{channel}{address}</td>\n"
            f"      <td>{status}{error}</td>\n"
            f"      <td>{due}</td>\n"
            f"      <td>{_day(entry.counts_from) or '-'}</td>\n"
            f"    </tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def card_rows(lines: Iterable) -> SafeString:
    """The standing card's points per rule (``ScoreCard.lines``), titled in the page's
    language, each deduction with its legal basis."""
    english = get_language() == "en"
    basis_word = _("Basis:")  # as {% translate %} writes it (not escaped)
    out = []
    for line in lines:
        title = line.title_en if english else line.title_zh
        basis = (
            f'<br><small class="basis">{basis_word} {_e(line.basis)}</small>'
            if line.points < 0 and line.basis
            else ""
        )
        out.append(
            f"<tr><td>{_e(line.rule_code)} {_e(title)}{basis}</td><td>{_e(line.entries)}</td>"
            f"<td>{_points(line.points)}</td></tr>"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
