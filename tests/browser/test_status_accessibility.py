"""A resident's pages after sending an application, in a real browser with JavaScript on and
off: the status page (with a request for more information open, and a payment), the page
answering that request (as shown and with its errors), the printable copy of the answers,
and the lookup form (as shown, with its errors, and its answer). axe finds no WCAG 2.2 A or
AA violation on any of them; with JavaScript, nothing logs an error or breaks the CSP.

They are served by a server of their own over a SQLite file the test can reach, so a member
of staff's moves (starting the checks, asking for evidence) are made through the workflow
itself, as the staff app makes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from accessibility import Auditor, Console
from browser_contexts import auditor_for, fresh_tab, new_context
from browsing import SUCCESS_CARD, assert_error_state, reference_on, submit
from live_borough import borough_server, in_a_thread, require_assets
from playwright.async_api import Browser, BrowserContext, Page, expect
from staff_server import answer_until_check_answers, continue_to_payment, pay

from borough.demo import load_demo
from runtime import store
from runtime.store import workflow as workflows

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

PERMIT = "apply-parking-permit"
NOTE = "Send a clearer proof of address, and check the registration number."


@dataclass(frozen=True)
class StatusServer:
    base_url: str
    database_url: str


@dataclass(frozen=True)
class Application:
    reference: str
    link: str  # the signed status link from the confirmation page


async def _prepare(url: str) -> None:
    await store.migrate(url)
    await store.connect(url)
    try:
        await load_demo()
    finally:
        await store.disconnect()


async def _ask_for_evidence(url: str, reference: str) -> None:
    """A caseworker starts the checks and asks for evidence, through the workflow."""
    await store.connect(url)
    try:
        council = await store.get_council("demo")
        assert council is not None
        user = await store.staff.create_user("casey@demo.borough.test", "Casey Caseworker", None)
        submission = await store.get_by_reference(council, reference)
        assert submission is not None
        for move in (workflows.Move("START_CHECKS", actor=user),
                     workflows.Move("REQUEST_EVIDENCE", actor=user, note=NOTE,
                                    data={"pages": ["registration", "proof-of-address"]})):
            await workflows.transition(council, submission.id, move, None)
    finally:
        await store.disconnect()


@pytest.fixture(scope="session")
def status_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StatusServer]:
    require_assets()
    folder = tmp_path_factory.mktemp("status-server")
    database_url = f"sqlite:///{folder / 'borough.db'}"
    in_a_thread(_prepare(database_url))
    with borough_server(folder, database_url, secret_key="status-browser-test-secret-" + "x" * 32,
                        ready_path="/demo", name="the status server",
                        env={"BOROUGH_EMBEDDED_WORKER": "0", "BOROUGH_SERVE_MODE": None}) as base_url:
        yield StatusServer(base_url, database_url)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def application(browser: Browser, status_server: StatusServer) -> Application:
    """A parking permit a resident applied and paid for, for which the council then asked for evidence."""
    context = await new_context(browser, status_server.base_url, javascript=False)
    try:
        page = await context.new_page()
        await answer_until_check_answers(page, PERMIT)
        await submit(page, continue_to_payment(page))
        await pay(page, SUCCESS_CARD)
        reference = await reference_on(page)
        link = await page.locator("main").get_by_role("link", name="check the progress of your application").get_attribute("href")
        assert link is not None and link.startswith(f"/demo/status/{reference}/")
    finally:
        await context.close()
    in_a_thread(_ask_for_evidence(status_server.database_url, reference))
    return Application(reference, link)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def status_js_context(browser: Browser, status_server: StatusServer) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, status_server.base_url, javascript=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def status_no_js_context(browser: Browser, status_server: StatusServer) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, status_server.base_url, javascript=False)
    yield context
    await context.close()


@pytest.fixture
def status_context(request: pytest.FixtureRequest, javascript: bool) -> BrowserContext:
    """The status server's browser with JavaScript on or off (chosen outside the event loop)."""
    chosen: BrowserContext = request.getfixturevalue("status_js_context" if javascript else "status_no_js_context")
    return chosen


@pytest_asyncio.fixture(loop_scope="session")
async def status_page(status_context: BrowserContext) -> AsyncIterator[Page]:
    async with fresh_tab(status_context) as tab:
        yield tab


@pytest_asyncio.fixture(loop_scope="session")
async def status_auditor(javascript: bool, status_js_context: BrowserContext) -> AsyncIterator[Auditor]:
    async with auditor_for(javascript, status_js_context) as audit:
        yield audit


async def follow(page: Page, name: str, role: str = "link") -> None:
    async with page.expect_navigation():
        await page.locator("main").get_by_role(role, name=name).click()  # type: ignore[arg-type]


async def test_the_status_answers_and_provide_pages(status_page: Page, status_auditor: Auditor,
                                                   application: Application) -> None:
    page, auditor = status_page, status_auditor
    console = Console().watch(page)
    await page.goto(application.link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your application")
    main = page.locator("main")
    await expect(main.locator(".govuk-tag")).to_have_text("Waiting for evidence")
    await expect(main).to_contain_text(NOTE)
    await expect(main).to_contain_text("Amount paid")
    await auditor.check(page, "status, evidence asked for, paid")

    await follow(page, "View or print a copy of your answers")
    await expect(page.get_by_role("heading", level=1)).to_have_text("A copy of your answers")
    await expect(main.get_by_role("link", name="Print this page")).to_be_visible()
    await auditor.check(page, "copy of the answers")

    await page.goto(application.link)
    await follow(page, "Provide the information", "button")  # a link styled as a button says it is one
    await expect(page.get_by_role("heading", level=1)).to_have_text("Provide the information")
    await auditor.check(page, "provide the information")
    await page.get_by_label("What is the vehicle's registration number?").fill("")
    await submit(page, main.get_by_role("button", name="Send the information"))
    await assert_error_state(page, "provide the information, empty")
    await auditor.check(page, "provide the information, with errors")

    await page.goto(application.link + "?lang=cy")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Eich cais")
    await auditor.check(page, "status, in Welsh")
    assert not console.errors, "\n".join(console.errors)


async def test_the_lookup_form(status_page: Page, status_auditor: Auditor, application: Application) -> None:
    page, auditor = status_page, status_auditor
    console = Console().watch(page)
    await page.goto("/demo/status")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check the progress of your application")
    await auditor.check(page, "lookup")
    button = page.locator("main").get_by_role("button", name="Send me a link")
    await submit(page, button)
    await assert_error_state(page, "lookup, empty")
    await auditor.check(page, "lookup, with errors")
    await page.get_by_label("Reference number").fill(application.reference)
    await page.get_by_label("Email address").fill("resident@example.com")
    await submit(page, button)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    await expect(page.locator("main")).to_contain_text("If the details match an application, we have emailed a link to it.")
    await auditor.check(page, "lookup, answered")
    assert not console.errors, "\n".join(console.errors)
