"""axe finds no WCAG 2.2 A or AA violation on any page a resident can see: every page of every
shipped service, as shown and with its errors, with JavaScript on and off.

The shipped services are walked once, with JavaScript, and each page is audited both ways: as
shown, and as the HTML the server sent for it, which is what a resident without JavaScript gets
(the server sends the same page whoever asks). That every journey completes without JavaScript
is shown over HTTP by tests/web/test_resident_journeys.py, and in this browser by the pages
below (save and come back later) and the payment and add-another tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from accessibility import Auditor, Console, Served, inspector_for
from browser_contexts import fresh_tab
from browsing import Walk, assert_error_state, submit, walker
from playwright.async_api import BrowserContext, Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]


@pytest_asyncio.fixture(loop_scope="session")
async def js_page(js_context: BrowserContext) -> AsyncIterator[Page]:
    async with fresh_tab(js_context) as tab:
        yield tab


@pytest_asyncio.fixture(loop_scope="session")
async def both_ways(js_page: Page, js_context: BrowserContext) -> AsyncIterator[Auditor]:
    """axe on each page `js_page` shows, and on a copy of the HTML the server sent for it."""
    inspector = await inspector_for(await js_context.new_page())
    await js_page.bring_to_front()  # a tab behind another in its window loads pages seconds late
    try:
        yield Auditor(inspector, Served().watch(js_page))
    finally:
        await inspector.close()


@pytest.mark.parametrize("service_id", walker.service_ids())
async def test_every_page_of_every_shipped_service(js_page: Page, both_ways: Auditor, service_id: str) -> None:
    page = js_page
    console = Console().watch(page)
    walk = Walk(page, service_id, both_ways)
    await walk.everything()
    assert walk.references, f"{service_id} was never completed"
    assert not console.errors, "\n".join(console.errors)


@pytest.mark.parametrize(("path", "status"), [
    ("/", 200),
    ("/demo", 200),
    ("/demo/report-missed-bin?lang=cy", 200),
    ("/demo/no-such-service", 404),
    ("/no-such-council", 404),
])
async def test_pages_outside_a_journey(page: Page, auditor: Auditor, path: str, status: int) -> None:
    console = Console().watch(page)
    response = await page.goto(path)
    assert response is not None and response.status == status
    await auditor.check(page, path)
    assert not console.errors, "\n".join(console.errors)


async def test_save_and_come_back_later(page: Page, auditor: Auditor) -> None:
    """The save page as shown, with each of its errors, the page that says the link was sent,
    and the emailed link (read in the development outbox) bringing the resident back."""
    console = Console().watch(page)
    await page.goto("/demo/report-missed-bin")
    await submit(page, page.get_by_role("button", name="Start now"))
    async with page.expect_navigation():
        await page.get_by_role("link", name="Save and come back later").click()
    await auditor.check(page, "save")
    save = page.get_by_role("button", name="Send me a link")
    await submit(page, save)
    await assert_error_state(page, "save, empty")
    await auditor.check(page, "save, empty")
    await page.get_by_label("Email address").fill("not an email address")
    await submit(page, save)
    await assert_error_state(page, "save, not an email address")
    await auditor.check(page, "save, not an email address")
    email = f"resident-{'js' if auditor.javascript else 'no-js'}@example.com"
    await page.get_by_label("Email address").fill(email)
    await submit(page, save)
    await expect(page.get_by_role("heading", level=1)).to_have_text("We have emailed you a link")
    await auditor.check(page, "saved")

    await page.context.clear_cookies()
    await page.goto("/outbox")
    await auditor.check(page, "outbox")
    email_text = await page.locator(".govuk-summary-card").filter(has_text=f"To {email} ").inner_text()
    link = re.search(r"http://\S+/resume/\S+", email_text)
    assert link, email_text
    await page.goto(link.group(0))
    assert page.url.endswith("/demo/report-missed-bin/address"), page.url
    assert not console.errors, "\n".join(console.errors)


async def test_the_language_link_names_its_language_in_that_language(js_context: BrowserContext) -> None:
    """WCAG 3.1.2 (language of parts) and 2.4.4 (link purpose): the link to the Welsh pages
    reads "Cymraeg" and is marked as Welsh; on a Welsh page, the link back reads "English"."""
    page = await js_context.new_page()
    try:
        for path, code, name in (("/demo", "cy", "Cymraeg"), ("/demo?lang=cy", "en", "English")):
            await page.goto(path)
            link = page.locator(f"nav a[hreflang='{code}']")
            await expect(link).to_have_attribute("lang", code)
            await expect(link).to_have_text(name)
    finally:
        await page.close()


async def test_the_auditor_finds_violations_and_excuses_only_govuk_frontends_radios(
    no_js_context: BrowserContext, js_context: BrowserContext,
) -> None:
    """The audit itself is tested: on a page with an unlabelled field and an image without a
    text alternative it fails, naming both rules, and does not name the excused radio."""
    page = await no_js_context.new_page()
    inspector = await inspector_for(await js_context.new_page())
    try:
        await page.set_content(
            '<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>'
            '<h1>Broken</h1><input type="text" name="nameless"><img src="/assets/none.png">'
            '<input class="govuk-radios__input" id="r" name="r" type="radio" value="x" '
            'aria-controls="c" aria-expanded="false"><label for="r">An option</label><div id="c"></div>'
            "</main></body></html>"
        )
        with pytest.raises(AssertionError) as failure:
            await Auditor(inspector).check(page, "a page built to fail")
    finally:
        await inspector.close()
        await page.close()
    message = str(failure.value)
    assert "- label (critical)" in message and "- image-alt (critical)" in message, message
    assert "aria-allowed-attr" not in message, message


MENDED = (
    '<!DOCTYPE html><html lang="en"><head><title>Mended</title></head><body><main><h1>Mended</h1>'
    '<input type="text" id="name" name="name"><script>'
    "document.body.classList.add('govuk-frontend-supported');"
    "const label = document.createElement('label'); label.htmlFor = 'name'; label.textContent = 'Name';"
    "document.querySelector('main').prepend(label)"
    "</script></main></body></html>"
)


async def test_the_walk_with_javascript_audits_what_was_served_as_well(js_context: BrowserContext) -> None:
    """A page whose script mends a violation passes as shown, and fails as served: the copy of
    what the server sent is what a resident without JavaScript gets."""
    page = await js_context.new_page()
    inspector = await inspector_for(await js_context.new_page())
    try:
        await page.bring_to_front()
        await page.route("**/mended-by-javascript", lambda route: route.fulfill(content_type="text/html", body=MENDED))
        served = Served().watch(page)
        await page.goto("/mended-by-javascript")
        await expect(page.get_by_label("Name")).to_be_visible()
        with pytest.raises(AssertionError) as failure:
            await Auditor(inspector, served).check(page, "a page its script mends")
    finally:
        await inspector.close()
        await page.close()
    message = str(failure.value)
    assert "(a page its script mends, JavaScript off)" in message and "- label (critical)" in message, message
