"""The builder's page, question, condition and routes pages in a real browser, with JavaScript
on and off, driven by visible labels: axe finds no WCAG 2.2 A or AA violation on each of them,
with and without errors; nothing logs an error or breaks the CSP."""

from __future__ import annotations

import pytest
from accessibility import Auditor, Console
from browsing import assert_error_state, main_button, press
from playwright.async_api import Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]


async def add_question_page(page: Page, draft: str, label: str, kind: str, options: str = "") -> None:
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Add a question page"))
    await page.get_by_label("Question", exact=True).fill(label)
    await page.get_by_label(kind, exact=True).check()
    if options:
        await page.get_by_label("Options", exact=True).fill(options)
    await page.locator("fieldset", has_text="Must residents answer it?").get_by_label("Yes", exact=True).check()
    await press(page, main_button(page, "Save question"))


async def test_builder_question_condition_and_routes_pages(staff_page: Page, staff_auditor: Auditor) -> None:
    page, auditor, console = staff_page, staff_auditor, Console().watch(staff_page)
    mode = "js" if auditor.javascript else "no-js"
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))

    await page.goto(f"/staff/{COUNCIL}/services/new")
    await page.get_by_label("Service name").fill(f"Request a bulky item collection {mode}")
    await page.get_by_label("A blank service").check()
    await page.get_by_label("Summary").fill("Ask us to collect a large item.")
    await page.get_by_label("LGSL code").fill("525")
    await press(page, main_button(page, "Start the service"))
    draft = page.url
    await add_question_page(page, draft, "What type of item is it?", "One of several options", "Fridge\nSofa")
    await add_question_page(page, draft, "How many items?", "Whole number")

    # A page's own form, and adding a second question to it (with an error first).
    await press(page, page.get_by_role("link", name="Edit page How many items?"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("How many items?")
    await auditor.check(page, "a page's form")
    await press(page, page.get_by_role("link", name="Add a question to this page"))
    await page.get_by_label("Page title").fill("")
    await press(page, main_button(page, "Save question"))
    await assert_error_state(page, "add a question, with errors")
    await auditor.check(page, "add a question, with errors")
    await page.get_by_label("Page title").fill("About the items")
    await page.get_by_label("Question", exact=True).fill("Where are they?")
    await page.get_by_label("Long text", exact=True).check()
    await press(page, main_button(page, "Save question"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("About the items")
    await auditor.check(page, "a page of two questions")

    # Editing a question, with errors.
    await press(page, page.get_by_role("link", name="Edit question How many items?"))
    await page.get_by_label("Largest allowed").fill("lots")
    await press(page, main_button(page, "Save question"))
    await assert_error_state(page, "edit a question, with errors")
    await auditor.check(page, "edit a question, with errors")
    await page.get_by_label("Largest allowed").fill("5")
    await press(page, main_button(page, "Save question"))

    # Show the page only if…: two rules, an error, then saved as a sentence.
    await press(page, page.get_by_role("link", name="Show this page only if…"))
    await auditor.check(page, "a condition, one rule")
    await page.get_by_label("Question (rule 1)").select_option(label="What type of item is it?")
    await press(page, main_button(page, "Add another rule"))
    await page.get_by_label("Test (rule 2)").select_option(label="is")
    await press(page, main_button(page, "Save condition"))
    await assert_error_state(page, "a condition, with errors")
    await auditor.check(page, "a condition of two rules, with errors")
    await press(page, main_button(page, "Remove rule 2"))
    await page.get_by_label("Test (rule 1)").select_option(label="is")
    await page.get_by_label("Fridge", exact=True).check()
    await press(page, main_button(page, "Save condition"))
    await expect(page.locator("#condition")).to_have_text("Only if 'What type of item is it?' is Fridge")

    # The condition as JSON, refused while it is not JSON.
    await press(page, page.get_by_role("link", name="Change when this page is shown"))
    await press(page, page.get_by_role("link", name="Edit the condition as JSON"))
    await page.get_by_label("Condition (JSON Schema)").fill("{nope")
    await press(page, main_button(page, "Save condition"))
    await assert_error_state(page, "a condition as JSON, with errors")
    await auditor.check(page, "a condition as JSON, with errors")

    # A list page (add another), with an error first, then its own form.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Add a list page (add another)"))
    await page.get_by_label("Page title").fill("Tell us about the item")
    await page.get_by_label("Question", exact=True).fill("What is the item?")
    await page.get_by_label("Short text", exact=True).check()
    await page.locator("fieldset", has_text="Must residents answer it?").get_by_label("Yes", exact=True).check()
    await press(page, main_button(page, "Save question"))
    await assert_error_state(page, "add a list page, with errors")
    await auditor.check(page, "add a list page, with errors")
    await page.get_by_label("What one item is called").fill("Item")
    await press(page, main_button(page, "Save question"))
    await press(page, page.get_by_role("link", name="Edit page Tell us about the item"))
    await auditor.check(page, "a list page's form")

    # The service's own words, with an error.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Change the service's name, start page, declaration and confirmation"))
    await page.get_by_label("Service name").fill("")
    await press(page, main_button(page, "Save the words"))
    await assert_error_state(page, "the service's words, with errors")
    await auditor.check(page, "the service's words, with errors")

    # Routes at a glance, with a problem next to its page; the draft shows it too.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Add a content or exit page"))
    await auditor.check(page, "add a content or exit page")
    await page.get_by_label("Page title").fill("You cannot book a collection")
    await page.get_by_label("What the page says").fill("We only collect from homes.")
    await page.get_by_label("Yes", exact=True).check()
    await press(page, main_button(page, "Save page"))
    await expect(page.locator(".borough-builder-page-problems").first).to_be_visible()
    await auditor.check(page, "a draft with problems by its pages")
    await press(page, page.get_by_role("link", name="See the routes through the service"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Routes through the service")
    await expect(page.locator(".borough-route-problems").first).to_contain_text("No resident can send an application")
    await auditor.check(page, "routes at a glance")
    assert not console.errors, "\n".join(console.errors)
