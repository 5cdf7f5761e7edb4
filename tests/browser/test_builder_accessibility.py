"""Every builder page in its main states: axe finds no WCAG 2.2 A or AA violation on any of
them, with JavaScript on and off, and nothing logs an error or breaks the Content-Security-Policy.

One walk, with JavaScript, audits each page both ways: as shown, and as the HTML the server sent
for it, which is what a designer without JavaScript gets for the same request (the server sends
the same page whoever asks; htmx's inline edits ask for fragments, which it does not record).
The states htmx shows in place (a page's form refused, a question's wording, deleting a question
or a page, undo) are whole pages without JavaScript: a short walk without JavaScript audits those.

The walk starts a service as a copy of one Borough ships (it has pages, fees, a workflow), then
visits the services list, the new-service form (empty and refused), the draft, a page's form and
a question's form (refused), deleting a page (the question before it), a page's condition (rules
and JSON), the routes, the service's words, the fees (a line's condition: rules refused, and
JSON), workflow (states, buttons, timers), Welsh
(English only, then offered and all missing), the JSON editor, the preview (refused, and to its
confirmation on a blank service with a fee), publishing (refused while Welsh is missing, then
published), the history with a comparison, undo, and a published service with no draft.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from accessibility import Auditor, Console, Served
from browser_contexts import fresh_tab
from browsing import assert_error_state, main_button, press
from playwright.async_api import BrowserContext, Page, expect
from staff_server import COUNCIL, sign_in_as_admin

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

SHIPPED = "Book a bulky waste collection (a service Borough ships)"


@pytest_asyncio.fixture(loop_scope="session")
async def walking_tab(staff_js_context: BrowserContext, staff_inspector: Page) -> AsyncIterator[Page]:
    async with fresh_tab(staff_js_context) as tab:
        await tab.bring_to_front()  # a tab behind another in its window loads pages seconds late
        yield tab


async def test_every_builder_page_in_its_main_states(walking_tab: Page, staff_inspector: Page,
                                                     staff_no_js_context: BrowserContext) -> None:
    page, console = walking_tab, Console().watch(walking_tab)
    auditor = Auditor(staff_inspector, Served().watch(page))  # each page as shown, and as served
    audited: list[str] = []

    async def check(state: str) -> None:
        await auditor.check(page, state)
        audited.append(state)

    await sign_in_as_admin(page)

    # The services list and a new service, refused and then started.
    await page.goto(f"/staff/{COUNCIL}/services")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await check("services list")
    await press(page, page.get_by_role("link", name="Start a new service"))
    await check("new service")
    await press(page, main_button(page, "Start the service"))
    await assert_error_state(page, "new service, with errors")
    await check("new service, with errors")
    await page.get_by_label("Service name").fill("Book a bulky collection for the walk")
    await page.get_by_label(SHIPPED).check()
    await page.get_by_label("Summary").fill("Ask us to collect large items.")
    await page.get_by_label("LGSL code").fill("525")
    await press(page, main_button(page, "Start the service"))
    draft = page.url
    await check("draft overview")

    # A page's form; a question's form refused; deleting a page (asked first, not done).
    await press(page, page.get_by_role("link", name="Edit page Your contact details", exact=True))
    await check("a page's form")
    page_form = page.url
    await page.get_by_label("Page title").fill("")
    await main_button(page, "Save page").click()  # saved inline through htmx: the error summary comes in place
    await expect(page.locator("#builder-errors .govuk-error-summary")).to_be_focused()
    await assert_error_state(page, "a page's form, with errors")
    await check("a page's form, with errors")
    await page.goto(page_form)
    delete = page.get_by_role("link", name="Delete question Full name", exact=True)
    await delete.click()  # asked beside the questions, through htmx
    await expect(page.get_by_role("heading", name="Delete the question 'Full name'?")).to_be_focused()
    await check("delete a question, asked first")
    await page.goto(page_form)
    wording = page.get_by_role("link", name="Change wording of question Full name", exact=True)
    await wording.click()  # changed beside the questions, through htmx
    await expect(page.get_by_label("Question", exact=True)).to_be_focused()
    await check("a question's wording")
    await page.goto(page_form)
    await press(page, page.get_by_role("link", name="Edit question Full name", exact=True))
    await check("a question's form")
    await page.get_by_label("Question", exact=True).fill("")
    await press(page, main_button(page, "Save question"))
    await assert_error_state(page, "a question's form, with errors")
    await check("a question's form, with errors")
    await page.goto(draft)
    delete = page.get_by_role("link", name="Delete page Your contact details", exact=True)
    await delete.click()  # asked beside the pages, through htmx
    await expect(page.get_by_role("heading", name="Delete the page 'Your contact details'?")).to_be_focused()
    await check("delete a page, asked first")

    # Adding pages: a question page, a content or exit page, a list page.
    for link in ("Add a question page", "Add a content or exit page", "Add a list page (add another)"):
        await page.goto(draft)
        await press(page, page.get_by_role("link", name=link, exact=True))
        await check(link.lower())

    # A page's condition: rules (refused, then with choices), and as JSON.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name=re.compile(r"^When shown\W+page Your contact details$")))
    await check("a condition, no rules yet")
    await page.get_by_label("Question (rule 1)").select_option(label="What type of item is it?")
    await press(page, main_button(page, "Save condition"))
    await assert_error_state(page, "a condition, with errors")
    await check("a condition, with errors")
    await press(page, main_button(page, "Show the choices for the questions picked"))
    await check("a condition with the question's choices")
    await press(page, page.get_by_role("link", name="Edit the condition as JSON"))
    await check("a condition as JSON")
    await page.get_by_label("Condition (JSON Schema)").fill("{nope")
    await press(page, main_button(page, "Save condition"))
    await assert_error_state(page, "a condition as JSON, with errors")
    await check("a condition as JSON, with errors")

    # Routes and the service's words.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="See the routes through the service"))
    await check("routes at a glance")
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Change the service's name, start page, declaration and confirmation"))
    await check("the service's words")

    # Fees: the list, a line's condition (rules refused, and as JSON), a line's form, a new line refused.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Fees", exact=True))
    await check("fees")
    fees = page.url
    await press(page, page.get_by_role("link", name="Change when fee Fridge or freezer disposal is charged"))
    await press(page, main_button(page, "Add another rule"))
    await press(page, main_button(page, "Save condition"))
    await assert_error_state(page, "a fee's condition, with errors")
    await check("a fee's condition, with errors")
    await press(page, page.get_by_role("link", name="Edit the condition as JSON"))
    await check("a fee's condition as JSON")
    await page.goto(fees)
    await press(page, page.locator("main").get_by_role("link", name=re.compile(r"^Change fee")).first)
    await check("a fee line's form")
    await page.goto(draft + "/fees/new")
    await press(page, main_button(page, "Save fee"))
    await assert_error_state(page, "add a fee, with errors")
    await check("add a fee, with errors")

    # The workflow: states, a state's form, a button's, a timer's, refused.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Workflow", exact=True))
    await check("workflow")
    await press(page, page.locator("main").get_by_role("link", name=re.compile(r"^Change state")).first)
    await check("a state's form")
    await page.goto(draft + "/workflow")
    await press(page, page.locator("main").get_by_role("link", name=re.compile(r"^Change button")).first)
    await check("a button's form")
    await page.goto(draft + "/workflow")
    await press(page, page.locator("main").get_by_role("link", name=re.compile(r"^Add a button to state")).first)
    await press(page, main_button(page, "Add button"))
    await assert_error_state(page, "add a button, with errors")
    await check("add a button, with errors")
    await page.goto(draft + "/workflow")
    await press(page, page.locator("main").get_by_role("link", name=re.compile(r"^Add a timer to state")).first)
    await check("add a timer")
    await press(page, main_button(page, "Add timer"))
    await assert_error_state(page, "add a timer, with errors")
    await check("add a timer, with errors")
    await page.goto(draft + "/workflow")
    await press(page, page.get_by_role("link", name="Add a state"))
    await press(page, main_button(page, "Save state"))
    await assert_error_state(page, "add a state, with errors")
    await check("add a state, with errors")

    # The JSON editor, refused.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Edit as JSON"))
    await check("the draft as JSON")
    await page.get_by_label("The draft as JSON").fill("{not json")
    await press(page, main_button(page, "Save JSON"))
    await assert_error_state(page, "the draft as JSON, with errors")
    await check("the draft as JSON, with errors")

    # The preview: its start page and a question refused.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Preview as a resident"))
    await expect(page.locator("#preview-banner")).to_contain_text("This is a preview")
    await check("preview start page")
    await press(page, page.get_by_role("button", name="Start now"))
    await check("preview first page")
    await press(page, page.locator("main form").get_by_role("button").first)
    await assert_error_state(page, "preview first page, with errors")
    await check("preview first page, with errors")

    # Welsh: English only, then offered with every string missing; publishing refused meanwhile.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Welsh", exact=True))
    await check("Welsh, English only")
    await press(page, main_button(page, "Offer this service in Welsh"))
    await expect(page.locator("main")).to_contain_text("Welsh missing")
    await check("Welsh, all missing")
    await page.goto(draft)
    await check("draft with problems")
    await press(page, page.get_by_role("link", name="Publish this draft as a new version"))
    await check("publish, with problems")
    await page.goto(draft + "/welsh")
    await press(page, main_button(page, "Stop offering Welsh"))

    # Publish (a note refused, then published), change the draft, and compare in the history.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Publish this draft as a new version"))
    await check("publish")
    await page.get_by_label("Version number").fill("not a version")
    await press(page, main_button(page, "Publish version"))
    await assert_error_state(page, "publish, with errors")
    await check("publish, with errors")
    await page.get_by_label("Version number").fill("1.0.0")
    await page.get_by_label("Change note").fill("First version for the walk.")
    await press(page, main_button(page, "Publish version"))
    await page.goto(draft)
    await check("draft after publishing")
    await press(page, page.get_by_role("link", name="Edit page Your contact details", exact=True))
    await press(page, page.get_by_role("link", name="Edit question Full name", exact=True))
    await page.get_by_label("Question", exact=True).fill("What is your full name?")
    await press(page, main_button(page, "Save question"))
    await page.goto(draft)
    await check("draft ahead of published, with undo")
    await press(page, page.get_by_role("link", name="History and versions"))
    await check("history")
    await page.get_by_label("To", exact=True).select_option(index=0)
    await page.get_by_label("From", exact=True).select_option(index=1)
    await press(page, main_button(page, "Compare"))
    await expect(page.locator("main")).to_contain_text("What is your full name?")
    await check("history, comparing two versions")
    await page.goto(draft)
    await main_button(page, "Undo").click()  # undone inline through htmx
    await expect(page.locator("#builder-status")).to_contain_text("Undone: ")
    await check("draft after undo, with redo")
    await page.goto(f"/staff/{COUNCIL}/services")
    await check("services list with a published service")

    # A published service nobody has a draft of, and its history.
    await press(page, page.get_by_role("link", name="Report a pothole", exact=True))
    await expect(page.get_by_role("link", name="History and versions")).to_be_visible()
    await check("a published service with no draft")
    await press(page, page.get_by_role("link", name="History and versions"))
    await check("history of a service with no draft")

    # The preview to its end, on a blank service with a fee: check answers, payment, confirmation.
    await page.goto(f"/staff/{COUNCIL}/services/new")
    await page.get_by_label("Service name").fill("Preview walk")
    await page.get_by_label("A blank service").check()
    await page.get_by_label("Summary").fill("A service to preview.")
    await page.get_by_label("LGSL code").fill("1")
    await press(page, main_button(page, "Start the service"))
    blank = page.url
    await page.goto(blank + "/fees/new")
    await page.get_by_label("What is the fee for?").fill("Handling")
    await page.get_by_label("An amount you set").check()
    await page.get_by_label("Amount in pounds").fill("5")
    await page.get_by_label("Always", exact=True).check()
    await press(page, main_button(page, "Save fee"))
    await page.goto(blank)
    await press(page, page.get_by_role("link", name="Preview as a resident"))
    await press(page, page.get_by_role("button", name="Start now"))
    await page.get_by_label("What is your email address?").fill("resident@example.com")
    await press(page, page.get_by_role("button", name="Continue"))
    await check("preview check answers")
    await press(page, page.locator("main form").get_by_role("button").first)
    await expect(page.locator("main")).to_contain_text("£5")
    await check("preview payment")
    await press(page, main_button(page, "Continue as if paid"))
    await expect(page.locator(".govuk-panel")).to_contain_text("PREVIEW")
    await check("preview confirmation")

    assert len(audited) >= 47, audited
    assert not console.errors, "\n".join(console.errors)

    # Without JavaScript, the states htmx showed in place are pages of their own.
    async with fresh_tab(staff_no_js_context) as plain:
        without, plain_console = Auditor(staff_inspector), Console().watch(plain)
        await sign_in_as_admin(plain)
        await plain.goto(page_form)
        await plain.get_by_label("Page title").fill("")
        await press(plain, main_button(plain, "Save page"))
        await assert_error_state(plain, "a page's form, with errors, without JavaScript")
        await without.check(plain, "a page's form, with errors")
        for link, state in (("Delete question Full name", "delete a question, asked first"),
                            ("Change wording of question Full name", "a question's wording")):
            await plain.goto(page_form)
            await press(plain, plain.get_by_role("link", name=link, exact=True))
            await without.check(plain, state)
        await plain.goto(draft)
        await press(plain, plain.get_by_role("link", name="Delete page Your contact details", exact=True))
        await without.check(plain, "delete a page, asked first")
        await plain.goto(draft)
        await press(plain, main_button(plain, "Undo"))
        await without.check(plain, "draft after undo, with redo")
        assert not plain_console.errors, "\n".join(plain_console.errors)
