"""Browser tests without a browser: skipped with one line saying how to enable them, or a
failure when ``REQUIRE_BROWSER`` asks for one (CI). The decision alone, no browser needed."""

from __future__ import annotations

import pytest

from tests.browser import chromium
from tests.browser.chromium import Choice, choose


def _never() -> bool:
    raise AssertionError("Playwright's download was tried although a browser was found")


def _yes(path: str) -> bool:
    return True


def _no(path: str) -> bool:
    return False


def test_finding_0_missing_browser_skips_with_one_line_saying_how_to_enable():
    choice = choose({}, None, lambda: False)
    assert choice.action == "skip"
    assert "\n" not in choice.reason
    assert "no Chromium found" in choice.reason
    assert "apt-get install chromium" in choice.reason
    assert "playwright install chromium" in choice.reason
    assert "PLAYWRIGHT_CHROMIUM" in choice.reason
    assert "REQUIRE_BROWSER=1" in choice.reason


@pytest.mark.parametrize("value", ["1", "yes", "true"])
def test_finding_0_missing_browser_fails_when_required(value):
    choice = choose({"REQUIRE_BROWSER": value}, None, lambda: False)
    assert choice.action == "fail"
    assert "REQUIRE_BROWSER is set but no Chromium found" in choice.reason
    assert "apt-get install chromium" in choice.reason


@pytest.mark.parametrize("value", ["", "0", "false", "no", " 0 "])
def test_require_browser_off_values_still_skip(value):
    assert choose({"REQUIRE_BROWSER": value}, None, lambda: False).action == "skip"


def test_a_system_browser_runs_without_trying_the_download():
    assert choose({}, "/usr/bin/chromium", _never) == Choice("run", "/usr/bin/chromium")
    required = {"REQUIRE_BROWSER": "1"}
    assert choose(required, "/usr/bin/chromium", _never).action == "run"


def test_playwright_chromium_wins_over_the_system_one_when_executable():
    env = {"PLAYWRIGHT_CHROMIUM": "/opt/chrome/chrome"}
    assert choose(env, "/usr/bin/chromium", _never, is_executable=_yes) == Choice(
        "run", "/opt/chrome/chrome"
    )


def test_a_bad_playwright_chromium_is_named_not_silently_replaced():
    env = {"PLAYWRIGHT_CHROMIUM": "/nowhere/chrome"}
    skipped = choose(env, "/usr/bin/chromium", _never, is_executable=_no)
    assert skipped.action == "skip"
    assert "PLAYWRIGHT_CHROMIUM=/nowhere/chrome is not an executable file" in skipped.reason
    failed = choose({**env, "REQUIRE_BROWSER": "1"}, None, _never, is_executable=_no)
    assert failed.action == "fail" and "/nowhere/chrome" in failed.reason


def test_playwrights_own_download_is_used_when_there_is_no_system_browser():
    assert choose({}, None, lambda: True) == Choice("run", None)


def test_a_download_that_hangs_counts_as_missing(monkeypatch):
    import subprocess

    monkeypatch.setattr(chromium, "_playwright_executable_exists", lambda: False)

    def hangs(*args, timeout, **kwargs):
        raise subprocess.TimeoutExpired(args[0], timeout)

    monkeypatch.setattr(chromium.subprocess, "run", hangs)
    assert chromium.playwright_chromium(timeout=0.1) is False
