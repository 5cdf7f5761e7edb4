"""The designer journey of issue 11, in a real browser with JavaScript on and off: a designer
builds "Request a replacement wheelie bin" from blank in the builder (6 questions across 4
pages, a page shown only if an earlier answer says so, a fee, Welsh text and a 3-state
workflow), previews it as a resident, publishes it, and a resident then completes and pays for
it on the live resident site, and a caseworker moves the application through the workflow.

Driven only by what a person sees: labels, legends and roles. Links and buttons are pressed from
the keyboard (focus, then Enter) and radios ticked with Space; text is typed into boxes found by
their labels. Lists of choices (a select) are chosen by their visible option text.
"""

from __future__ import annotations

import re

import pytest
from accessibility import Console
from browser_contexts import new_context
from browsing import SUCCESS_CARD, fill_card, main_button, reference_on
from playwright.async_api import Browser, Locator, Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD, StaffServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

SERVICE = "Request a replacement wheelie bin"
FEE = "25"


async def press(page: Page, target: Locator) -> None:
    """A link or button pressed from the keyboard: focused, then Enter; waits for the next page."""
    await target.focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def tick(target: Locator) -> None:
    """A radio or checkbox ticked from the keyboard: focused, then Space."""
    await target.focus()
    await target.page.keyboard.press("Space")
    await expect(target).to_be_checked()


def in_group(page: Page, legend: str) -> Locator:
    return page.locator("fieldset", has_text=legend)


async def no_errors(page: Page, where: str) -> None:
    summary = page.locator(".govuk-error-summary")
    assert await summary.count() == 0, f"{where} was refused ({page.url}): {await summary.inner_text()}"


async def add_question_page(page: Page, draft: str, question: str, kind: str, options: str = "") -> None:
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Add a question page"))
    await page.get_by_label("Question", exact=True).fill(question)
    await tick(page.get_by_label(kind, exact=True))
    if options:
        await page.get_by_label("Options", exact=True).fill(options)
    await tick(in_group(page, "Must residents answer it?").get_by_label("Yes", exact=True))
    await press(page, main_button(page, "Save question"))
    await no_errors(page, f"adding {question!r}")


async def add_question_to(page: Page, draft: str, page_name: str, title: str, question: str, kind: str,
                          options: str = "") -> None:
    """A second question on the page called `page_name`, which then needs the title `title`."""
    await page.goto(draft)
    await press(page, page.get_by_role("link", name=f"Edit page {page_name}", exact=True))
    await press(page, page.get_by_role("link", name="Add a question to this page"))
    await page.get_by_label("Page title").fill(title)
    await page.get_by_label("Question", exact=True).fill(question)
    await tick(page.get_by_label(kind, exact=True))
    if options:
        await page.get_by_label("Options", exact=True).fill(options)
    await tick(in_group(page, "Must residents answer it?").get_by_label("Yes", exact=True))
    await press(page, main_button(page, "Save question"))
    await no_errors(page, f"adding {question!r} to {page_name!r}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(title)


async def sign_in(page: Page) -> None:
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await press(page, main_button(page, "Sign in"))


async def build_from_blank(page: Page, name: str) -> str:
    """The whole service built in the builder; returns the draft's URL."""
    await page.goto(f"/staff/{COUNCIL}/services")
    await press(page, page.get_by_role("link", name="Start a new service"))
    await page.get_by_label("Service name").fill(name)
    await tick(page.get_by_label("A blank service"))
    await page.get_by_label("Summary").fill("Ask for a new wheelie bin when yours is lost, stolen or damaged.")
    await page.get_by_label("LGSL code").fill("526")
    await press(page, main_button(page, "Start the service"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    draft = page.url

    # Six questions on four pages: the blank service's email address is the first.
    await expect(page.locator(".borough-builder-pages")).to_contain_text("What is your email address?")
    await add_question_page(page, draft, "Which bin do you need?", "One of several options",
                            "General waste\nRecycling\nGarden waste")
    await add_question_to(page, draft, "Which bin do you need?", "About the bin", "Why do you need a new bin?",
                          "One of several options", "Lost or stolen\nDamaged")
    await add_question_page(page, draft, "How was the bin damaged?", "Long text")
    await add_question_page(page, draft, "What is the postcode of the bin's address?", "Postcode")
    await add_question_to(page, draft, "What is the postcode of the bin's address?", "Where to leave the bin",
                          "Where should we leave the new bin?", "Short text")

    # One branch: the damage page only for a damaged bin.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Edit page How was the bin damaged?", exact=True))
    await press(page, page.get_by_role("link", name="Show this page only if…"))
    await page.get_by_label("Question (rule 1)").select_option(label="Why do you need a new bin?")
    await page.get_by_label("Test (rule 1)").select_option(label="is")
    await press(page, main_button(page, "Show the choices for the questions picked"))
    await tick(page.get_by_label("Damaged", exact=True))
    await press(page, main_button(page, "Save condition"))
    await no_errors(page, "the damage page's condition")
    await expect(page.locator("#condition")).to_have_text("Only if 'Why do you need a new bin?' is Damaged")

    # One fee, always charged.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Fees", exact=True))
    await press(page, page.get_by_role("link", name="Add a fee"))
    await page.get_by_label("What is the fee for?").fill("Replacement bin")
    await tick(page.get_by_label("An amount you set"))
    await page.get_by_label("Amount in pounds").fill(FEE)
    await tick(page.get_by_label("Always", exact=True))
    await press(page, main_button(page, "Save fee"))
    await no_errors(page, "the fee")
    await expect(page.locator(".borough-builder-fees")).to_contain_text(f"£{FEE}")

    # A 3-state workflow: New, then Bin ordered (a button from New), then Done.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Workflow", exact=True))
    await press(page, page.get_by_role("link", name="Add a state"))
    await page.get_by_label("Name of the state").fill("Bin ordered")
    await page.get_by_label("What the resident is told").fill("We have ordered your new bin. It will arrive within 10 working days.")
    await page.get_by_label("Tag colour").select_option(label="yellow")
    await tick(in_group(page, "Email the resident when an application enters this state?").get_by_label("Yes", exact=True))
    await page.get_by_label("Target (optional)").fill("10")
    await tick(in_group(page, "Is it final?").get_by_label("No", exact=True))
    await page.get_by_label("Add a button to reach it from").select_option(label="New")
    await page.get_by_label("The button's text (optional)").fill("Order the bin")
    await press(page, main_button(page, "Save state"))
    await no_errors(page, "the state Bin ordered")
    await press(page, page.get_by_role("link", name="Add a button to state Bin ordered"))
    await page.get_by_label("The button's text").fill("Bin delivered")
    await page.get_by_label("It moves the application to").select_option(label="Done")
    await press(page, main_button(page, "Add button"))
    await no_errors(page, "the button Bin delivered")
    states = page.locator(".govuk-summary-card__title")
    await expect(states).to_have_count(3)
    await expect(page.locator("main")).to_contain_text("Order the bin")

    # Welsh: offered, then every string residents see given its Welsh in one save.
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Welsh", exact=True))
    await press(page, main_button(page, "Offer this service in Welsh"))
    await no_errors(page, "offering Welsh")
    boxes = page.get_by_role("textbox", name="Welsh", exact=True)
    count = await boxes.count()
    assert count >= 6, f"only {count} Welsh boxes"
    for index in range(count):
        await boxes.nth(index).fill(f"Testun Cymraeg {index + 1}")
    await press(page, main_button(page, "Save Welsh"))
    await no_errors(page, "saving the Welsh")
    await expect(page.locator("main")).not_to_contain_text("Welsh missing")

    # Nothing left to fix.
    await page.goto(draft)
    await expect(page.locator("main")).to_contain_text("None: the draft passes every check.")
    return draft


async def preview(page: Page, draft: str) -> None:
    """The draft walked as a resident: the branch skips the damage page for a lost bin, the fee is
    shown, and the confirmation is a preview's."""
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Preview as a resident"))
    await expect(page.locator("#preview-banner")).to_contain_text("This is a preview")
    await press(page, page.get_by_role("button", name="Start now"))
    await page.get_by_label("What is your email address?").fill("resident@example.com")
    await press(page, page.get_by_role("button", name="Continue"))
    await tick(page.get_by_label("Recycling", exact=True))
    await tick(page.get_by_label("Lost or stolen", exact=True))
    await press(page, page.get_by_role("button", name="Continue"))
    await expect(page.get_by_role("heading", level=1)).not_to_have_text("How was the bin damaged?")
    await page.get_by_label("What is the postcode of the bin's address?").fill("SW1A 1AA")
    await page.get_by_label("Where should we leave the new bin?").fill("By the front gate")
    await press(page, page.get_by_role("button", name="Continue"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your application")
    await expect(page.locator("main")).not_to_contain_text("How was the bin damaged?")
    await press(page, page.locator("main form").get_by_role("button").first)
    await expect(page.locator("main")).to_contain_text(f"£{FEE}")
    await press(page, main_button(page, "Continue as if paid"))
    await expect(page.locator(".govuk-panel")).to_contain_text("PREVIEW")


async def publish(page: Page, draft: str) -> None:
    await page.goto(draft)
    await press(page, page.get_by_role("link", name="Publish this draft as a new version"))
    await page.get_by_label("Change note").fill("The first version: a replacement bin for £25.")
    await press(page, main_button(page, "Publish version"))
    await no_errors(page, "publishing")
    await expect(page.locator("main")).to_contain_text("Published version")
    await expect(page.locator("main")).not_to_contain_text("Not published")


async def resident_completes(page: Page, service_id: str, name: str) -> str:
    """The live site: a resident with a damaged bin is asked how, pays the fee, and is given a
    reference. The start page is in Welsh too."""
    await page.goto(f"/{COUNCIL}/{service_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    # The Welsh the designer wrote, one link away; then back to English.
    await press(page, page.get_by_role("link", name="Cymraeg", exact=True))
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Testun Cymraeg \d+$"))
    await press(page, page.get_by_role("link", name="English", exact=True))
    await expect(page.get_by_role("heading", level=1)).to_have_text(name)
    await press(page, page.get_by_role("button", name="Start now"))
    await page.get_by_label("What is your email address?").fill("resident@example.com")
    await press(page, page.get_by_role("button", name="Continue"))
    await tick(page.get_by_label("General waste", exact=True))
    await tick(page.get_by_label("Damaged", exact=True))
    await press(page, page.get_by_role("button", name="Continue"))
    await page.get_by_label("How was the bin damaged?").fill("The lid came off in the wind.")
    await press(page, page.get_by_role("button", name="Continue"))
    await page.get_by_label("What is the postcode of the bin's address?").fill("SW1A 1AA")
    await page.get_by_label("Where should we leave the new bin?").fill("By the front gate")
    await press(page, page.get_by_role("button", name="Continue"))
    await expect(page.locator("main")).to_contain_text("The lid came off in the wind.")
    await press(page, page.locator("main form").get_by_role("button", name="Continue to payment"))
    assert "/_sandbox/pay/" in page.url, page.url
    await fill_card(page, SUCCESS_CARD)
    await press(page, main_button(page, "Continue"))
    await expect(page.locator("main")).to_contain_text(f"You paid £{FEE}")
    await expect(page.locator(".govuk-panel")).to_contain_text("Application")
    return await reference_on(page)


async def caseworker_moves_it_on(page: Page, reference: str) -> None:
    """The application through the designer's three states, by the buttons the designer made."""
    await page.goto(f"/staff/{COUNCIL}/applications")
    await press(page, page.locator("main table").get_by_role("link", name=reference))
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Application {reference}")
    await expect(page.locator("main")).to_contain_text("New")
    await press(page, main_button(page, "Order the bin"))
    await no_errors(page, "Order the bin")
    await expect(page.locator("main")).to_contain_text("Bin ordered")
    await press(page, main_button(page, "Bin delivered"))
    await no_errors(page, "Bin delivered")
    await expect(page.locator("main")).to_contain_text("Done")
    await expect(main_button(page, "Bin delivered")).to_have_count(0)


async def test_a_designer_builds_previews_and_publishes_and_a_resident_applies(
    staff_page: Page, javascript: bool, browser: Browser, staff_server: StaffServer,
) -> None:
    page, console = staff_page, Console().watch(staff_page)
    name = SERVICE if javascript else f"{SERVICE} without JavaScript"
    await sign_in(page)
    draft = await build_from_blank(page, name)
    service_id = draft.rstrip("/").rsplit("/", 1)[-1]
    await preview(page, draft)
    await publish(page, draft)
    assert not console.errors, "\n".join(console.errors)

    resident = await new_context(browser, staff_server.base_url, javascript=javascript)
    try:
        tab = await resident.new_page()
        resident_console = Console().watch(tab)
        reference = await resident_completes(tab, service_id, name)
        assert not resident_console.errors, "\n".join(resident_console.errors)
    finally:
        await resident.close()
    await caseworker_moves_it_on(page, reference)
    assert not console.errors, "\n".join(console.errors)
