"""What the layout tests check on a page at a width: it never scrolls sideways, and screenshots
of it go to BOROUGH_SCREENSHOTS when that names a folder."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Locator, Page

# Every element wider than the page, or reaching past its right edge, outside a scrolling region.
OVERFLOWING = """
() => {
  const limit = document.documentElement.clientWidth;
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest(".borough-table-scroll")) continue;
    const box = element.getBoundingClientRect();
    if (box.width > 0 && box.right > limit + 0.5) {
      found.push(`${element.tagName.toLowerCase()}.${[...element.classList].join(".")} right=${Math.round(box.right)}`);
    }
  }
  return found.slice(0, 12);
}
"""


async def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("BOROUGH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
        await page.screenshot(path=str(Path(folder) / f"{name}-top.png"))


async def assert_fits(page: Page, where: str) -> None:
    """No sideways scrolling of the page itself at this width."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    assert width <= viewport["width"], f"{where} is {width} px wide at {viewport['width']} px: " + ", ".join(
        await page.evaluate(OVERFLOWING))


async def one_line(link: Locator) -> bool:
    """Whether the link's text sits on one line (a wrapped inline element has a box per line)."""
    return bool(await link.evaluate("element => element.getClientRects().length === 1"))
