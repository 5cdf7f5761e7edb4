"""A real browser against a real server: the resident app served by uvicorn in a subprocess,
on a fresh SQLite file with the demo council, driven by Debian's Chromium through Playwright.

Chromium must be at ``/usr/lib/chromium/chromium`` (``apt-get install -y chromium``); without
it every browser test is skipped, unless ``BOROUGH_REQUIRE_BROWSER=1`` makes it fail.

The tests use Playwright's async API on the session's event loop (mark a test module with
``pytest.mark.asyncio(loop_scope="session")``). Not the sync API: while it lives it leaves an
event loop marked as running in the main thread, and every async test after it would fail.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import pytest_asyncio
from accessibility import CSP_RECORDER, Auditor, inspector_for
from playwright.async_api import Browser, BrowserContext, Error, Page, Playwright, async_playwright

from borough.demo import load_demo
from runtime import store
from runtime.web.settings import ROOT

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
MISSING = "Chromium is not installed: apt-get install -y chromium"
SERVER_START_SECONDS = 30
ASSETS = ROOT / "themes" / "static" / "build"


def _unavailable(message: str) -> None:
    if os.environ.get("BOROUGH_REQUIRE_BROWSER") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _prepare_database(url: str) -> None:
    await store.migrate(url)
    await store.connect(url)
    try:
        await load_demo()
    finally:
        await store.disconnect()


def _wait_until_serving(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/demo", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {SERVER_START_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        _unavailable(MISSING)
    return CHROMIUM


@pytest.fixture(scope="session")
def live_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the resident app, served by uvicorn in a subprocess over a demo database."""
    if not (ASSETS / "council.css").is_file():
        pytest.fail("the theme's assets are not built: run `make assets`", pytrace=False)
    folder = tmp_path_factory.mktemp("live-server")
    database_url = f"sqlite:///{folder / 'borough.db'}"
    # In a thread of its own: this one may be inside the session's event loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, _prepare_database(database_url)).result()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "BOROUGH_DATABASE_URL": database_url,
        "BOROUGH_SECRET_KEY": "browser-test-secret-" + "x" * 32,
        "BOROUGH_BASE_URL": base_url,
        "BOROUGH_FILES_DIR": str(folder / "files"),
        "BOROUGH_VAR_DIR": str(folder / "var"),
        "BOROUGH_ENV": "test",
    }
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "borough.app:app_from_environment",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(base_url, server, log)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


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


async def _context(browser: Browser, base_url: str, *, javascript: bool) -> BrowserContext:
    context = await browser.new_context(
        base_url=base_url, java_script_enabled=javascript, locale="en-GB",
        viewport={"width": 1024, "height": 800},
    )
    context.set_default_timeout(10_000)
    if javascript:
        await context.add_init_script(CSP_RECORDER)
    return context


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def js_context(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    """A browser with JavaScript on, for the whole session."""
    context = await _context(browser, live_server, javascript=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def no_js_context(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    """A browser with JavaScript off, for the whole session: every journey must still complete."""
    context = await _context(browser, live_server, javascript=False)
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
    await context.clear_cookies()
    tab = await context.new_page()
    yield tab
    await tab.close()


@pytest_asyncio.fixture(loop_scope="session")
async def auditor(javascript: bool, js_context: BrowserContext) -> AsyncIterator[Auditor]:
    """axe for the pages of this test; without JavaScript it audits copies in a tab of its own."""
    if javascript:
        yield Auditor()
        return
    inspector = await inspector_for(await js_context.new_page())
    yield Auditor(inspector)
    await inspector.close()
