"""Refusals speak the language of whoever asked; the zh-hans catalogue covers every message."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po
from django.utils import translation

from platform_core.errors import NotAllowed
from platform_core.scoring.services import LedgerError, record_entry, review_entry
from tests import factories as f
from tests.api import endpoint, gql

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Python code whose messages must all be translated.
CHECKED_DIRS = ("platform_core", "tenants", "plugins", "graphql_api")
# Modules of model and admin labels: translated in a pass of their own (with the templates).
LABEL_MODULES = {"models.py", "apps.py", "admin.py", "admin_site.py", "settings.py"}
FUTURE = dt.date(2999, 1, 1)
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _checked(path: str) -> bool:
    parts = Path(path).parts
    return (
        path.endswith(".py")
        and parts[0] in CHECKED_DIRS
        and "migrations" not in parts
        and parts[-1] not in LABEL_MODULES
    )


def _catalogue():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


# --- services -----------------------------------------------------------------------------


def test_a_refused_service_call_answers_in_the_active_language(township_a, in_township):
    with in_township(township_a):
        f.village()
        clerk = f.person()
        household, rule = f.household("V01-0001"), f.rule("P7-02")

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
        entry = f.approved("V01-0001", "P7-02", dt.date(2026, 3, 5))
        with translation.override("zh-hans"):
            with pytest.raises(NotAllowed) as refused:
                record_entry(
                    household=f.household("V01-0001"),
                    rule=f.rule("P7-02"),
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
  recordEntry(householdCode: "V01-0001", ruleCode: "P7-02", occurredOn: "2026-03-05",
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
            "field": None,
            "code": "REFUSED",
            "message": "分值 3 与规则 P7-02（-5）不符：积分记录的加减须与规则一致",
        }
    ]
    assert refused["en"]["errors"][0]["message"] == (
        "points 3 do not match rule P7-02 (-5): an entry keeps the sign of its rule"
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
        msgid = message.id[0] if message.pluralizable else message.id
        strings = message.string if message.pluralizable else (message.string,)
        where = f"{message.locations[0][0]}:{message.locations[0][1]} {msgid!r}"
        if message.fuzzy or not all(strings):
            problems.append(f"{where}: not translated")
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(msgid)) for s in strings):
            problems.append(f"{where}: placeholders differ in {strings!r}")
    assert not problems, "\n".join(problems)


def test_the_catalogue_holds_every_message_of_the_code():
    """A message added to the code without ``makemessages`` is caught here, not in production."""
    keywords = {
        **DEFAULT_KEYWORDS,
        "gettext_lazy": None,
        "gettext_noop": None,
        "pgettext_lazy": ((1, "c"), 2),
        "ngettext_lazy": (1, 2),
    }
    known = {(m.context, m.id[0] if m.pluralizable else m.id) for m in _catalogue() if m.id}
    missing = []
    for directory in CHECKED_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            if not _checked(relative):
                continue
            for line, message, _comments, context in extract_from_file(
                "python", path, keywords=keywords
            ):
                msgid = message[0] if isinstance(message, tuple) else message
                if msgid and (context, msgid) not in known:
                    missing.append(f"{relative}:{line} {msgid!r}")
    assert not missing, "run makemessages and translate:\n" + "\n".join(missing)
