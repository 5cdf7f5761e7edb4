"""axe finds no WCAG 2.2 A or AA violation on the webhook pages, with JavaScript on and off:
the list of webhooks, an endpoint's messages (delivered, waiting and not delivered, and while
it is signed with two secrets), the messages not delivered, and replacing the signing secret
(asking, then the new secret shown once). With JavaScript, nothing logs an error or breaks
the CSP.

They are served by a server of their own over a SQLite file prepared first: an endpoint is
subscribed, applications are sent (each queues a message through the workflow), one message
is delivered through the workers' own store calls and one is dead-lettered. The server's
embedded worker is off, so nothing moves while the pages are checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from accessibility import Auditor, Console
from browser_contexts import auditor_for, fresh_tab, new_context
from live_borough import borough_server, in_a_thread, require_assets
from playwright.async_api import Browser, BrowserContext, Page, expect
from quick_passwords import quick_hash

from borough.demo import load_demo
from runtime import store
from runtime.store.models import WebhookDelivery

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SECRET_KEY = "webhook-browser-test-secret-" + "x" * 32
ADMIN_EMAIL = "wren.admin@demo.borough.test"
PASSWORD = "Copper kettle meadow 17"
HOOK = "https://crm.demo.example/borough-hook"
HERE = "/staff/demo/webhooks"


@dataclass(frozen=True)
class WebhookServer:
    base_url: str
    endpoint_id: int
    delivered: str  # event ids
    pending: str
    dead: str


async def _prepare(url: str) -> tuple[int, str, str, str]:

    await store.migrate(url)
    await store.connect(url)
    try:
        council = await load_demo()
        admin = await store.staff.create_user(ADMIN_EMAIL, "Wren Admin", quick_hash(PASSWORD))
        await store.staff.grant(admin, council, ["admin"])
        endpoint = await store.webhooks.add_endpoint(council, store.SecretBox(SECRET_KEY), HOOK, "first-secret",
                                                     list(store.webhooks.EVENTS))
        version = (await store.latest_versions(council))[0]
        for _ in range(3):
            journey = await store.start_journey(council, version)
            await store.submit(journey, {}, "received")
        delivered, pending, dead = await WebhookDelivery.filter(endpoint_id=endpoint.id).order_by("id")
        moment = datetime.now(UTC)
        claimed = await store.webhooks.claim_delivery(delivered.id, delivered.attempts, moment, timedelta(minutes=2))
        assert claimed is not None and await store.webhooks.mark_delivered(claimed, moment, 204)
        await WebhookDelivery.filter(id=dead.id).update(dead_at=moment, attempts=32, last_status=500,
                                                        last_error="HTTP 500: the receiver failed")
        return endpoint.id, delivered.event_id, pending.event_id, dead.event_id
    finally:
        await store.disconnect()


@pytest.fixture(scope="session")
def webhook_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebhookServer]:
    require_assets()
    folder = tmp_path_factory.mktemp("webhook-server")
    database_url = f"sqlite:///{folder / 'borough.db'}"
    endpoint_id, delivered, pending, dead = in_a_thread(_prepare(database_url))
    with borough_server(folder, database_url, secret_key=SECRET_KEY, ready_path="/staff/sign-in",
                        name="the webhook server",
                        env={"BOROUGH_EMBEDDED_WORKER": "0", "BOROUGH_SERVE_MODE": None}) as base_url:
        yield WebhookServer(base_url, endpoint_id, delivered, pending, dead)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def webhook_js_context(browser: Browser, webhook_server: WebhookServer) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, webhook_server.base_url, javascript=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def webhook_no_js_context(browser: Browser, webhook_server: WebhookServer) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, webhook_server.base_url, javascript=False)
    yield context
    await context.close()


@pytest.fixture
def webhook_context(request: pytest.FixtureRequest, javascript: bool) -> BrowserContext:
    """The webhook server's browser with JavaScript on or off (chosen outside the event loop)."""
    chosen: BrowserContext = request.getfixturevalue("webhook_js_context" if javascript else "webhook_no_js_context")
    return chosen


@pytest_asyncio.fixture(loop_scope="session")
async def webhook_page(webhook_context: BrowserContext) -> AsyncIterator[Page]:
    async with fresh_tab(webhook_context) as tab:
        yield tab


@pytest_asyncio.fixture(loop_scope="session")
async def webhook_auditor(javascript: bool, webhook_js_context: BrowserContext) -> AsyncIterator[Auditor]:
    async with auditor_for(javascript, webhook_js_context) as audit:
        yield audit


async def sign_in(page: Page) -> None:
    await page.goto(HERE)
    assert "/staff/sign-in" in page.url
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    async with page.expect_navigation():
        await page.locator("main").get_by_role("button", name="Sign in", exact=True).click()


async def press(page: Page, name: str, role: str = "button") -> None:
    async with page.expect_navigation():
        await page.locator("main").get_by_role(role, name=name, exact=True).click()  # type: ignore[arg-type]


async def test_the_webhook_pages(webhook_page: Page, webhook_auditor: Auditor, webhook_server: WebhookServer) -> None:
    page, auditor, server = webhook_page, webhook_auditor, webhook_server
    console = Console().watch(page)
    await sign_in(page)
    await page.goto(HERE)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    await expect(page.locator("main")).to_contain_text(HOOK)
    await auditor.check(page, "webhooks")

    endpoint = f"{HERE}/{server.endpoint_id}"
    await page.goto(endpoint)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Webhook messages")
    table = page.locator("main table")
    for event_id, tag in ((server.delivered, "Delivered"), (server.pending, "Waiting to send"),
                          (server.dead, "Not delivered")):
        await expect(table.locator("tr", has_text=event_id).locator(".govuk-tag")).to_have_text(tag)
    await auditor.check(page, "an endpoint's messages")

    await page.goto(f"{HERE}/not-delivered")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Webhook messages not delivered")
    await expect(page.locator("main table")).to_contain_text(server.dead)
    await auditor.check(page, "messages not delivered")

    await page.goto(endpoint)
    await press(page, "Rotate signing secret", "button")  # a link styled as a button says it is one
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to make a new signing secret?")
    await auditor.check(page, "rotate the signing secret, asked")
    await press(page, "Make a new signing secret")
    await expect(page.get_by_role("alert")).to_contain_text("New signing secret made")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your new signing secret")
    await expect(page.locator("#signing-secret")).not_to_be_empty()
    await auditor.check(page, "rotate the signing secret, the new secret shown")
    await press(page, "I have copied the secret: back to the webhook", "link")
    await expect(page.locator("main").get_by_role("button", name="Stop signing with the old secret")).to_be_visible()
    await auditor.check(page, "an endpoint's messages, signed with two secrets")
    await press(page, "Stop signing with the old secret")
    await expect(page.locator("main")).to_contain_text("Messages are now signed with the new secret only")
    await auditor.check(page, "an endpoint's messages, the old secret stopped")
    assert not console.errors, "\n".join(console.errors)
