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

from platform_core.workbench.rows import household_rows, ledger_rows, review_rows

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
            recorded_by_label="grid@example.test",
            reviewed_by_label=AWKWARD if n % 2 else "",
            status=("approved", "reversed")[n % 2],
            get_status_display=lambda n=n: AWKWARD + ("approved", "reversed")[n % 2],
        )
        for n, (points, note) in enumerate([(5, ""), (-10, AWKWARD), (0, None), (12345, "n")])
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


def test_rows_escape_every_text(urls):
    html = household_rows(_households()) + review_rows(_entries()) + ledger_rows(_entries())
    assert "<b>" not in html and "O'Brien" not in html
    assert "&lt;b&gt;&quot;O&#x27;Brien&quot; &amp; co&lt;/b&gt;" in html
    assert 'href="/t/990300001/work/households/V%2001&amp;0004/"' in html or (
        'href="/work/households/V%2001&amp;0004/"' in html
    )
    assert household_rows([]) == review_rows([]) == ledger_rows([]) == ""
