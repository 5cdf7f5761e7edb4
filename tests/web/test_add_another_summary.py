"""Issue 10: the list of items added names each item in words — the option's title in the
page's language, or the answer the definition names as `itemSummary` — never the raw value
("sofa"), and its Change and Remove links name the item to screen readers too."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx2 as httpx
from bs4 import Tag
from resident import Page, Resident, text_of
from walker import answer_page, service

from borough.demo import SERVICES_DIR
from runtime import store
from runtime.core.definition import problems
from runtime.core.service import content_hash

BULKY = "book-bulky-waste"
LOOP = service(BULKY).page("items")
WELSH_SOFA = "Soffa neu gadair freichiau"


def bulky_waste() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((SERVICES_DIR / f"{BULKY}.json").read_text())
    return document


async def publish(document: dict[str, Any]) -> None:
    council = await store.get_council("demo")
    assert council is not None
    await store.publish_version(council, document, content_hash(document))


async def add_items(resident: Resident, service_id: str, *details: str) -> Page:
    """Add one sofa per description, as a resident would; returns the list of items added."""
    page = await resident.start("demo", service_id)
    for number, text in enumerate(details, start=1):
        assert page.url.endswith(f"/items/{number}"), page.url
        answer_page(page, LOOP)  # the first option: "Sofa or armchair"
        page.fill("Describe the item", text)
        page = await resident.submit(page)
        assert page.status == 200 and page.url.endswith("/items"), page.url
        if number < len(details):
            page.choose(text_of(page.soup.select_one("main fieldset legend")), "Yes")
            page = await resident.submit(page)
    return page


def rows(page: Page) -> list[Tag]:
    found: list[Tag] = page.soup.select("main .govuk-summary-list__row")
    return found


def key_of(row: Tag) -> str:
    key = row.select_one(".govuk-summary-list__key")
    assert key is not None
    return text_of(key)


def link(row: Tag, action: str) -> Tag:
    """The row's action link whose visible word (its text less the hidden part) is `action`."""
    for anchor in row.select(".govuk-summary-list__actions a"):
        hidden = anchor.select_one(".govuk-visually-hidden")
        visible = text_of(anchor).removesuffix(text_of(hidden)).strip() if hidden else text_of(anchor)
        if visible == action:
            return anchor
    raise AssertionError(f"no {action} link in {row}")


def hidden_text(anchor: Tag) -> str:
    hidden = anchor.select_one(".govuk-visually-hidden")
    assert hidden is not None, anchor
    return text_of(hidden)


async def test_the_list_names_an_item_by_its_option_title_with_links_that_name_it(
        client: httpx.AsyncClient, resident: Resident) -> None:
    summary = await add_items(resident, BULKY, "3-seater leather sofa")
    [row] = rows(summary)
    assert key_of(row) == "Sofa or armchair"
    assert "sofa" not in text_of(row).split()
    change, remove = link(row, "Change"), link(row, "Remove")
    assert hidden_text(change) == "Sofa or armchair" and hidden_text(remove) == "Sofa or armchair"
    assert text_of(change) == "Change Sofa or armchair"
    assert change["href"] == f"/demo/{BULKY}/items/1" and remove["href"] == f"/demo/{BULKY}/items/1/remove"

    twin = (await client.get(f"/demo/{BULKY}/items.json")).json()
    [item] = twin["items"]
    assert item["summary"] == "Sofa or armchair" and item["name"] == "Sofa or armchair"
    assert item["answers"] == {"type": "sofa", "details": "3-seater leather sofa"}
    assert item["change"] == change["href"] and item["remove"] == remove["href"]

    removing = await resident.open(remove["href"])
    hint = removing.soup.select_one("main .govuk-hint")
    assert hint is not None and text_of(hint) == "Sofa or armchair"


async def test_the_list_speaks_welsh(client: httpx.AsyncClient, resident: Resident) -> None:
    document = bulky_waste()
    document.update(id="bulky-waste-cy", languages=["en", "cy"],
                    translations={"cy": {"options.items.type.sofa": WELSH_SOFA}})
    await publish(document)
    await add_items(resident, "bulky-waste-cy", "Soffa ledr")
    welsh = await resident.open("/demo/bulky-waste-cy/items?lang=cy")
    assert welsh.soup.html["lang"] == "cy"
    [row] = rows(welsh)
    assert key_of(row) == WELSH_SOFA
    change, remove = link(row, "Newid"), link(row, "Dileu")
    assert hidden_text(change) == WELSH_SOFA and hidden_text(remove) == WELSH_SOFA
    twin = (await client.get("/demo/bulky-waste-cy/items.json?lang=cy")).json()
    assert [item["summary"] for item in twin["items"]] == [WELSH_SOFA]


async def test_item_summary_names_the_answer_that_names_an_item(resident: Resident) -> None:
    document = bulky_waste()
    document["id"] = "bulky-waste-described"
    [loop] = [page for page in document["pages"] if page["id"] == "items"]
    loop["itemSummary"] = "/details"
    assert problems(document) == []
    await publish(document)
    summary = await add_items(resident, "bulky-waste-described", "Blue velvet sofa", "Blue velvet sofa", "Oak table")
    assert [key_of(row) for row in rows(summary)] == ["Blue velvet sofa", "Blue velvet sofa", "Oak table"]
    # Two items that read the same are told apart by their number.
    assert [hidden_text(link(row, "Remove")) for row in rows(summary)] == [
        "Blue velvet sofa (Item 1)", "Blue velvet sofa (Item 2)", "Oak table"]


def test_item_summary_must_be_a_question_of_the_page_within_the_item() -> None:
    document = bulky_waste()
    index = next(i for i, page in enumerate(document["pages"]) if page["id"] == "items")
    for pointer, message in [
        ("/colour", "/colour is not an answer within each item of /items"),
        ("/items", "/items is not an answer within each item of /items"),
    ]:
        broken = copy.deepcopy(document)
        broken["pages"][index]["itemSummary"] = pointer
        assert [(p.pointer, p.message) for p in problems(broken)] == [(f"/pages/{index}/itemSummary", message)]
    broken = copy.deepcopy(document)
    broken["pages"][index]["itemSummary"] = "type"  # not a pointer
    assert [p.pointer for p in problems(broken)] == [f"/pages/{index}/itemSummary"]
