"""axe finds no WCAG 2.2 A or AA violation on any staff page, as shown and with its errors, with
JavaScript on and off; with JavaScript, GOV.UK Frontend starts and nothing breaks the
Content-Security-Policy or logs an error. The admin signs in with the keyboard only.

The pages are served by a server of their own (tests/browser/staff_server.py), with an admin
who is also an installation operator, a password reset link, an invitation, and an
application a resident has paid for.
"""

from __future__ import annotations

import re

import pytest
from accessibility import Auditor, Console
from browsing import assert_error_state, main_button, press
from playwright.async_api import Locator, Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, INVITED_EMAIL, PASSWORD, PaidApplication, StaffServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

MOST_TABS = 40
STAFF = "/staff"
HERE = f"{STAFF}/{COUNCIL}"


async def visit(page: Page, path: str, heading: str | re.Pattern[str], status: int = 200) -> None:
    response = await page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response and response.status}"
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)


class Pages:
    """Audits each page it is shown; `errors` also checks that the page says what is wrong."""

    def __init__(self, page: Page, auditor: Auditor) -> None:
        self.page = page
        self.auditor = auditor
        self.console = Console().watch(page)

    async def shown(self, state: str) -> None:
        await self.auditor.check(self.page, state)

    async def errors(self, state: str, *messages: str) -> None:
        await assert_error_state(self.page, state)
        summary = self.page.locator(".govuk-error-summary")
        for message in messages:
            await expect(summary).to_contain_text(message)
        await self.auditor.check(self.page, f"{state}, with errors")

    def assert_quiet(self) -> None:
        assert not self.console.errors, "\n".join(self.console.errors)


async def focused(target: Locator) -> bool:
    return bool(await target.evaluate("element => element === document.activeElement"))


async def tab_to(page: Page, target: Locator) -> None:
    for _ in range(MOST_TABS):
        if await focused(target):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"{MOST_TABS} presses of Tab never reached {target} on {page.url}")


async def sign_in_with_the_keyboard(page: Page) -> None:
    await page.goto(f"{STAFF}/")
    assert page.url.endswith(f"{STAFF}/sign-in"), page.url
    await tab_to(page, page.get_by_label("Email address"))
    await page.keyboard.type(ADMIN_EMAIL)
    await tab_to(page, page.get_by_label("Password", exact=True))
    await page.keyboard.type(PASSWORD)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert page.url.endswith(f"{STAFF}/councils"), page.url


async def test_pages_before_signing_in(staff_page: Page, staff_auditor: Auditor, staff_server: StaffServer) -> None:
    """Sign in, a forgotten password, a reset link and an invitation, each with its errors."""
    page, pages = staff_page, Pages(staff_page, staff_auditor)
    await page.goto(f"{STAFF}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    await pages.shown("sign in")
    await press(page, main_button(page, "Sign in"))
    await pages.errors("sign in", "Enter a correct email address and password")

    await press(page, page.get_by_role("link", name="I have forgotten my password"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    await pages.shown("password reset request")
    await press(page, main_button(page, "Send me a link"))
    await pages.errors("password reset request", "Enter your email address")
    await page.get_by_label("Email address").fill("not an email address")
    await press(page, main_button(page, "Send me a link"))
    await assert_error_state(page, "password reset request, not an email address")
    await page.get_by_label("Email address").fill("nobody@example.com")
    await press(page, main_button(page, "Send me a link"))
    await expect(page.locator("main")).to_contain_text("we have sent it a link to choose a new password")
    await pages.shown("password reset link sent")

    await visit(page, staff_server.reset_path, "Choose a new password")
    await pages.shown("password reset")
    await press(page, main_button(page, "Save password"))
    await pages.errors("password reset", "Password must be 12 characters or more")

    await visit(page, staff_server.invitation_path, "Join Demo Borough Council on Borough")
    await expect(page.locator("main")).to_contain_text(INVITED_EMAIL)
    await pages.shown("invitation, new account")
    await press(page, main_button(page, "Create account and join"))
    await pages.errors("invitation, new account", "Enter your full name", "Password must be 12 characters or more")

    await visit(page, f"{STAFF}/password-reset/not-a-real-token", "This link has expired or has been used", 410)
    await pages.shown("expired link")
    pages.assert_quiet()


async def test_pages_of_a_signed_in_admin(staff_page: Page, staff_auditor: Auditor, paid_application: PaidApplication) -> None:
    """Every page an admin (and operator) sees, each form with its errors."""
    page, pages = staff_page, Pages(staff_page, staff_auditor)
    mode = "js" if staff_auditor.javascript else "no-js"
    await sign_in_with_the_keyboard(page)
    await pages.shown("councils")

    await press(page, page.locator("main").get_by_role("link", name="Your account"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    await pages.shown("account")

    await visit(page, f"{STAFF}/councils/new", "Create a council")
    await pages.shown("create a council")
    await press(page, main_button(page, "Create council"))
    await pages.errors("create a council", "Enter the council's name", "Enter a short name for web addresses")

    await visit(page, HERE, "Demo Borough Council")
    await pages.shown("dashboard")

    await press(page, page.get_by_role("navigation", name="Staff menu").get_by_role("link", name="Settings"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Settings")
    await pages.shown("settings")
    await page.get_by_label("Brand colour").fill("#ffdd00")
    await press(page, main_button(page, "Save settings"))
    await pages.errors("settings", "Choose a darker brand colour")

    await visit(page, f"{HERE}/settings/payments", "Payments")
    await pages.shown("payment settings")
    await page.get_by_label("GOV.UK Pay", exact=True).check()
    await press(page, main_button(page, "Save payment settings"))
    await pages.errors("payment settings", "Enter the secret API key for GOV.UK Pay")

    await visit(page, f"{HERE}/settings/email", "Email")
    await pages.shown("email settings")
    await press(page, main_button(page, "Save email settings"))
    await pages.errors("email settings", "Enter the sender name", "Enter the sender email address")

    await webhooks(page, pages, f"https://crm.example.gov.uk/borough-{mode}")

    await visit(page, f"{HERE}/people", "Staff")
    await expect(page.locator("main")).to_contain_text(INVITED_EMAIL)
    await pages.shown("people")
    await press(page, main_button(page, "Send invitation"))
    await pages.errors("people, invite", "Enter their email address", "Select at least one role")

    await visit(page, f"{HERE}/audit", "Audit log")
    await pages.shown("audit log")

    reference = paid_application.reference
    await visit(page, f"{HERE}/applications/{reference}", f"Application {reference}")
    await expect(page.locator("main")).to_contain_text("ending 1111")
    await pages.shown("application, paid")

    await press(page, page.get_by_role("navigation", name="Staff menu").get_by_role("link", name="Payments"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Payments on "))
    await visit(page, f"{HERE}/payments/reconciliation?date={paid_application.day.isoformat()}",
                re.compile(r"^Payments on "))
    await expect(page.locator("main table")).to_contain_text(reference)
    await pages.shown("reconciliation")
    pages.assert_quiet()


async def webhooks(page: Page, pages: Pages, url: str) -> None:
    """Add a webhook (first with an error), see its secret once, list it, and remove it."""
    await visit(page, f"{HERE}/webhooks", "Webhooks")
    await page.get_by_label("Web address").fill("not a web address")
    await press(page, main_button(page, "Add webhook"))
    await pages.errors("webhooks, add", "Enter the web address as a full web address")
    await page.get_by_label("Web address").fill(url)
    await press(page, main_button(page, "Add webhook"))
    await expect(page.get_by_role("alert")).to_contain_text(f"Webhook added: {url}")
    await expect(page.locator("#signing-secret")).not_to_be_empty()
    await pages.shown("webhook added, its secret shown once")
    await press(page, page.get_by_role("link", name="I have copied the secret: back to webhooks"))
    await expect(page.locator("main table")).to_contain_text(url)
    await pages.shown("webhooks")
    await press(page, page.get_by_role("link", name=f"Remove {url}", exact=True))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to remove this webhook?")
    await pages.shown("remove a webhook")
    await press(page, main_button(page, "Remove webhook"))
    await expect(page.locator(".govuk-notification-banner")).to_contain_text("Webhook removed")
