"""The hidden "Error:" before an inline error message is read out in the page's language
("Gwall:" in Welsh) on every page that shows one: save and come back later, the add-another
summary and removing an item, as on question pages."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
from resident import Page, Resident
from walker import answer_page, service

from borough.demo import SERVICES_DIR
from runtime import store
from runtime.core.service import content_hash
from runtime.core.ui_text import ui

WELSH_BULKY = "book-bulky-waste-cy"


def hidden_prefixes(page: Page) -> list[str]:
    return [span.get_text(strip=True) for span in page.soup.select(".govuk-error-message .govuk-visually-hidden")]


async def publish_welsh_bulky_waste() -> None:
    """The shipped add-another service, offered in Welsh too (it falls back to the
    definition's English for its own words; Borough's words are Welsh)."""
    document: dict[str, Any] = json.loads((SERVICES_DIR / "book-bulky-waste.json").read_text())
    document = {**document, "id": WELSH_BULKY, "languages": ["en", "cy"]}
    council = await store.get_council("demo")
    assert council is not None
    await store.publish_version(council, document, content_hash(document))


async def one_item_summary(resident: Resident, lang: str) -> Page:
    start = await resident.open(f"/demo/{WELSH_BULKY}?lang={lang}")
    assert start.status == 200 and start.soup.find("html")["lang"] == lang
    item = await resident.submit(start)
    assert item.url.endswith("/items/1"), item.url
    answer_page(item, service("book-bulky-waste").page("items"))
    summary = await resident.submit(item)
    assert summary.status == 200 and summary.url.endswith("/items"), summary.url
    return summary


async def test_add_another_remove_and_save_say_gwall_in_welsh(app: Any, client: httpx.AsyncClient,
                                                              resident: Resident) -> None:
    await publish_welsh_bulky_waste()
    summary = await one_item_summary(resident, "cy")
    base = f"/demo/{WELSH_BULKY}"

    unanswered = await resident.submit(summary)  # neither yes nor no
    assert unanswered.status == 422
    assert hidden_prefixes(unanswered) == ["Gwall:"]
    assert unanswered.title.startswith(ui("cy", "error_prefix"))

    remove = await resident.open(f"{base}/items/1/remove")
    assert remove.status == 200
    unchosen = await resident.submit(remove)
    assert unchosen.status == 422
    assert hidden_prefixes(unchosen) == ["Gwall:"]

    save = await resident.open(f"{base}/save")
    assert save.status == 200
    empty = await resident.submit(save, extra={"email": [""]})
    assert empty.status == 422
    assert hidden_prefixes(empty) == ["Gwall:"]


async def test_the_same_pages_say_error_in_english(app: Any, client: httpx.AsyncClient, resident: Resident) -> None:
    await publish_welsh_bulky_waste()
    summary = await one_item_summary(resident, "en")
    base = f"/demo/{WELSH_BULKY}"
    assert hidden_prefixes(await resident.submit(summary)) == ["Error:"]
    await resident.open(f"{base}/items/1/remove")
    assert hidden_prefixes(await resident.submit()) == ["Error:"]
    await resident.open(f"{base}/save")
    assert hidden_prefixes(await resident.submit(extra={"email": [""]})) == ["Error:"]
