"""Inline edits in a real browser with JavaScript on: on a page's form, moving a question,
saving the page's title, deleting a question (asked first, in place) and changing a question's
wording go through htmx, and so do moving a page, Undo, Redo and deleting a page (asked first,
beside the pages) on the draft's page. The document stays (no page load), the part changed
is swapped, the focus stays on the button pressed (or goes to the error summary, or to what
asks), the change is said in the live region, the preview of the page beside the form shows
it, and axe finds no WCAG 2.2 A or AA violation. With JavaScript off the same forms post and
redirect: the builder's other browser tests and tests/builder/test_inline_edits.py cover that."""

from __future__ import annotations

import pytest
from accessibility import Auditor, Console
from browser_contexts import fresh_tab
from browsing import main_button, press
from playwright.async_api import BrowserContext, Locator, Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

MARKER = "window.__boroughDocument"


async def swap(page: Page, target: Locator) -> None:
    """Press a button htmx posts: no navigation, so wait for the swap to settle."""
    await target.click()
    await expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


async def a_page_of_two_questions(page: Page) -> None:
    """Signed in, a new blank service whose one page asks a second question, on that page's form."""
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))
    await page.goto(f"/staff/{COUNCIL}/services/new")
    await page.get_by_label("Service name").fill("Report a broken street light inline")
    await page.get_by_label("A blank service").check()
    await page.get_by_label("Summary").fill("Tell us about a street light that is not working.")
    await page.get_by_label("LGSL code").fill("1075")
    await press(page, main_button(page, "Start the service"))
    await press(page, page.get_by_role("link", name="Edit page What is your email address?"))
    await press(page, page.get_by_role("link", name="Add a question to this page"))
    await page.get_by_label("Page title").fill("Your details")
    await page.get_by_label("Question", exact=True).fill("What is your name?")
    await page.get_by_label("Short text", exact=True).check()
    await press(page, main_button(page, "Save question"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your details")


async def test_inline_edits_swap_the_part_changed_and_refresh_the_preview(staff_js_context: BrowserContext) -> None:
    async with fresh_tab(staff_js_context) as page:
        console, auditor = Console().watch(page), Auditor()
        await a_page_of_two_questions(page)
        preview = page.locator("#page-preview")
        questions = page.locator(".borough-builder-questions .govuk-summary-list__key")
        await expect(preview.locator("label")).to_have_text(["What is your email address?", "What is your name?"])
        await page.evaluate(f"{MARKER} = 'kept'")

        # Moving a question: the list is swapped, the focus stays on the question's button in
        # its new place (first now, so Move down), the live region says so, the preview follows.
        await swap(page, main_button(page, "Move up question What is your name?"))
        await expect(questions).to_have_text(["What is your name?", "What is your email address?"])
        await expect(main_button(page, "Move down question What is your name?")).to_be_focused()
        await expect(page.locator("#builder-status")).to_contain_text("Moved question 'What is your name?' up")
        await expect(preview.locator("label")).to_have_text(["What is your name?", "What is your email address?"])

        # An empty title (two questions need one): the error summary takes the focus, the form
        # keeps what was typed, nothing is saved. The form's version came from the move.
        await page.get_by_label("Page title").fill("")
        await page.get_by_label("Text under the heading (optional)").fill("Tell us who you are.")
        await swap(page, main_button(page, "Save page"))
        await expect(page.locator("#builder-errors .govuk-error-summary")).to_be_focused()
        await expect(page.locator("#title-error")).to_contain_text("This page needs a title")
        await expect(page.get_by_label("Text under the heading (optional)")).to_have_value("Tell us who you are.")
        assert (await page.title()).startswith("Error: ")
        await auditor.check(page, "a page's title refused inline")

        # Saved: the heading changes, the errors go, the button keeps the focus, the preview follows.
        await page.get_by_label("Page title").fill("About you")
        await swap(page, main_button(page, "Save page"))
        await expect(page.get_by_role("heading", level=1)).to_have_text("About you")
        await expect(page.locator("#builder-errors")).to_be_empty()
        await expect(main_button(page, "Save page")).to_be_focused()
        await expect(page.locator("#builder-status")).to_contain_text("Changed title, content of page 'Your details'")
        await expect(preview.locator("h3")).to_have_text("About you")
        await expect(preview).to_contain_text("Tell us who you are.")
        assert not (await page.title()).startswith("Error: ")
        await auditor.check(page, "a page's title saved inline")

        # Delete asks beside the questions: Cancel keeps the question, then it goes.
        delete = page.get_by_role("link", name="Delete question What is your email address?")
        await swap(page, delete)
        confirm = page.get_by_role("heading", name="Delete the question 'What is your email address?'?")
        await expect(confirm).to_be_focused()
        await auditor.check(page, "deleting a question, asked inline")
        await swap(page, page.get_by_role("link", name="Cancel and keep the question"))
        await expect(confirm).to_have_count(0)
        await expect(page.get_by_role("heading", name="Questions", exact=True)).to_be_focused()
        await swap(page, delete)
        await swap(page, main_button(page, "Delete question"))
        await expect(questions).to_have_text(["What is your name?"])
        await expect(page.get_by_role("heading", name="Questions", exact=True)).to_be_focused()
        await expect(page.locator("#builder-status")).to_contain_text("Deleted question 'What is your email address?'")
        await expect(preview.locator("label")).to_have_text(["What is your name?"])
        await expect(page.get_by_label("Page title (optional)")).to_have_value("About you")  # one question now

        # A question's wording, changed beside the questions.
        await swap(page, page.get_by_role("link", name="Change wording of question What is your name?"))
        await expect(page.get_by_label("Question", exact=True)).to_be_focused()
        await auditor.check(page, "a question's wording, asked inline")
        # Refused (a question needs its words), then Cancel: the errors go with the form.
        await page.get_by_label("Question", exact=True).fill("")
        await swap(page, main_button(page, "Save wording"))
        await expect(page.locator("#builder-errors .govuk-error-summary")).to_be_focused()
        assert (await page.title()).startswith("Error: ")
        await swap(page, page.get_by_role("link", name="Cancel and keep the wording"))
        await expect(page.locator("#builder-errors")).to_be_empty()
        await expect(page.get_by_role("heading", name="Questions", exact=True)).to_be_focused()
        assert not (await page.title()).startswith("Error: ")
        await swap(page, page.get_by_role("link", name="Change wording of question What is your name?"))
        await expect(page.get_by_label("Question", exact=True)).to_be_focused()
        await page.get_by_label("Question", exact=True).fill("What is your full name?")
        await swap(page, main_button(page, "Save wording"))
        await expect(questions).to_have_text(["What is your full name?"])
        await expect(page.get_by_role("link", name="Change wording of question What is your full name?")).to_be_focused()
        await expect(preview.locator("label")).to_have_text(["What is your full name?"])

        # One document all along, and the server has what the page shows.
        assert await page.evaluate(f"{MARKER} === 'kept'"), "a page load happened"
        await page.reload()
        await expect(page.get_by_role("heading", level=1)).to_have_text("About you")
        await expect(questions).to_have_text(["What is your full name?"])

        # The draft's pages: a second page, moved up inline; Undo offers the move at once.
        await press(page, page.get_by_role("link", name="Back to the draft"))
        await press(page, page.get_by_role("link", name="Add a content or exit page"))
        await page.get_by_label("Page title").fill("Before you start")
        await page.get_by_label("What the page says").fill("You need the number on the lamp post.")
        await page.get_by_label("No", exact=True).check()
        await press(page, main_button(page, "Save page"))
        await page.evaluate(f"{MARKER} = 'kept'")
        await swap(page, main_button(page, "Move up page Before you start"))
        await expect(page.locator(".borough-builder-pages .govuk-summary-card__title")).to_have_text(
            ["1. Before you start", "2. About you"])
        await expect(main_button(page, "Move down page Before you start")).to_be_focused()
        await expect(page.locator("#draft-undo")).to_contain_text("Undo: Moved page 'Before you start' up")
        await expect(page.locator("#builder-status")).to_contain_text("Moved page 'Before you start' up")
        assert await page.evaluate(f"{MARKER} === 'kept'"), "a page load happened"
        await auditor.check(page, "the draft's pages after a move inline")

        # Undo and Redo, inline: Undo keeps the focus (there is more to undo); Redo, with
        # nothing more to redo, goes, and the pages' heading takes the focus.
        titles = page.locator(".borough-builder-pages .govuk-summary-card__title")
        await swap(page, main_button(page, "Undo"))
        await expect(titles).to_have_text(["1. About you", "2. Before you start"])
        await expect(main_button(page, "Undo")).to_be_focused()
        await expect(page.locator("#builder-status")).to_contain_text("Undone: Moved page 'Before you start' up")
        await swap(page, main_button(page, "Redo"))
        await expect(titles).to_have_text(["1. Before you start", "2. About you"])
        await expect(main_button(page, "Redo")).to_have_count(0)
        pages_heading = page.get_by_role("heading", name="Pages", exact=True)
        await expect(pages_heading).to_be_focused()
        await expect(page.locator("#builder-status")).to_contain_text("Redone: Moved page 'Before you start' up")

        # Deleting a page is asked beside the pages: Cancel keeps it, then it goes.
        delete = page.get_by_role("link", name="Delete page Before you start")
        await swap(page, delete)
        confirm = page.get_by_role("heading", name="Delete the page 'Before you start'?")
        await expect(confirm).to_be_focused()
        await auditor.check(page, "deleting a page, asked inline")
        await swap(page, page.get_by_role("link", name="Cancel and keep the page"))
        await expect(confirm).to_have_count(0)
        await expect(pages_heading).to_be_focused()
        await swap(page, delete)
        await swap(page, main_button(page, "Delete page"))
        await expect(titles).to_have_text(["1. About you"])
        await expect(pages_heading).to_be_focused()
        await expect(page.locator("#builder-status")).to_contain_text("Deleted page 'Before you start'")
        await expect(page.locator("#draft-undo")).to_contain_text("Undo: Deleted page 'Before you start'")
        assert await page.evaluate(f"{MARKER} === 'kept'"), "a page load happened"
        assert not console.errors, "\n".join(console.errors)
