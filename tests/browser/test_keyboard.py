"""A resident who uses only a keyboard reports a missed bin: Tab and Shift+Tab to move, Space
to tick, Enter to press, and typing. No clicks.

Set BOROUGH_SCREENSHOTS to a folder to keep a screenshot of a page with errors and of the
check answers page (borough-question-error.png, borough-check-answers.png)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from accessibility import Auditor, Console
from browsing import REFERENCE, TYPED, group, labelled, shown, typed_value, walker
from playwright.async_api import BrowserContext, Locator, Page, expect

from runtime.core.service import Field

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SERVICE = "report-missed-bin"
MOST_TABS = 80


async def focused(target: Locator) -> bool:
    return bool(await target.evaluate("element => element === document.activeElement"))


async def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus."""
    if await focused(target):
        return
    for _ in range(MOST_TABS):
        await page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if await focused(target):
            return
    raise AssertionError(f"{MOST_TABS} presses of Tab never reached {target} on {page.url}")


async def press_enter_on(page: Page, target: Locator, *, backwards: bool = False) -> None:
    await tab_to(page, target, backwards=backwards)
    refused = await page.evaluate("window.__cspViolations")
    assert refused == [], f"Content-Security-Policy violations on {page.url}: {refused}"
    async with page.expect_navigation():
        await page.keyboard.press("Enter")


async def answer_by_keyboard(page: Page, fld: Field) -> None:
    if fld.widget in TYPED:
        await tab_to(page, page.get_by_label(labelled(fld.label)))
        await page.keyboard.type(typed_value(fld))
    elif fld.widget == "date":
        date = walker.date_value(fld)
        await tab_to(page, group(page, fld.label).get_by_label("Day", exact=True))
        await page.keyboard.type(str(date.day))
        for part in (date.month, date.year):
            await page.keyboard.press("Tab")
            await page.keyboard.type(str(part))
    elif fld.widget in ("radios", "yes-no", "checkboxes"):
        value, title = fld.options[0]
        option = group(page, fld.label).get_by_label(shown(value, title), exact=True)
        await tab_to(page, option)
        await page.keyboard.press("Space")
        await expect(option).to_be_checked()
    else:  # pragma: no cover - the service has no other kinds of question
        raise AssertionError(f"no keyboard answer for a {fld.widget} question")


async def screenshot(page: Page, name: str) -> None:
    # caret="initial": hiding the caret sets a style attribute on the focused field, which
    # htmx then copies onto the field it swaps in, and the Content-Security-Policy refuses.
    folder = os.environ.get("BOROUGH_SCREENSHOTS")
    if folder:
        await page.screenshot(path=str(Path(folder) / f"borough-{name}.png"), full_page=True, caret="initial")


async def test_a_keyboard_user_reports_a_missed_bin(js_context: BrowserContext) -> None:
    await js_context.clear_cookies()
    page = await js_context.new_page()
    console = Console().watch(page)
    service = walker.service(SERVICE)
    await page.goto(f"/demo/{SERVICE}")

    # The first Tab reaches the skip link, whose target is the main content.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert await focused(skip)
    await press_enter_on(page, page.get_by_role("button", name="Start now"))

    # Continue with nothing answered: the error summary takes the focus, and its first link
    # takes the focus to the question it names.
    await press_enter_on(page, page.get_by_role("button", name="Continue"))
    summary = page.locator(".govuk-error-summary")
    await expect(summary).to_be_focused()
    await screenshot(page, "question-error")
    first_error = summary.get_by_role("link").first
    await page.keyboard.press("Tab")
    assert await focused(first_error)
    await page.keyboard.press("Enter")
    await expect(page.get_by_label(labelled("Address line 1"))).to_be_focused()

    for _ in range(len(service.pages) + 2):
        step, _item = walker.page_id(page.url, SERVICE)
        if step == "check-answers":
            break
        definition = service.page(step)
        assert definition is not None, page.url
        for fld in definition.fields:
            if fld.required or fld.widget in ("radios", "yes-no", "checkboxes"):
                await answer_by_keyboard(page, fld)
        await press_enter_on(page, page.get_by_role("button", name="Continue"))
        assert await summary.count() == 0, await summary.inner_text()
    else:
        raise AssertionError(f"never reached check answers; at {page.url}")

    # "Accept and send" is the last thing on the page: Shift+Tab goes straight to it.
    await screenshot(page, "check-answers")
    await press_enter_on(page, page.get_by_role("button", name="Accept and send"), backwards=True)
    assert walker.page_id(page.url, SERVICE)[0] == "confirmation", page.url
    panel = await page.locator(".govuk-panel").inner_text()
    assert REFERENCE.search(panel), panel
    await Auditor().check(page, "confirmation, by keyboard")
    assert not console.errors, "\n".join(console.errors)
    await page.close()
