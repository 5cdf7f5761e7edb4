"""The back office fits a phone and gives its lists the width on a desktop.

At 390 pixels wide (a phone) the dashboard, the inbox with applications in it and an
application's page never scroll sideways: the page is no wider than the screen, and a table
too wide for it scrolls inside a region of its own that a keyboard can reach and a screen
reader names. At 1280 pixels the inbox's filters sit beside the results, and no reference
breaks across lines. axe checks each page at both widths, with JavaScript on and off.

Screenshots of each page at each width go to BOROUGH_SCREENSHOTS when it names a folder.
"""

from __future__ import annotations

import re

import pytest
from accessibility import Auditor, Console
from browsing import submit
from layout import assert_fits, one_line, screenshot
from playwright.async_api import Page, expect
from staff_server import ADMIN_EMAIL, COUNCIL, PASSWORD, PaidApplication, answer_until_check_answers

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HERE = f"/staff/{COUNCIL}"
HEADINGS = {"dashboard": "Demo Borough Council", "inbox": "Applications", "application": re.compile(r"^Application "),
            "services": "Services"}

async def assert_scroll_regions_reachable(page: Page, where: str) -> None:
    """Each table that scrolls sideways does so in a region a keyboard can focus and that has a name."""
    regions = page.locator("main .borough-table-scroll")
    for index in range(await regions.count()):
        region = regions.nth(index)
        await expect(region).to_have_attribute("tabindex", "0")
        await expect(region).to_have_attribute("role", "region")
        name = await region.evaluate("element => document.getElementById(element.getAttribute('aria-labelledby'))"
                                     "?.textContent.trim() ?? ''")
        assert name, f"a scrolling table on {where} has no name"


async def sign_in(page: Page) -> None:
    await page.goto("/staff/sign-in")
    await page.get_by_label("Email address").fill(ADMIN_EMAIL)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await submit(page, page.locator("main").get_by_role("button", name="Sign in", exact=True))


async def test_the_back_office_fits_a_phone_and_widens_on_a_desktop(
        staff_page: Page, staff_auditor: Auditor, paid_application: PaidApplication) -> None:
    page, mode = staff_page, "js" if staff_auditor.javascript else "no-js"
    console = Console().watch(page)
    await answer_until_check_answers(page, "report-missed-bin")
    await submit(page, page.locator("main").get_by_role("button", name="Accept and send", exact=True))
    await sign_in(page)
    visited = {"dashboard": HERE, "inbox": f"{HERE}/applications",
               "application": f"{HERE}/applications/{paid_application.reference}",
               "services": f"{HERE}/services"}  # the builder's list of the council's services

    for size, width in ((PHONE, "phone"), (DESKTOP, "desktop")):
        await page.set_viewport_size(size)
        for name, url in visited.items():
            response = await page.goto(url)
            where = f"the {name} on a {width} ({mode})"
            assert response is not None and response.status == 200, f"{where}: {response and response.status}"
            await expect(page.get_by_role("heading", level=1)).to_have_text(HEADINGS[name])
            if name == "inbox":
                await expect(page.locator("main table tbody tr").first).to_be_visible()
            await assert_fits(page, where)
            await assert_scroll_regions_reachable(page, where)
            await screenshot(page, f"{name}-{size['width']}-{mode}")
            await staff_auditor.check(page, where)

            if name == "inbox" and width == "desktop":
                filters = await page.locator("main form.borough-filters").bounding_box()
                results = await page.locator("main table").bounding_box()
                assert filters is not None and results is not None
                assert filters["x"] + filters["width"] <= results["x"], "the filters are not beside the results"
                assert results["width"] > filters["width"] * 2, "the results do not get the width"
                references = page.locator("main table tbody tr td:first-child a")
                assert await references.count() >= 2
                for index in range(await references.count()):
                    reference = references.nth(index)
                    assert await one_line(reference), f"{await reference.inner_text()} breaks across lines"
            if name == "inbox" and width == "phone":
                filters = await page.locator("main form.borough-filters").bounding_box()
                results = await page.locator("main table").bounding_box()
                assert filters is not None and results is not None
                assert filters["y"] + filters["height"] <= results["y"], "the filters are not above the results"
    assert not console.errors, "\n".join(console.errors)
