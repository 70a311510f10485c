"""The table rows written in Python (``workbench.rows``) are what the template loops wrote.

Each former loop is kept here as a template and rendered next to the Python rows for
awkward data: markup and quotes in every text, no grid, notes, photos, a code that
needs quoting in a URL, both languages and a township's ``/t/<code>/`` prefix.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template import engines
from django.urls import clear_script_prefix, set_script_prefix, set_urlconf
from django.utils import translation

from platform_core.workbench.rows import (
    card_rows,
    household_rows,
    ledger_rows,
    notice_rows,
    review_rows,
)

HOUSEHOLD_LOOP = """{% for household in households %}
  <tr data-household="{{ household.code }}"><td><a href="{% url 'work:household' household.code %}">{{ household.code }}</a></td><td>{{ household.head_name }}</td><td>{{ household.village.name }}</td><td>{{ household.grid.name|default:"" }}</td></tr>
  {% endfor %}"""  # noqa: E501

REVIEW_LOOP = """{% load i18n %}{% for entry in entries %}
    <tr data-entry="{{ entry.pk }}">
      <td><input type="checkbox" name="entries" value="{{ entry.pk }}" aria-label="{% translate 'Select' %} {{ entry.pk }}"></td>
      <td><a href="{% url 'work:household' entry.household.code %}">{{ entry.household.code }}</a><br><span class="muted">{{ entry.household.village.name }}</span></td>
      <td>{{ entry.rule.code }}</td><td>{{ entry.points|stringformat:"+d" }}</td><td>{{ entry.occurred_on|date:"Y-m-d" }}</td>
      <td>{{ entry.evidence }}{% if entry.note %}<br><span class="muted">{{ entry.note }}</span>{% endif %}
        {% for photo in entry.photos.all %}<br><a href="{% url 'work:photo' photo.pk %}"><img class="evidence-photo" src="{% url 'work:photo' photo.pk %}" alt="{% translate 'Evidence photo' %}" loading="lazy"></a>{% endfor %}</td>
      <td>{{ entry.recorded_by_label }}</td>
    </tr>{% endfor %}"""  # noqa: E501

LEDGER_LOOP = """{% load i18n %}{% for entry in entries %}
    <tr data-entry="{{ entry.pk }}" data-status="{{ entry.status }}">
      <td>{{ entry.occurred_on|date:"Y-m-d" }}</td><td>{{ entry.rule.code }}</td><td>{{ entry.points|stringformat:"+d" }}</td>
      <td>{{ entry.get_status_display }}</td>
      <td>{{ entry.evidence }}{% for photo in entry.photos.all %} <a href="{% url 'work:photo' photo.pk %}">{% translate "photo" %}</a>{% endfor %}{% if entry.review_note %}<br><span class="muted">{{ entry.review_note }}</span>{% endif %}</td>
      <td>{{ entry.recorded_by_label }}</td><td>{{ entry.reviewed_by_label }}</td>
    </tr>{% endfor %}"""  # noqa: E501

NOTICE_LOOP = """{% load i18n %}{% for n in notices %}<tr data-notice="{{ n.pk }}" data-notice-entry="{{ n.entry_id }}" data-channel="{{ n.channel }}" data-status="{{ n.status }}">
      <td>{{ n.notified_on|date:"Y-m-d" }}<br><span class="muted">{{ n.sent_by_label }}</span></td>
      <td>{{ n.entry.rule.code }} {{ n.entry.points|stringformat:"+d" }} ({{ n.entry.occurred_on|date:"Y-m-d" }})</td>
      <td>{{ n.get_channel_display }}{% if n.shown_address %} · {{ n.shown_address }}{% endif %}</td>
      <td>{{ n.get_status_display }}{% if n.error %}<br><span class="muted">{{ n.error }}</span>{% endif %}</td>
      <td>{% if n.response_due %}{{ n.response_due|date:"Y-m-d" }}{% if n.answerable %} <a href="{% url 'work:household-answer' household.code n.entry_id %}" data-record-answer="{{ n.entry_id }}">{% translate "Record the household's answer" %}</a>{% endif %}{% else %}<span class="muted">{% translate "counts at once" %}</span>{% endif %}</td>
      <td>{{ n.entry.counts_from|date:"Y-m-d"|default:"-" }}</td>
    </tr>{% endfor %}"""  # noqa: E501

CARD_LOOP = """{% load i18n %}{% get_current_language as lang %}{% for line in card.lines %}<tr><td>{{ line.rule_code }} {% if lang == "en" %}{{ line.title_en }}{% else %}{{ line.title_zh }}{% endif %}{% if line.points < 0 and line.basis %}<br><small class="basis">{% translate "Basis:" %} {{ line.basis }}</small>{% endif %}</td><td>{{ line.entries }}</td><td>{{ line.points|stringformat:"+d" }}</td></tr>{% endfor %}"""  # noqa: E501

AWKWARD = '<b>"O\'Brien" & co</b>'


class _Photos(list):
    def all(self):
        return self


def _households():
    village = SimpleNamespace(name=AWKWARD)
    return [
        SimpleNamespace(
            code="V01-0001", head_name=AWKWARD, village=village, grid=SimpleNamespace(name="G1")
        ),
        SimpleNamespace(code="V01-0002", head_name="张三", village=village, grid=None),
        SimpleNamespace(
            code="V01-0003", head_name="", village=village, grid=SimpleNamespace(name="")
        ),
        # A code needing quoting in a URL is reversed the usual way.
        SimpleNamespace(code="V 01&0004", head_name="x", village=village, grid=None),
    ]


def _entries():
    households = _households()
    photos = _Photos([SimpleNamespace(pk=7), SimpleNamespace(pk=123456)])
    return [
        SimpleNamespace(
            pk=n,
            household=households[n % len(households)],
            rule=SimpleNamespace(code="PS-<01>"),
            points=points,
            occurred_on=dt.date(2026, 3, 9),
            evidence=AWKWARD,
            note=note,
            review_note=note,
            photos=photos if n % 2 else _Photos(),
            photo_list=photos if n % 2 else [],
            recorded_by_label="grid@example.test",
            reviewed_by_label=AWKWARD if n % 2 else "",
            status=("approved", "reversed")[n % 2],
            get_status_display=lambda n=n: AWKWARD + ("approved", "reversed")[n % 2],
        )
        for n, (points, note) in enumerate([(5, ""), (-10, AWKWARD), (0, None), (12345, "n")])
    ]


def _notices():
    entries = _entries()
    return [
        SimpleNamespace(
            pk=n,
            entry_id=entry.pk,
            entry=SimpleNamespace(
                rule=entry.rule,
                points=entry.points,
                occurred_on=entry.occurred_on,
                counts_from=counts_from,
            ),
            channel=("sms", "letter")[n % 2],
            status=("sent", "failed")[n % 2],
            get_channel_display=lambda n=n: AWKWARD + ("sms", "letter")[n % 2],
            get_status_display=lambda n=n: ("sent", AWKWARD)[n % 2],
            notified_on=dt.date(2026, 3, 10),
            sent_by_label=AWKWARD,
            shown_address=address,
            error=AWKWARD if n % 2 else "",
            response_due=due,
            answerable=answerable,
        )
        for n, (entry, counts_from, address, due, answerable) in enumerate(
            [
                (entries[0], dt.date(2026, 3, 25), "138****5678", dt.date(2026, 3, 24), True),
                (entries[1], None, "", dt.date(2026, 3, 24), False),
                (entries[2], None, AWKWARD, None, True),
                (entries[3], dt.date(2026, 4, 1), "l***@example.cn", dt.date(2026, 3, 31), 1),
            ]
        )
    ]


def _lines():
    return [
        SimpleNamespace(
            rule_code="P7-<02>",
            title_zh="恶意投诉",
            title_en=AWKWARD,
            points=-5,
            entries=1,
            basis=AWKWARD,
        ),
        SimpleNamespace(
            rule_code="VO-01",
            title_zh=AWKWARD,
            title_en="Volunteering",
            points=12345,
            entries=1234,
            basis="a basis a gain does not show",
        ),
        SimpleNamespace(
            rule_code="CR-03", title_zh="", title_en=None, points=-1, entries=2, basis=""
        ),
    ]


@pytest.fixture(params=["", "/t/990300001"])
def urls(request):
    """The township's URLs, with and without the development path prefix."""
    set_urlconf(settings.ROOT_URLCONF)
    set_script_prefix(request.param + "/")
    yield
    clear_script_prefix()
    set_urlconf(None)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_python_rows_equal_the_template_loops(urls, language):
    engine = engines["django"]
    with translation.override(language):
        households, entries = _households(), _entries()
        assert household_rows(households) == engine.from_string(HOUSEHOLD_LOOP).render(
            {"households": households}
        )
        assert review_rows(entries) == engine.from_string(REVIEW_LOOP).render({"entries": entries})
        assert ledger_rows(entries) == engine.from_string(LEDGER_LOOP).render({"entries": entries})
        for code in ("V01-0001", "V 01&0004", "9182736450"):  # plain, quoted, the mark itself
            notices = _notices()
            household = SimpleNamespace(code=code)
            assert notice_rows(notices, code) == engine.from_string(NOTICE_LOOP).render(
                {"notices": notices, "household": household}
            )
        card = SimpleNamespace(lines=_lines())
        assert card_rows(card.lines) == engine.from_string(CARD_LOOP).render({"card": card})


def test_rows_escape_every_text(urls):
    html = household_rows(_households()) + review_rows(_entries()) + ledger_rows(_entries())
    html += notice_rows(_notices(), "V01-0001") + card_rows(_lines())
    assert html.count("&lt;b&gt;&quot;O&#x27;Brien&quot; &amp; co&lt;/b&gt;") > 20
    assert "<b>" not in html and "O'Brien" not in html
    assert "&lt;b&gt;&quot;O&#x27;Brien&quot; &amp; co&lt;/b&gt;" in html
    assert 'href="/t/990300001/work/households/V%2001&amp;0004/"' in html or (
        'href="/work/households/V%2001&amp;0004/"' in html
    )
    assert household_rows([]) == review_rows([]) == ledger_rows([]) == ""
    assert notice_rows([], "V01-0001") == card_rows([]) == ""


def test_a_notice_answerable_links_to_recording_the_answer(urls):
    html = notice_rows(_notices(), "V01-0001")
    assert html.count("data-record-answer=") == 2  # answerable and with a deadline
    assert "/work/households/V01-0001/entries/0/answer/" in html
    assert "/work/households/V01-0001/entries/3/answer/" in html
