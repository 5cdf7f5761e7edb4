"""A second live server, for the staff pages: uvicorn in a subprocess over a SQLite file of its
own, with the demo council, an admin (who is also an installation operator), a password reset
link and an invitation, each issued through the store as the app itself issues them.

A test module uses these fixtures with ``pytest_plugins = ["staff_server"]``. They build on
tests/browser/conftest.py: its `browser` (and so its rule that a missing Chromium skips, or
fails with BOROUGH_REQUIRE_BROWSER=1) and its `javascript` parameter (each test runs with
JavaScript on, then off). The helpers at the end answer a fee service and pay for it, for
the staff's application page and for the payment tests.

(Test modules import its helpers before pytest loads it as a plugin, too late for pytest to
rewrite its asserts, which would warn: PYTEST_DONT_REWRITE says its plain asserts will do.)
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from accessibility import Auditor, inspector_for
from browser_contexts import fresh_tab, new_context
from browsing import (
    CHOICES,
    SUCCESS_CARD,
    answer,
    code,
    fill_card,
    main_button,
    press,
    reference_on,
    submit,
    walker,
)
from database_templates import run_folder, sqlite_template
from live_borough import borough_server, in_a_thread, require_assets
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
from quick_passwords import quick_hash

from runtime import store

COUNCIL = "demo"
ADMIN_EMAIL = "ada.admin@demo.borough.test"
ADMIN_NAME = "Ada Admin"
PASSWORD = "Plum orchard lantern 42"  # 12 or more characters, not the email's name
INVITED_EMAIL = "new.colleague@demo.borough.test"
FEE_SERVICE = "subscribe-garden-waste"  # priced per bin by the server


@dataclass(frozen=True)
class StaffServer:
    base_url: str
    reset_token: str  # a password reset link for the admin, unused
    invitation_token: str  # an invitation to the demo council for INVITED_EMAIL, unused

    @property
    def reset_path(self) -> str:
        return f"/staff/password-reset/{self.reset_token}"

    @property
    def invitation_path(self) -> str:
        return f"/staff/invitations/{self.invitation_token}"


async def _prepare_database(url: str) -> tuple[str, str]:
    from runtime.staff import auth

    await store.connect(url)
    try:
        council = await store.get_council("demo")  # the demo template's: borough.demo.load_demo made it
        assert council is not None
        admin = await store.staff.create_user(ADMIN_EMAIL, ADMIN_NAME, quick_hash(PASSWORD), operator=True)
        await store.staff.grant(admin, council, list(store.staff.ROLES))
        reset = await store.staff.issue_token("reset", ADMIN_EMAIL, lifetime=auth.RESET_LIFETIME)
        invitation = await store.staff.issue_token("invitation", INVITED_EMAIL, lifetime=auth.INVITATION_LIFETIME,
                                                   council=council, roles=["caseworker"], created_by=admin)
        return reset, invitation
    finally:
        await store.disconnect()


@pytest.fixture(scope="session")
def staff_server(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaffServer]:
    """Residents at / and staff at /staff, as `borough serve` runs them, on a database of its own."""
    require_assets()
    folder = tmp_path_factory.mktemp("staff-server")
    template = in_a_thread(sqlite_template(run_folder(tmp_path_factory.getbasetemp()), "demo"))
    shutil.copyfile(template, folder / "borough.db")
    database_url = f"sqlite:///{folder / 'borough.db'}"
    reset, invitation = in_a_thread(_prepare_database(database_url))
    with borough_server(folder, database_url, secret_key="staff-browser-test-secret-" + "x" * 32,
                        ready_path="/staff/sign-in", name="the staff server",
                        env={"BOROUGH_EMBEDDED_WORKER": "0", "BOROUGH_SERVE_MODE": None}) as base_url:
        yield StaffServer(base_url, reset, invitation)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def staff_js_context(browser: Browser, staff_server: StaffServer) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, staff_server.base_url, javascript=True)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def staff_no_js_context(browser: Browser, staff_server: StaffServer) -> AsyncIterator[BrowserContext]:
    context = await new_context(browser, staff_server.base_url, javascript=False)
    yield context
    await context.close()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def staff_inspector(staff_js_context: BrowserContext) -> AsyncIterator[Page]:
    """One inspector (see accessibility.Auditor) on the staff server's origin for the session."""
    inspector = await inspector_for(await staff_js_context.new_page())
    yield inspector
    await inspector.close()


@pytest.fixture
def staff_context(request: pytest.FixtureRequest, javascript: bool) -> BrowserContext:
    """The staff server's browser with JavaScript on or off."""
    chosen: BrowserContext = request.getfixturevalue("staff_js_context" if javascript else "staff_no_js_context")
    return chosen


@pytest_asyncio.fixture(loop_scope="session")
async def staff_page(staff_context: BrowserContext) -> AsyncIterator[Page]:
    """A new tab on the staff server, with no cookies left from an earlier test; closed after it."""
    async with fresh_tab(staff_context) as tab:
        yield tab


@pytest.fixture
def staff_auditor(request: pytest.FixtureRequest, javascript: bool) -> Auditor:
    """axe for the staff pages; without JavaScript it audits copies in the session's inspector."""
    return Auditor() if javascript else Auditor(request.getfixturevalue("staff_inspector"))


@dataclass(frozen=True)
class PaidApplication:
    reference: str
    day: datetime.date  # of its payment, in UTC: the day reconciliation lists it


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def paid_application(browser: Browser, staff_server: StaffServer) -> PaidApplication:
    """An application a resident has paid for, on the staff server."""
    context = await new_context(browser, staff_server.base_url, javascript=False)
    try:
        page = await context.new_page()
        for _ in range(2):  # again if the payment began as midnight passed, when its day is unclear
            await context.clear_cookies()
            await answer_until_check_answers(page, FEE_SERVICE)
            before = datetime.datetime.now(datetime.UTC).date()
            await submit(page, continue_to_payment(page))
            if datetime.datetime.now(datetime.UTC).date() == before:
                break
        await pay(page, SUCCESS_CARD)
        await expect(page.locator("main")).to_contain_text("You paid £")
        return PaidApplication(await reference_on(page), before)
    finally:
        await context.close()


async def sign_in_as_admin(page: Page) -> None:
    """The admin (designer, publisher, caseworker, operator) signed in, in `page`'s context."""
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))


# A resident who pays ----------------------------------------------------------------------------

def continue_to_payment(page: Page) -> Locator:
    return page.locator("main form").get_by_role("button", name="Continue to payment")


async def answer_until_check_answers(page: Page, service_id: str, council: str = COUNCIL) -> None:
    """From the start page, answer each question by its label with the walker's values (and the
    first option of each choice), up to check your answers."""
    service = walker.service(service_id)
    await page.goto(f"/{council}/{service_id}")
    await submit(page, page.get_by_role("button", name="Start now"))
    for _ in range(30):
        key, _item = walker.page_id(page.url, service_id)
        if key == "check-answers":
            return
        step = service.page(key)
        assert step is not None, page.url
        chosen: set[str] = set()
        for fld in step.fields:
            if fld.revealed_by is None:
                await answer(page, fld)
                if fld.widget in CHOICES:
                    chosen.add(f"{fld.name}={code(fld.options[0][0])}")
        for fld in step.fields:
            if fld.revealed_by is not None and f"{fld.revealed_by[0]}={fld.revealed_by[1]}" in chosen:
                await answer(page, fld)
        await submit(page)
        summary = page.locator(".govuk-error-summary")
        assert await summary.count() == 0, f"{key} refused the answers: {await summary.inner_text()}"
    raise AssertionError(f"{service_id} never reached check your answers")


async def pay(page: Page, card: str) -> None:
    """On the sandbox's card page: enter `card` and press Continue."""
    assert "/_sandbox/pay/" in page.url, page.url
    await fill_card(page, card)
    await submit(page, page.locator("main").get_by_role("button", name="Continue", exact=True))
