"""The builder's lists of things with actions read cleanly on a desktop and on a phone.

A draft started from a service Borough ships (Book a bulky waste collection) lists its pages,
a page's form its questions, the fees page its fee lines and the workflow page its states, each
with several actions: links (Edit, When shown, Change wording, Delete) and buttons that post
(Move up, Move down, Duplicate, Remove). At 1280 pixels wide no action's words break across
lines, the actions of one row or card sit together on one line, and a question's name, its
kind and its actions sit side by side. At 390 pixels (a phone) the page never scrolls sideways,
no action breaks across lines either, and each list of actions starts at its left edge rather
than being centred. axe checks each page at both widths, with JavaScript on and off.

Screenshots of each page at each width go to BOROUGH_SCREENSHOTS when it names a folder.
"""

from __future__ import annotations

import pytest
from accessibility import Auditor, Console
from browsing import main_button, press
from layout import assert_fits, screenshot
from playwright.async_api import Page, ViewportSize, expect
from staff_server import COUNCIL, sign_in_as_admin

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
pytest_plugins = ["staff_server"]

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
SHIPPED = "Book a bulky waste collection (a service Borough ships)"

# The lists with actions on each page: the draft's pages, a page's questions, the fee lines and
# the workflow's states.
LISTS = {"draft": "#draft-pages", "page": "#page-questions", "fees": "#fees", "workflow": "#states"}

# Each link or button in `root` whose words break across lines: an inline link wrapped has a box
# per line, and a button's box is taller than one line of its text.
WRAPPED = """
root => [...root.querySelectorAll("a, button")].filter(element => {
  const box = element.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return false;
  const style = getComputedStyle(element);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
  const inner = box.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)
    - parseFloat(style.borderTopWidth) - parseFloat(style.borderBottomWidth);
  return element.getClientRects().length > 1 || inner > line * 1.5;
}).map(element => element.textContent.trim().replace(/\\s+/g, " "))
"""

# Each list of actions in `root` whose actions are not all on one line (their tops differ).
UNEVEN = """
root => [...root.querySelectorAll(".govuk-summary-list__actions-list")].filter(list => {
  const tops = [...list.children].map(item => Math.round(item.getBoundingClientRect().top));
  return new Set(tops).size > 1;
}).map(list => list.textContent.trim().replace(/\\s+/g, " "))
"""

# Each list of actions in `root` that does not start at its left edge (centred, say).
NOT_LEFT = """
root => [...root.querySelectorAll(".govuk-summary-list__actions-list")].filter(list => {
  const first = list.firstElementChild;
  return first && Math.abs(first.getBoundingClientRect().left - list.getBoundingClientRect().left) > 1;
}).map(list => list.textContent.trim().replace(/\\s+/g, " "))
"""

# Each of a page's questions whose name, kind and actions are not side by side (different tops).
NOT_SIDE_BY_SIDE = """
root => [...root.querySelectorAll(".govuk-summary-list__row")].filter(row => {
  const cells = [...row.children].filter(cell => cell.getBoundingClientRect().height > 0);
  return cells.length < 3 || new Set(cells.map(cell => Math.round(cell.getBoundingClientRect().top))).size > 1;
}).map(row => row.querySelector(".govuk-summary-list__key").textContent.trim())
"""


async def test_lists_with_actions_read_cleanly_on_a_desktop_and_a_phone(staff_page: Page, staff_auditor: Auditor) -> None:
    page, auditor, console = staff_page, staff_auditor, Console().watch(staff_page)
    mode = "js" if auditor.javascript else "no-js"
    await page.set_viewport_size(DESKTOP)
    await sign_in_as_admin(page)

    await page.goto(f"/staff/{COUNCIL}/services/new")
    await page.get_by_label("Service name").fill(f"Book a bulky collection to lay out {mode}")
    await page.get_by_label(SHIPPED).check()
    await page.get_by_label("Summary").fill("Ask us to collect large items.")
    await page.get_by_label("LGSL code").fill("525")
    await press(page, main_button(page, "Start the service"))
    draft = page.url
    contact = await page.get_by_role("link", name="Edit page Your contact details").get_attribute("href")
    assert contact is not None
    visited = {"draft": draft, "page": contact, "fees": draft + "/fees", "workflow": draft + "/workflow"}

    for size, width in ((DESKTOP, "desktop"), (PHONE, "phone")):
        await page.set_viewport_size(size)
        for name, url in visited.items():
            response = await page.goto(url)
            where = f"the {name} on a {width} ({mode})"
            assert response is not None and response.status == 200, f"{where}: {response and response.status}"
            root = page.locator(LISTS[name])
            await expect(root.locator("a, button").first).to_be_visible()
            await screenshot(page, f"builder-{name}-{size['width']}-{mode}")
            await assert_fits(page, where)
            assert not await root.evaluate(WRAPPED), f"on {where} these actions break across lines"
            assert not await root.evaluate(NOT_LEFT), f"on {where} these actions do not start at the left"
            if width == "desktop":
                assert not await root.evaluate(UNEVEN), f"on {where} these actions are not on one line"
                if name == "page":
                    questions = root.locator(".borough-builder-questions")
                    assert not await questions.evaluate(NOT_SIDE_BY_SIDE), \
                        f"on {where} these questions' name, kind and actions are not side by side"
            await auditor.check(page, where)
    assert not console.errors, "\n".join(console.errors)


async def test_the_welsh_page_fits_a_phone(staff_page: Page, staff_auditor: Auditor) -> None:
    """Each string's key heads its card; a long one (options.itemType.fridge-or-freezer, say)
    breaks onto the next line on a phone rather than pushing the page sideways."""
    page, auditor = staff_page, staff_auditor
    mode = "js" if auditor.javascript else "no-js"
    await page.set_viewport_size(DESKTOP)
    await sign_in_as_admin(page)
    await page.goto(f"/staff/{COUNCIL}/services/new")
    await page.get_by_label("Service name").fill(f"Book a bulky collection in Welsh {mode}")
    await page.get_by_label(SHIPPED).check()
    await press(page, main_button(page, "Start the service"))
    welsh = page.url + "/welsh"
    await page.goto(welsh)
    await press(page, main_button(page, "Offer this service in Welsh"))

    await page.set_viewport_size(PHONE)
    response = await page.goto(welsh)
    assert response is not None and response.status == 200
    titles = page.locator(".govuk-summary-card__title")
    longest = max(await titles.all_inner_texts(), key=len)
    assert len(longest) > 30, longest  # a key longer than a phone's line
    await screenshot(page, f"builder-welsh-390-{mode}")
    await assert_fits(page, f"the Welsh page on a phone ({mode})")
    await auditor.check(page, f"the Welsh page on a phone ({mode})")
