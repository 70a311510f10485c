"""Refusals and pages speak the language of whoever asked; the zh-hans catalogue covers every
message of the code, the models' labels and the templates.

A new message fails the catalogue tests until it is extracted, translated and compiled::

    DATABASE_URL=... PLATFORM_MODE=test .venv/bin/python manage.py makemessages \
        -l zh_Hans -l en --ignore=.venv --ignore=var --ignore=tests --ignore=deploy
    # translate every empty or "#, fuzzy" msgstr of locale/zh_Hans/LC_MESSAGES/django.po
    # (drop the fuzzy flag; plurals: msgstr[0] only), then
    .venv/bin/python -m platform_core.i18n
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract, extract_from_file
from babel.messages.pofile import read_po
from django.contrib.auth import get_user_model
from django.utils import translation

from platform_core.errors import NotAllowed
from platform_core.scoring.services import LedgerError, record_entry, review_entry
from tests import factories as f
from tests.api import endpoint, gql

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Code and templates whose messages must all be translated (migrations aside): services,
# API, models, apps, admin, settings and the templates under these directories.
CHECKED_DIRS = ("platform_core", "tenants", "plugins", "graphql_api")
FUTURE = dt.date(2999, 1, 1)
# printf-style placeholders (named or positional), str.format fields and HTML tags: a
# translation keeps every one of them.
PRINTF = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
BRACES = re.compile(r"\{\w*(?:![rsa])?(?::[^{}]*)?\}")
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
ADD_MESSAGES = (
    "run makemessages (see the module docstring), translate the new messages in "
    "locale/zh_Hans/LC_MESSAGES/django.po and compile:"
)


def _checked(path: str) -> bool:
    parts = Path(path).parts
    return bool(parts) and parts[0] in CHECKED_DIRS and "migrations" not in parts


def _catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def _placeholders(text: str, python_format: bool) -> tuple:
    named, positional = set(), []
    if python_format:
        for name, conversion in PRINTF.findall(text):
            if conversion == "%":
                continue
            if name:
                named.add(name)
            else:
                positional.append(conversion)
    return named, positional, sorted(BRACES.findall(text)), sorted(TAG.findall(text))


# --- services -----------------------------------------------------------------------------


def test_a_refused_service_call_answers_in_the_active_language(township_a, in_township):
    with in_township(township_a):
        f.village()
        clerk = f.person()
        household, rule = f.household("V01-0001"), f.rule("P7-03")

        def future_entry():
            record_entry(
                household=household,
                rule=rule,
                occurred_on=FUTURE,
                recorder=clerk,
                source="staff",
                evidence="seen",
            )

        with translation.override("zh-hans"), pytest.raises(LedgerError) as chinese:
            future_entry()
        with translation.override("en"), pytest.raises(LedgerError) as english:
            future_entry()
        assert str(chinese.value) == "日期 2999-01-01 是将来的日期"
        assert str(english.value) == "date 2999-01-01 is in the future"

        entry = record_entry(
            household=household,
            rule=rule,
            occurred_on=dt.date(2026, 3, 5),
            recorder=clerk,
            source="staff",
            evidence="seen",
        )
        with translation.override("zh-hans"), pytest.raises(NotAllowed) as own:
            review_entry(entry, reviewer=clerk, approve=True)
        assert str(own.value) == "录入人不能审核自己录入的积分记录"
        with translation.override("zh-hans"), pytest.raises(LedgerError) as no_reason:
            review_entry(entry, reviewer=f.person(), approve=False)
        assert str(no_reason.value) == "驳回须填写农户能看懂的理由"


def test_a_refusal_composed_of_parts_is_translated_whole(township_a, in_township):
    """require_role's sentence, the action and a status word all follow the language."""
    with in_township(township_a):
        f.village()
        stranger = f.person("stranger", role=None)
        entry = f.approved("V01-0001", "P7-03", dt.date(2026, 3, 5))
        with translation.override("zh-hans"):
            with pytest.raises(NotAllowed) as refused:
                record_entry(
                    household=f.household("V01-0001"),
                    rule=f.rule("P7-03"),
                    occurred_on=dt.date(2026, 3, 5),
                    recorder=stranger,
                    source="staff",
                    evidence="seen",
                )
            with pytest.raises(LedgerError) as again:
                review_entry(entry, reviewer=f.person(), approve=True)
        assert str(refused.value) == f"{stranger.label} 无权在{township_a.name}录入积分记录"
        assert str(again.value) == f"积分记录 {entry.pk} 已处于“已通过”状态"
        with pytest.raises(LedgerError) as english:  # the tests' default: English
            review_entry(entry, reviewer=f.person(), approve=True)
        assert str(english.value) == f"entry {entry.pk} is already approved"


# --- the API ------------------------------------------------------------------------------

RECORD = """mutation($points: Int) {
  recordEntry(householdCode: "V01-0001", ruleCode: "P7-03", occurredOn: "2026-03-05",
              evidence: "file 7", points: $points) {
    entry { id }
    errors { field code message }
  }
}"""
REVIEW = """mutation($id: ID!) {
  reviewEntry(entryId: $id, approve: true) { entry { status } errors { code message } }
}"""


def test_the_api_answers_refusals_in_the_requested_language(client, township_a, in_township):
    with in_township(township_a):
        f.village()
    assert client.login(username="admin@jia.test", password="pw-jia")
    url = endpoint(township_a)
    refused = {
        language: gql(client, url, RECORD, {"points": 3}, language=language)["data"]["recordEntry"]
        for language in ("zh-hans", "en", None)
    }
    assert refused["zh-hans"]["entry"] is None
    assert refused["zh-hans"]["errors"] == [
        {
            "field": "points",  # the service names the argument its refusal is about
            "code": "REFUSED",
            "message": "分值 3 与规则 P7-03（-5）不符：积分记录的加减须与规则一致",
        }
    ]
    assert refused["en"]["errors"][0]["message"] == (
        "points 3 do not match rule P7-03 (-5): an entry keeps the sign of its rule"
    )
    assert refused[None]["errors"] == refused["zh-hans"]["errors"]  # the platform's default

    recorded = gql(client, url, RECORD, language="zh-hans")["data"]["recordEntry"]
    own = gql(client, url, REVIEW, {"id": recorded["entry"]["id"]}, language="zh-hans")
    assert own["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert own["errors"][0]["message"] == "录入人不能审核自己录入的积分记录"


# --- the catalogue ------------------------------------------------------------------------


def test_every_message_of_the_code_has_a_chinese_translation_with_the_same_placeholders():
    problems = []
    for message in _catalogue():
        if not message.id or not any(_checked(path) for path, _line in message.locations):
            continue
        msgids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        where = f"{message.locations[0][0]}:{message.locations[0][1]} {msgids[0]!r}"
        python_format = "python-format" in message.flags
        expected = _placeholders(msgids[0], python_format)
        if message.fuzzy or not strings or not all(strings):
            problems.append(f"{where}: not translated")
        elif message.pluralizable and len(strings) != 1:
            problems.append(f"{where}: zh-hans has one plural form, not {len(strings)}")
        elif any(_placeholders(s, python_format) != expected for s in strings):
            problems.append(f"{where}: placeholders or tags differ in {strings!r}")
    assert not problems, "\n".join(problems)


def test_the_catalogue_says_chinese_has_one_plural_form():
    catalogue = _catalogue()
    assert catalogue.num_plurals == 1 and catalogue.plural_expr == "0"
    assert not catalogue.fuzzy  # a fuzzy header is ignored by some tools


KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "gettext_noop": None,
    "pgettext_lazy": ((1, "c"), 2),
    "ngettext_lazy": (1, 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def _code_messages():
    """(where, context, msgid) of every message in the checked Python code and templates."""
    from django.utils.translation.template import templatize

    for directory in CHECKED_DIRS:
        for path in sorted((ROOT / directory).rglob("*")):
            relative = str(path.relative_to(ROOT))
            if path.suffix not in (".py", ".html", ".txt") or not _checked(relative):
                continue
            if path.suffix == ".py":
                found = extract_from_file("python", path, keywords=KEYWORDS)
            else:  # templates: Django's own conversion for xgettext, read as Python
                source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
                # One call per line (messages are repr()s); markup indents are no Python.
                source = "\n".join(line.lstrip() for line in source.splitlines())
                found = extract("python", io.BytesIO(source.encode()), keywords=KEYWORDS)
            for line, message, _comments, context in found:
                msgid = message[0] if isinstance(message, tuple) else message
                if msgid:
                    yield f"{relative}:{line}", context, msgid


def test_the_catalogue_holds_every_message_of_the_code():
    """A message added to the code or a template without ``makemessages`` is caught here."""
    known = {(m.context, m.id[0] if m.pluralizable else m.id) for m in _catalogue() if m.id}
    missing = [
        f"{where} {msgid!r}"
        for where, context, msgid in _code_messages()
        if (context, msgid) not in known
    ]
    assert not missing, ADD_MESSAGES + "\n" + "\n".join(missing)


def test_the_catalogue_check_sees_labels_and_templates():
    """Model labels, app names, admin texts and template strings are all checked."""
    found = {(where.split(":")[0], msgid) for where, _context, msgid in _code_messages()}
    assert ("platform_core/households/models.py", "head of household") in found
    assert ("platform_core/scoring/apps.py", "Covenant and ledger") in found
    assert ("platform_core/townships/admin.py", "Suspend selected townships") in found
    assert ("platform_core/templates/base.html", "Sign in") in found
    assert (
        "platform_core/templates/platform/township_home.html",
        "%(counter)s household on record.",
    ) in found


# --- pages --------------------------------------------------------------------------------


def test_the_township_pages_speak_chinese_by_default_and_english_when_asked(
    client, township_a, in_township
):
    """No Accept-Language: the platform's default (zh-hans); "en" asked for: English."""
    with in_township(township_a):
        f.village()
    assert client.login(username="admin@jia.test", password="pw-jia")
    admin = f"/t/{township_a.code}/admin/"
    chinese = client.get(admin)
    english = client.get(admin, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 200
    assert '<html lang="zh-hans"' in chinese.text and '<html lang="en"' in english.text
    # App names and models' verbose_name_plural.
    for zh, en in (
        ("村规民约与积分", "Covenant and ledger"),
        ("村规民约规则", "Covenant rules"),
        ("积分记录", "Ledger entries"),
        ("评议轮次", "Evaluation rounds"),
        ("乡镇管理", "Township administration"),
    ):
        assert zh in chinese.text and en not in chinese.text, en
        assert en in english.text and zh not in english.text, zh

    households = f"/t/{township_a.code}/admin/households/household/"
    zh_list = client.get(households)
    en_list = client.get(households, HTTP_ACCEPT_LANGUAGE="en")
    assert "户主" in zh_list.text and "Head of household" in en_list.text
    assert "Head of household" not in zh_list.text and "户主" not in en_list.text

    client.logout()
    home = f"/t/{township_a.code}/"
    zh_home = client.get(home)
    en_home = client.get(home, HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="zh-hans"' in zh_home.text and "共登记 3 户。" in zh_home.text
    assert "<th>村</th><th>农户</th>" in zh_home.text and "登录" in zh_home.text
    assert '<html lang="en"' in en_home.text and "3 households on record." in en_home.text
    assert "<th>Village</th><th>Households</th>" in en_home.text and "Sign in" in en_home.text


def test_the_county_pages_speak_chinese_by_default_and_english_when_asked(client, township_a):
    zh_home, en_home = client.get("/"), client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert "乡镇诚信平台" in zh_home.text and "Township integrity platform" not in zh_home.text
    assert township_a.name in zh_home.text and "正常" in zh_home.text  # the status, translated
    assert "Township integrity platform" in en_home.text and "Active" in en_home.text
    user = get_user_model().objects.create_superuser("county@x.cn", "county@x.cn", "pw")
    client.force_login(user)
    zh_admin = client.get("/admin/")
    en_admin = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert "县与乡镇" in zh_admin.text and "县级管理" in zh_admin.text
    assert "Counties and townships" in en_admin.text and "County administration" in en_admin.text


def test_translation_functions_keep_names_the_extractors_know():
    """``gettext_lazy as _lazy`` hides every message from makemessages and from the catalogue
    checks above; only ``_`` and the functions' own names are extracted."""
    import ast

    unknown = []
    for directory in CHECKED_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                    for alias in node.names:
                        if alias.asname and alias.asname != "_":
                            unknown.append(
                                f"{path.relative_to(ROOT)}: {alias.name} as {alias.asname}"
                            )
    assert not unknown, "\n".join(unknown)
