"""Browser tests: Playwright driving Debian's chromium against the app; skipped with a reason where either is missing.

`run-tests.sh` installs chromium when it runs as root and playwright with the dev requirements.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app_server import running_app

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package")
def playwright():
    """Playwright's sync API, started once for the browser tests (a second start while it runs is refused), and
    `chromium`'s path; skips the test when chromium or playwright is not installed.

    Package-scoped, not session-scoped: the sync API keeps an event loop running in the main thread while it is
    open, which would break `asyncio.run` in every test collected after the browser tests.
    """
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("browser test skipped: Debian's chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser test skipped: playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        yield playwright, executable


@pytest.fixture(scope="package")
def browser(playwright):
    """A headless chromium, launched once for the browser tests. Each test still gets its own context (`page`), so
    no cookies or storage carry over."""
    api, executable = playwright
    browser = api.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh page (its own context: no shared cookies or storage), closed after the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture(scope="package")
def shared_app(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """One app (base URL, data folder) for the browser tests whose data do not meet: each writes its own voices,
    runs and files under the folder, so they need not start an app each (a start costs seconds)."""
    folder = tmp_path_factory.mktemp("shared_app")
    with running_app(folder) as url:
        yield url, folder
