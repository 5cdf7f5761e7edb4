"""A real browser against a real server: the resident app served by uvicorn in a subprocess,
on a fresh SQLite file with the demo council, driven by Debian's Chromium through Playwright.

Chromium must be at ``/usr/lib/chromium/chromium`` (``apt-get install -y chromium``); without
it every browser test is skipped, unless ``BOROUGH_REQUIRE_BROWSER=1`` makes it fail.

The tests use Playwright's async API on the session's event loop (mark a test module with
``pytest.mark.asyncio(loop_scope="session")``). Not the sync API: while it lives it leaves an
event loop marked as running in the main thread, and every async test after it would fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from accessibility import Auditor
from browser_contexts import auditor_for, fresh_tab, new_context
from database_templates import run_folder, sqlite_template
from live_borough import borough_server, in_a_thread, require_assets
from playwright.async_api import Browser, BrowserContext, Error, Page, Playwright, async_playwright

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
MISSING = "Chromium is not installed: apt-get install -y chromium"


def _unavailable(message: str) -> None:
    if os.environ.get("BOROUGH_REQUIRE_BROWSER") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        _unavailable(MISSING)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the resident app, served by uvicorn in a subprocess over a demo database."""
    require_assets()
    folder = tmp_path_factory.mktemp("live-server")
    # A copy of the demo template the other tests copy too (tests/database_templates.py).
    template = in_a_thread(sqlite_template(run_folder(tmp_path_factory.getbasetemp()), "demo"))
    shutil.copyfile(template, folder / "borough.db")
    database_url = f"sqlite:///{folder / 'borough.db'}"
    with borough_server(folder, database_url, secret_key="browser-test-secret-" + "x" * 32, ready_path="/demo") as base_url:
        yield base_url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as driver:
        yield driver


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(playwright: Playwright, chromium_path: Path) -> AsyncIterator[Browser]:
    try:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS,
        )
    except Error as error:
        _unavailable(f"{MISSING} ({error.message.splitlines()[0]})")
    try:
        yield launched
    finally:
        await launched.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def js_context(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    """A browser with JavaScript on, for the whole session."""
    context = await new_context(browser, live_server, javascript=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def no_js_context(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    """A browser with JavaScript off, for the whole session: every journey must still complete."""
    context = await new_context(browser, live_server, javascript=False)
    yield context
    await context.close()


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def javascript(request: pytest.FixtureRequest) -> bool:
    """Each test that takes `context` runs twice: with JavaScript on, then off."""
    return bool(request.param)


@pytest.fixture
def context(request: pytest.FixtureRequest, javascript: bool) -> BrowserContext:
    """The browser with JavaScript on or off."""
    chosen: BrowserContext = request.getfixturevalue("js_context" if javascript else "no_js_context")
    return chosen


@pytest_asyncio.fixture(loop_scope="session")
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    """A new tab in `context`, with no cookies left from an earlier test; closed after it."""
    async with fresh_tab(context) as tab:
        yield tab


@pytest_asyncio.fixture(loop_scope="session")
async def auditor(javascript: bool, js_context: BrowserContext) -> AsyncIterator[Auditor]:
    """axe for the pages of this test; without JavaScript it audits copies in a tab of its own."""
    async with auditor_for(javascript, js_context) as audit:
        yield audit
