"""Routes at a glance over HTTP: pages in order with when each is shown and where it leads,
said as a list; the whole-flow problems next to the page they concern, on the routes page and
the draft overview, each linking to the place to fix it."""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx
from test_branching_pages import press_named, select
from test_builder_pages import DRAFT, Page, app, council, person, text_of
from test_question_pages import add_page, link, start_blank, stored

from builder.blank import blank_definition
from builder.draft_check import Finding
from builder.routes_pages import page_concerned
from runtime import store

__all__ = ["app", "council"]

OWNER = "Do you own the property?"
SERIAL = "What is the bin's serial number?"


def route_of(page: Page, number: int) -> str:
    """The text of the list entry of page `number`."""
    entries = page.soup.select(".borough-routes > li")
    return text_of(entries[number - 1])


def problem_links(page: Page, selector: str) -> list[tuple[str, str]]:
    return [(text_of(item), item.find("a")["href"]) for item in page.soup.select(selector + " li")]


async def test_routes_say_where_each_page_leads_and_show_problems_where_to_fix_them(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, OWNER, "Yes or no")
    draft = await designer.open(DRAFT)
    form = await designer.open(draft.soup.find("a", string="Add a content or exit page")["href"])
    form.fill("Page title", "You cannot apply")
    form.fill("What the page says", "Only owners can ask for a new bin.")
    form.choose("Does the journey end on this page?", "Yes")
    await designer.submit(form)
    await add_page(designer, SERIAL, "Short text")
    pages = (await stored(council)).definition["pages"]
    exit_id, serial_id = pages[2]["id"], pages[3]["id"]

    # An exit page everyone reaches: no journey can end, and the page after it is unreachable.
    routes = await designer.open(link(await designer.open(DRAFT), "See the routes through the service"))
    assert routes.status == 200 and routes.heading == "Routes through the service"
    assert f"Then: {'You cannot apply'}" in route_of(routes, 2)
    assert "Then: The journey ends here: residents cannot carry on" in route_of(routes, 3)
    exit_problems = problem_links(routes, f"#route-{exit_id} .borough-route-problems")
    assert exit_problems and exit_problems[0][0].startswith("No resident can send an application")
    assert exit_problems[0][1] == f"{DRAFT}/pages/{exit_id}/condition"
    serial_problems = problem_links(routes, f"#route-{serial_id} .borough-route-problems")
    assert serial_problems[0][0].startswith("No resident can reach this page: every resident stops at the exit page "
                                            "'You cannot apply' before it")
    overview = await designer.open(DRAFT)
    card = overview.soup.select(".borough-builder-pages > li")[2]
    assert "No resident can send an application" in text_of(card)
    assert card.select_one(".borough-builder-page-problems a")["href"] == f"{DRAFT}/pages/{exit_id}/condition"
    own = await designer.open(f"{DRAFT}/pages/{exit_id}")  # the page's own form says it too
    assert problem_links(own, ".borough-builder-problems")[0][1] == f"{DRAFT}/pages/{exit_id}/condition"

    # Following the fix link: show the exit page only to residents who do not own the property.
    form = await designer.open(exit_problems[0][1])
    select(form, "Question (rule 1)", OWNER)
    form = await press_named(designer, form, "refresh")
    select(form, "Test (rule 1)", "is")
    form.choose("Answer (rule 1)", "No")
    await press_named(designer, form, "save")
    routes = await designer.open(f"{DRAFT}/routes")
    assert "No problems: every page can be reached and the journey can end." in text_of(routes.soup)
    assert f"Then: Only if '{OWNER}' is No: You cannot apply Otherwise: {SERIAL}" in route_of(routes, 2)
    assert f"Shown: Only if '{OWNER}' is No" in route_of(routes, 3)
    assert not routes.soup.select(".borough-route-problems")
    twin = (await designer.client.get(f"{DRAFT}/routes.json")).json()  # the same data, as JSON
    assert [step["condition"] for step in twin["steps"]] == [None, None, f"Only if '{OWNER}' is No", None]
    assert [lead["name"] for lead in twin["steps"][1]["leads"]] == ["You cannot apply", SERIAL]

    # A condition on an answer asked later, written as JSON: the problem sits by its page.
    owner_id = pages[1]["id"]
    serial = pages[3]["fields"][0]["answer"].strip("/")
    form = await designer.open(f"{DRAFT}/pages/{owner_id}/condition/json")
    form.fill("Condition (JSON Schema)", json.dumps({"properties": {serial: {"const": "X1"}}, "required": [serial]}))
    await designer.submit(form)
    routes = await designer.open(f"{DRAFT}/routes")
    later = problem_links(routes, f"#route-{owner_id} .borough-route-problems")
    assert later[0][0].startswith(f"This page is shown depending on '{SERIAL}', which is asked later")
    assert later[0][1] == f"{DRAFT}/pages/{owner_id}/condition"
    overview = await designer.open(DRAFT)
    card = text_of(overview.soup.select(".borough-builder-pages > li")[1])
    assert f"Only if '{SERIAL}' is 'X1'" in card and "which is asked later" in card

    # The screen-reader list and the drawing agree on the pages; the drawing is hidden from them.
    drawing = routes.soup.select_one(".borough-flow")
    assert drawing["aria-hidden"] == "true" and not drawing.find("a")
    assert len(routes.soup.select(".borough-routes > li")) == len(drawing.select(".borough-flow__step")) == 4


async def test_publishers_read_the_routes_and_caseworkers_do_not(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    publisher = await person(app, browsers, "publisher")
    routes = await publisher.open(f"{DRAFT}/routes")
    assert routes.status == 200 and routes.soup.select(".borough-routes > li")
    assert not [a for a in routes.soup.select(".borough-routes a") if a["href"].endswith("/condition")]
    caseworker = await person(app, browsers, "caseworker")
    assert (await caseworker.client.get(f"{DRAFT}/routes")).status_code == 403
    southshire = await store.create_council("southshire", "Southshire Council")
    await start_blank(southshire)
    assert (await publisher.client.get(f"{DRAFT}/routes".replace("/northshire/", "/southshire/"))).status_code == 404


def test_a_problem_in_the_answers_is_shown_on_the_page_asking_that_answer() -> None:
    definition = blank_definition(title="Request a bin", summary="Ask for a bin.", lgsl=524, publisher_id="northshire",
                                  publisher_name="Northshire Council")
    email_page = definition["pages"][0]["id"]
    in_answers = Finding("maxLength", "must be at least 0", "/answers/properties/email/maxLength", answer="/email")
    assert page_concerned(definition, in_answers) == email_page
    assert page_concerned(definition, Finding("unasked", "never asked", "/answers/properties/x", answer="/x")) is None
    assert page_concerned(definition, Finding("workflow", "unreachable", "/workflow/states/done", state="done")) is None
