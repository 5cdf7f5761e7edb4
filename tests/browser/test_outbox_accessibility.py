"""axe finds no WCAG 2.2 A or AA violation on the outbox pages (the council's and the
operator's list, a message), with JavaScript on and off. An email is queued through the app
itself: the admin invites a colleague, which queues the invitation in the council's outbox."""

from __future__ import annotations

import re

import pytest
from accessibility import Auditor
from playwright.async_api import Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

HERE = f"/staff/{COUNCIL}"


async def signed_in(page: Page) -> None:
    await page.goto(f"{HERE}/outbox")
    if "/staff/sign-in" in page.url:
        await page.get_by_label("Email address").fill(ADMIN_EMAIL)
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        async with page.expect_navigation():
            await page.locator("main").get_by_role("button", name="Sign in", exact=True).click()


async def test_the_outbox_pages(staff_page: Page, staff_auditor: Auditor) -> None:
    page = staff_page
    mode = "js" if staff_auditor.javascript else "no-js"
    await signed_in(page)
    await page.goto(f"{HERE}/people")
    invite = page.locator("form", has=page.get_by_role("button", name="Send invitation", exact=True))
    await invite.get_by_label("Email address").fill(f"outbox.{mode}@demo.borough.test")
    await invite.get_by_label("Caseworker").check()
    async with page.expect_navigation():
        await invite.get_by_role("button", name="Send invitation", exact=True).click()

    await page.goto(f"{HERE}/outbox")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    await expect(page.locator("main table")).to_contain_text(f"outbox.{mode}@demo.borough.test")
    await staff_auditor.check(page, "council outbox")

    async with page.expect_navigation():
        await page.locator("main table a").first.click()
    await expect(page.get_by_role("heading", level=1)).not_to_be_empty()
    await expect(page.locator("main")).to_contain_text("Message")
    await staff_auditor.check(page, "outbox message")

    await page.goto("/staff/outbox?state=queued")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Outbox")
    await expect(page.locator("main")).to_contain_text(re.compile("every council"))
    await staff_auditor.check(page, "installation outbox, queued only")
