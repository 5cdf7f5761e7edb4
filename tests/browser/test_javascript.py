"""JavaScript only enhances: with it, GOV.UK Frontend starts under the strict
Content-Security-Policy (conditional reveals, the error summary's focus, htmx's inline
validation) without a console error; without it, the same page shows everything and works.

Every page the accessibility walks pass is also checked for GOV.UK Frontend having started and
for Content-Security-Policy violations (accessibility.assert_enhanced), and every service is
completed with JavaScript off there."""

from __future__ import annotations

import pytest
from accessibility import Console, assert_enhanced
from browsing import continue_button, group, shown, submit, walker
from playwright.async_api import BrowserContext, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

POTHOLE = walker.service("report-pothole")
POSITION = POTHOLE.page("position")
WHERE, DESCRIBE = POSITION.fields  # radios, and the question their "other" option reveals
OTHER = shown(*next(option for option in WHERE.options if option[0] == DESCRIBE.revealed_by[1]))


async def open_position_page(context: BrowserContext) -> Page:
    """The pothole report's second page: radios, one of which reveals a question."""
    await context.clear_cookies()
    page = await context.new_page()
    await page.goto("/demo/report-pothole")
    await submit(page, page.get_by_role("button", name="Start now"))
    await page.get_by_label("Street or road name").fill("High Street")
    await page.get_by_label("Nearest house number or landmark").fill("Outside number 12")
    await submit(page)
    assert page.url.endswith("/demo/report-pothole/position"), page.url
    return page


async def test_with_javascript_govuk_frontend_and_htmx_enhance_the_page(js_context: BrowserContext) -> None:
    page = await open_position_page(js_context)
    console = Console().watch(page)
    await assert_enhanced(page, page.url)

    # The conditional question stays hidden until its option is chosen.
    other = page.get_by_label(DESCRIBE.label)
    await expect(other).to_be_hidden()
    await group(page, WHERE.label).get_by_label(OTHER, exact=True).check()
    await expect(other).to_be_visible()

    # Submitted with the revealed question unanswered, the error summary takes the focus.
    await submit(page)
    await expect(page.locator(".govuk-error-summary")).to_be_focused()
    await assert_enhanced(page, page.url)

    # Leaving a field checks it on the server (htmx) and shows its error without a reload.
    await other.fill("x" * 201)
    await continue_button(page).focus()
    await expect(page.locator(f"#{DESCRIBE.html_id}-error")).to_contain_text(DESCRIBE.spec["errors"]["maxLength"])
    await assert_enhanced(page, page.url)
    assert not console.errors, "\n".join(console.errors)
    await page.close()


async def test_without_javascript_the_same_page_shows_everything(no_js_context: BrowserContext) -> None:
    page = await open_position_page(no_js_context)
    classes = await page.evaluate("document.body.className")
    assert "js-enabled" not in classes.split()
    # Nothing is hidden when no script can reveal it.
    await expect(page.get_by_label(DESCRIBE.label)).to_be_visible()
    await submit(page)
    await expect(page.locator(".govuk-error-summary")).to_be_visible()
    await page.close()
