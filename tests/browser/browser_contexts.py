"""What each live server's browser fixtures share (tests/browser/conftest.py, staff_server.py,
test_status_accessibility.py): a browser context on the server, with JavaScript on or off, a
fresh tab in it, and an axe Auditor for the tab's pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from accessibility import CSP_RECORDER, Auditor, inspector_for
from playwright.async_api import Browser, BrowserContext, Page


async def new_context(browser: Browser, base_url: str, *, javascript: bool) -> BrowserContext:
    """A browser context on `base_url`; with JavaScript, it records CSP violations."""
    context = await browser.new_context(
        base_url=base_url, java_script_enabled=javascript, locale="en-GB",
        viewport={"width": 1024, "height": 800},
    )
    context.set_default_timeout(10_000)
    if javascript:
        await context.add_init_script(CSP_RECORDER)
    return context


@asynccontextmanager
async def fresh_tab(context: BrowserContext) -> AsyncIterator[Page]:
    """A new tab in `context`, with no cookies left from an earlier test; closed after it."""
    await context.clear_cookies()
    tab = await context.new_page()
    try:
        yield tab
    finally:
        await tab.close()


@asynccontextmanager
async def auditor_for(javascript: bool, js_context: BrowserContext) -> AsyncIterator[Auditor]:
    """axe for a test's pages; without JavaScript it audits copies in a tab of `js_context`."""
    if javascript:
        yield Auditor()
        return
    inspector = await inspector_for(await js_context.new_page())
    try:
        yield Auditor(inspector)
    finally:
        await inspector.close()
