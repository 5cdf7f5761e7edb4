"""Add another without a reload: with JavaScript, htmx carries the resident between an
add-another loop's pages (the summary, an item, removing one) by swapping the page's content
for the same container of the server's full page; the document stays, the focus moves to the
new page's heading (or its error summary), axe still finds nothing. Without JavaScript the
same clicks are ordinary page loads, and the answers come out the same."""

from __future__ import annotations

import re
from typing import Any

import pytest
from accessibility import Auditor, Console
from browsing import answer, continue_button, submit, walker
from playwright.async_api import BrowserContext, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

SERVICE = "book-bulky-waste"
BULKY = walker.service(SERVICE)
LOOP = next(step for step in BULKY.pages if step.kind == "add-another")
TYPE, *OTHERS = LOOP.fields
SUMMARY = f"/demo/{SERVICE}/{LOOP.id}"
MARKER = "window.__boroughDocument"


async def kept_document(page: Page) -> bool:
    """Whether this is still the document the marker was put in (no page load since)."""
    return bool(await page.evaluate(f"{MARKER} === 'kept'"))


async def settled(page: Page) -> None:
    await expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)


async def press(page: Page, *, javascript: bool, button: Any = None) -> None:
    """Press a button (or follow a link): with htmx, no navigation happens, so wait for the swap."""
    target = button or continue_button(page)
    if javascript:
        await target.click()
        await settled(page)
    elif button is not None:
        async with page.expect_navigation():
            await target.click()
    else:
        await submit(page)


async def add_item(page: Page, option: int, *, javascript: bool) -> None:
    """On an item page: the item type `option`, the other questions as the walker answers them."""
    assert re.search(rf"{SUMMARY}/\d+$", page.url), page.url
    await answer(page, TYPE, TYPE.options[option])
    for fld in OTHERS:
        await answer(page, fld)
    await press(page, javascript=javascript)
    await expect(page).to_have_url(re.compile(rf"{re.escape(SUMMARY)}$"))


async def saved_items(page: Page) -> list[Any]:
    """The resident's items as the server holds them: the summary's JSON twin."""
    response = await page.request.get(f"{SUMMARY}.json")
    assert response.ok
    payload = await response.json()
    return [row["answers"][TYPE.name] for row in payload["items"]]


async def build_two_items_and_remove_the_first(page: Page, *, javascript: bool) -> None:
    await page.goto(f"/demo/{SERVICE}")
    await submit(page, page.get_by_role("button", name="Start now"))
    await page.evaluate(f"{MARKER} = 'kept'")
    await add_item(page, 0, javascript=javascript)
    await page.get_by_role("group", name=re.compile("add another")).get_by_label("Yes", exact=True).check()
    await press(page, javascript=javascript)
    await add_item(page, 1, javascript=javascript)
    assert await saved_items(page) == [str(TYPE.options[0][0]), str(TYPE.options[1][0])]

    await press(page, javascript=javascript,
                button=page.locator("main").get_by_role("link", name=re.compile(r"^Remove")).first)
    await expect(page).to_have_url(re.compile(rf"{re.escape(SUMMARY)}/1/remove$"))
    await press(page, javascript=javascript)  # neither yes nor no: the page again, with its error
    await expect(page.locator(".govuk-error-summary")).to_be_visible()
    if javascript:
        await expect(page.locator(".govuk-error-summary")).to_be_focused()
    await page.get_by_label("Yes", exact=True).check()
    await press(page, javascript=javascript)
    await expect(page).to_have_url(re.compile(rf"{re.escape(SUMMARY)}$"))
    await expect(page.locator("main .govuk-summary-list__row")).to_have_count(1)


async def test_with_javascript_a_loop_never_reloads_the_page(js_context: BrowserContext) -> None:
    await js_context.clear_cookies()
    page = await js_context.new_page()
    console = Console().watch(page)
    auditor = Auditor()
    await build_two_items_and_remove_the_first(page, javascript=True)

    # One document all along: the marker survived, and there was one page load.
    assert await kept_document(page), "a page load happened inside the add-another loop"
    assert await page.evaluate("performance.getEntriesByType('navigation').length") == 1
    # The server kept the second item only, and the page says so.
    assert await saved_items(page) == [str(TYPE.options[1][0])]
    await expect(page.locator("h1")).to_be_focused()
    assert (await page.title()).startswith(LOOP.title)
    await auditor.check(page, "summary after removing an item through htmx")

    # "Neither yes nor no": the error page is swapped in the same way, its summary focused.
    await press(page, javascript=True)
    await expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert (await page.title()).startswith("Error: ")
    assert await kept_document(page)
    await auditor.check(page, "summary with its error, through htmx")

    # Leaving the loop carries on normally, and Back reloads the page it goes back to.
    await page.get_by_role("group", name=re.compile("add another")).get_by_label("No", exact=True).check()
    await press(page, javascript=True)
    after = BULKY.pages[BULKY.pages.index(LOOP) + 1]
    await expect(page).to_have_url(re.compile(rf"/{after.id}$"))
    await page.go_back()
    await expect(page).to_have_url(re.compile(rf"{re.escape(SUMMARY)}$"))
    await expect(page.locator("main .govuk-summary-list__row")).to_have_count(1)
    assert not await kept_document(page), "Back showed a page htmx kept, not the server's"
    assert not console.errors, "\n".join(console.errors)
    await page.close()


async def test_without_javascript_the_same_clicks_load_pages(no_js_context: BrowserContext) -> None:
    await no_js_context.clear_cookies()
    page = await no_js_context.new_page()
    await build_two_items_and_remove_the_first(page, javascript=False)
    assert not await kept_document(page), "the marker survives page loads: it would prove nothing"
    assert await saved_items(page) == [str(TYPE.options[1][0])]
    await page.close()
