"""The builder's whole-service pages in a real browser, with JavaScript on and off, driven by
visible labels: the preview (the resident's pages, with errors, marked as a preview), fees,
workflow, Welsh, history and the JSON editor; axe finds no WCAG 2.2 A or AA violation on each,
with and without errors, and nothing logs an error or breaks the CSP."""

from __future__ import annotations

import pytest
from accessibility import Auditor, Console
from browsing import assert_error_state, main_button, press
from playwright.async_api import Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]


async def test_preview_fees_workflow_welsh_history_and_json_pages(staff_page: Page, staff_auditor: Auditor) -> None:
    page, auditor, console = staff_page, staff_auditor, Console().watch(staff_page)
    mode = "js" if auditor.javascript else "no-js"
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))

    await page.goto(f"/staff/{COUNCIL}/services/new")
    await page.get_by_label("Service name").fill(f"Report a missed bin {mode}")
    await page.get_by_label("Report a missed bin collection (a service Borough ships)").check()
    await page.get_by_label("Summary").fill("Tell us when we missed your bin.")
    await page.get_by_label("LGSL code").fill("524")
    await press(page, main_button(page, "Start the service"))
    draft = page.url

    # The preview: the start page, a question page with errors, in Welsh too.
    await press(page, page.get_by_role("link", name="Preview as a resident"))
    await expect(page.locator("#preview-banner")).to_contain_text("This is a preview")
    await auditor.check(page, "preview start page")
    await press(page, page.get_by_role("button", name="Start now"))
    await press(page, page.get_by_role("button", name="Continue"))
    await assert_error_state(page, "preview question page, with errors")
    await auditor.check(page, "preview question page, with errors")

    # Fees: none yet, then the form with errors.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Fees", exact=True))
    await auditor.check(page, "fees, none")
    await press(page, page.get_by_role("link", name="Add a fee"))
    await page.get_by_label("Only when a condition written as JSON holds").check()
    await page.get_by_label("Condition (JSON Schema)").fill("{nope")
    await press(page, main_button(page, "Save fee"))
    await assert_error_state(page, "add a fee, with errors")
    await auditor.check(page, "add a fee, with errors")
    await page.get_by_label("What is the fee for?").fill("Return visit")
    await page.get_by_label("An amount you set").check()
    await page.get_by_label("Amount in pounds").fill("10")
    await page.get_by_label("Always", exact=True).check()
    await press(page, main_button(page, "Save fee"))
    await expect(page.locator(".borough-builder-fees")).to_contain_text("£10")
    await auditor.check(page, "fees, one line")

    # Workflow, and a state's form with errors.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Workflow", exact=True))
    await auditor.check(page, "workflow")
    await press(page, page.get_by_role("link", name="Add a state"))
    await press(page, main_button(page, "Save state"))
    await assert_error_state(page, "add a state, with errors")
    await auditor.check(page, "add a state, with errors")
    await page.goto(draft + "/workflow")
    await press(page, page.get_by_role("link", name="Add a button to state New report"))
    await press(page, main_button(page, "Add button"))
    await assert_error_state(page, "add a button, with errors")
    await auditor.check(page, "add a button, with errors")

    # Welsh side by side, with a string too long.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Welsh", exact=True))
    await auditor.check(page, "Welsh side by side")
    await page.locator("textarea").first.fill("y" * 600)
    await press(page, main_button(page, "Save Welsh"))
    await assert_error_state(page, "Welsh, with errors")
    await auditor.check(page, "Welsh, with errors")

    # History (with a comparison) and the JSON editor with bad JSON.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="History and versions"))
    await auditor.check(page, "history")
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Edit as JSON"))
    await auditor.check(page, "the draft as JSON")
    await page.get_by_label("The draft as JSON").fill("{not json")
    await press(page, main_button(page, "Save JSON"))
    await assert_error_state(page, "the draft as JSON, with errors")
    await auditor.check(page, "the draft as JSON, with errors")
    assert not console.errors, "\n".join(console.errors)
