"""The API key pages in a real browser, with JavaScript on and off: axe finds no WCAG 2.2 A or
AA violation on the list (empty, with its errors, with a key), the page that shows a new key
once, and the page that asks before revoking; nothing logs an error or breaks the CSP."""

from __future__ import annotations

import pytest
from accessibility import Auditor, Console
from browsing import assert_error_state, main_button, press
from playwright.async_api import Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

KEYS = f"/staff/{COUNCIL}/api-keys"


async def test_api_key_pages(staff_page: Page, staff_auditor: Auditor) -> None:
    page, console = staff_page, Console().watch(staff_page)
    name = f"Uniform {'js' if staff_auditor.javascript else 'no-js'}"
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))

    await page.goto(f"/staff/{COUNCIL}/settings")
    await press(page, page.locator("main").get_by_role("link", name="Manage api keys"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    await staff_auditor.check(page, "API keys")

    await page.get_by_label("Read applications").uncheck()
    await press(page, main_button(page, "Create API key"))
    await assert_error_state(page, "API keys, create")
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_contain_text("Enter a name for the key")
    await expect(summary).to_contain_text("Select what the key may do")
    await staff_auditor.check(page, "API keys, create, with errors")

    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Download files").check()
    await press(page, main_button(page, "Create API key"))
    await expect(page.get_by_role("alert")).to_contain_text(f"API key {name} created")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your new API key")
    key = await page.locator("#api-key").inner_text()
    assert key.startswith("bk_")
    await staff_auditor.check(page, "API key created, shown once")

    await press(page, page.get_by_role("link", name="I have copied the key: back to API keys"))
    table = page.locator("main table")
    await expect(table).to_contain_text(name)
    await expect(table).to_contain_text(key[:12])
    await expect(page.locator("main")).not_to_contain_text(key)
    await staff_auditor.check(page, "API keys, with a key")

    await press(page, page.get_by_role("link", name=f"Revoke {name}", exact=True))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Are you sure you want to revoke this API key?")
    await staff_auditor.check(page, "revoke an API key")
    await press(page, main_button(page, "Revoke API key"))
    await expect(page.locator(".govuk-notification-banner")).to_contain_text(f"API key {name} revoked")
    await expect(page.locator("main table")).to_contain_text("Revoked")
    await staff_auditor.check(page, "API keys, one revoked")
    assert not console.errors, "\n".join(console.errors)
