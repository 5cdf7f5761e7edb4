"""Markup the templates write around a resident's data is markup, not text: a regression
test for values joined with "~", which escaped the <strong> around a reference."""

from __future__ import annotations

import re

from resident import REFERENCE, Resident
from walker import walk


async def test_the_confirmation_panel_and_fee_total_are_markup_not_text(resident: Resident) -> None:
    checked: list[str] = []

    async def look(page: object) -> None:
        text = page.response.text  # type: ignore[attr-defined]
        assert "&lt;strong&gt;" not in text and "&lt;br&gt;" not in text
        key = page.soup.find("dt", string=re.compile(r"^\s*Total\s*$"))  # type: ignore[attr-defined]
        assert key is not None and key.find_parent("div").find("strong") is not None
        checked.append("check-answers")

    confirmation = await walk(resident, "subscribe-garden-waste", at_check=look)
    panel = confirmation.soup.select_one(".govuk-panel__body")
    assert "&lt;" not in confirmation.response.text
    assert panel.find("br") is not None and REFERENCE.fullmatch(panel.find("strong").get_text(strip=True))
    assert checked == ["check-answers"]
