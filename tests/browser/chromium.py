"""Which Chromium the browser tests drive, and what happens when there is none.

``choose()`` is the decision alone (unit-tested in ``tests/test_browser_choice.py``);
``find()`` looks at this machine: ``PLAYWRIGHT_CHROMIUM``, a system browser on
PATH, Playwright's own download (tried once, bounded by a timeout). Without a
browser the tests are skipped with one line saying how to enable them, unless
``REQUIRE_BROWSER=1`` (set by ``.ci/run``) asks for a failure instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

SYSTEM_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_SECONDS = 90  # Playwright's download: bounded so an offline machine is not held up
HOW_TO_ENABLE = (
    "to run them install Chromium (Debian: `apt-get install chromium`), or "
    "`.venv/bin/python -m playwright install chromium`, or set PLAYWRIGHT_CHROMIUM to a "
    "Chromium executable"
)


@dataclass(frozen=True)
class Choice:
    action: Literal["run", "skip", "fail"]
    executable: str | None = None  # with "run": None means Playwright's own download
    reason: str = ""


def required(env: Mapping[str, str]) -> bool:
    """``REQUIRE_BROWSER`` set to anything but empty, 0, false or no."""
    return env.get("REQUIRE_BROWSER", "").strip().lower() not in {"", "0", "false", "no"}


def choose(
    env: Mapping[str, str],
    system: str | None,
    downloaded: Callable[[], bool],
    is_executable: Callable[[str], bool] = lambda path: os.access(path, os.X_OK),
) -> Choice:
    """Run with the browser found, else skip — or fail when ``REQUIRE_BROWSER`` is set.

    ``system`` is the browser found on PATH; ``downloaded()`` says whether Playwright's
    own Chromium is (or could now be made) available, and is only asked when needed.
    """
    named = env.get("PLAYWRIGHT_CHROMIUM", "").strip()
    if named:
        if is_executable(named):
            return Choice("run", named)
        missing = f"PLAYWRIGHT_CHROMIUM={named} is not an executable file"
    elif system:
        return Choice("run", system)
    elif downloaded():
        return Choice("run", None)
    else:
        missing = (
            f"no Chromium found ({', '.join(SYSTEM_BROWSERS)} not on PATH, "
            "PLAYWRIGHT_CHROMIUM unset) and Playwright could not download its own"
        )
    if required(env):
        return Choice("fail", reason=f"REQUIRE_BROWSER is set but {missing}; {HOW_TO_ENABLE}.")
    return Choice(
        "skip",
        reason=f"Browser tests skipped: {missing}; {HOW_TO_ENABLE} "
        "(REQUIRE_BROWSER=1 turns this skip into a failure).",
    )


def system_chromium() -> str | None:
    for name in SYSTEM_BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_chromium(timeout: float = INSTALL_SECONDS) -> bool:
    """Playwright's own Chromium is there, or ``playwright install chromium`` just got it."""
    if _playwright_executable_exists():
        return True
    try:
        done = subprocess.run(
            [sys.executable, "-m", "playwright", "install", "chromium"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and _playwright_executable_exists()


def _playwright_executable_exists() -> bool:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        return os.path.exists(playwright.chromium.executable_path)


_found: Choice | None = None


def find() -> Choice:
    """This machine's choice, decided once per test session."""
    global _found
    if _found is None:
        _found = choose(os.environ, system_chromium(), playwright_chromium)
    return _found
