"""The builder's pages over HTTP through the assembled app, with JavaScript off: a designer
starts a blank service, adds two question pages, moves one up, undoes and redoes; a publisher
publishes it; a resident completes it on the live site. Forms keep what was typed on error,
a stale form is refused with what changed, and roles hold."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from bs4 import BeautifulSoup

TESTS = Path(__file__).resolve().parents[1]
for folder in ("staff", "web"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from resident import REFERENCE, Page, Resident, text_of  # noqa: E402
from staff_client import PASSWORD, make_user  # noqa: E402

from borough.app import assemble  # noqa: E402
from runtime import store  # noqa: E402
from runtime.settings import ROOT, Settings  # noqa: E402

BASE = "http://127.0.0.1:8000"
SERVICE = "request-a-replacement-wheelie-bin"
DRAFT = f"/staff/northshire/services/{SERVICE}"


@pytest.fixture
def app(tmp_path: Path, db: str) -> Any:
    settings = Settings(database_url=db, base_url=BASE, secret_key="builder-test-secret-" + "z" * 32,
                        environment="test", files_dir=tmp_path / "files", themes_dir=ROOT / "themes")
    return assemble(settings, "all", connect_database=False)


@pytest.fixture
async def council(app: Any) -> store.Council:
    council = await store.create_council("northshire", "Northshire Council")
    for role in ("designer", "publisher", "caseworker"):
        await make_user(f"{role}@northshire.test", council, [role])
    return council


async def person(app: Any, browsers: list[httpx.AsyncClient], role: str, email: str | None = None) -> Resident:
    """A signed-in member of staff with `role` (made in the `council` fixture, or called
    `email`), driving pages as a browser without JavaScript."""
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    browsers.append(client)
    browser = Resident(client)
    sign_in = await browser.open("/staff/sign-in")
    sign_in.fill("Email address", email or f"{role}@northshire.test")
    sign_in.fill("Password", PASSWORD)
    await browser.submit(sign_in)
    return browser


async def press(browser: Resident, page: Page, button: str) -> Page:
    """Press the button labelled `button` (its text or accessible name): send its form."""
    for form in page.soup.find_all("form"):
        for found in form.find_all("button"):
            if button in (text_of(found), found.get("aria-label")):
                data = {field["name"]: [field.get("value", "")] for field in form.find_all("input", type="hidden")}
                return await browser.submit(Page(page.response, BeautifulSoup(str(form), "html.parser"), data))
    raise AssertionError(f"no button {button!r} on {page.url}")


def pages_listed(page: Page) -> list[str]:
    return [text_of(title) for title in page.soup.select(".borough-builder-pages .govuk-summary-card__title")]


async def add_question_page(browser: Resident, label: str, kind: str, options: str = "") -> Page:
    draft = await browser.open(DRAFT)
    form = await browser.open(draft.soup.find("a", string="Add a question page")["href"])
    form.fill("Question", label)
    form.choose("Kind of answer", kind)
    if options:
        form.fill("Options", options)
    form.choose("Must residents answer it?", "Yes")
    return await browser.submit(form)


async def test_a_designer_builds_a_publisher_publishes_and_a_resident_completes_it(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    services = await designer.open("/staff/northshire/services")
    assert services.status == 200 and services.heading == "Services"
    assert "Services" in [text_of(a) for a in services.soup.select(".borough-staff-nav a")]

    new = await designer.open(services.soup.find("a", string="Start a new service")["href"])
    new.fill("Service name", "Request a replacement wheelie bin")
    new.choose("How do you want to start?", "A blank service")
    new.fill("Summary", "Ask for a new bin when yours is lost or broken.")
    new.fill("LGSL code", "524")
    draft = await designer.submit(new)
    assert draft.url.endswith(DRAFT) and draft.heading == "Request a replacement wheelie bin"
    assert "Service 'Request a replacement wheelie bin' started" in text_of(draft.soup)

    draft = await add_question_page(designer, "What colour is the bin?", "Short text")
    assert "Added page 'What colour is the bin?'" in text_of(draft.soup)
    draft = await add_question_page(designer, "Which bin is it?", "One of several options", "Black\nBlue\nGreen")
    assert pages_listed(draft) == ["1. What is your email address?", "2. What colour is the bin?", "3. Which bin is it?"]

    draft = await press(designer, draft, "Move up page Which bin is it?")
    assert pages_listed(draft)[1:] == ["2. Which bin is it?", "3. What colour is the bin?"]
    draft = await press(designer, draft, "Undo")
    assert pages_listed(draft)[1:] == ["2. What colour is the bin?", "3. Which bin is it?"]
    again = await designer.open(DRAFT)  # a fresh read: the undo was saved, and redo is offered
    assert text_of(again.soup.find(id="redo-what")) == "Redo: Moved page 'Which bin is it?' up"
    draft = await press(designer, again, "Redo")
    assert pages_listed(draft)[1:] == ["2. Which bin is it?", "3. What colour is the bin?"]
    assert "Publish this draft as a new version" not in text_of(draft.soup)

    # Designers do not publish: no link, and 403 however they ask.
    assert (await designer.client.get(DRAFT + "/publish")).status_code == 403
    refused = await designer.client.post(DRAFT + "/publish", data={"version": "6", "version_number": "1.0.0",
                                                                     "note": "Sneaky"})
    assert refused.status_code == 403 and await store.get_latest(council, SERVICE) is None

    publisher = await person(app, browsers, "publisher")
    draft = await publisher.open(DRAFT)
    assert not draft.soup.find("a", string="Add a question page")
    publish = await publisher.open(draft.soup.find("a", string="Publish this draft as a new version")["href"])
    assert publish.soup.find(id="version_number")["value"] == "1.0.0"
    empty = await publisher.submit(publish)
    assert empty.status == 422 and empty.title.startswith("Error:")
    assert empty.error_summary() == [("Enter a change note: what changed and why", "#note")]
    empty.fill("Change note", "The first version: colour and which bin")
    done = await publisher.submit(empty)
    assert "Published version 1.0.0" in text_of(done.soup)
    published = await store.get_latest(council, SERVICE)
    assert published is not None and published.version == "1.0.0"
    assert (published.change_note, published.published_by_label) == ("The first version: colour and which bin",
                                                                       "publisher@northshire.test")
    listed = await publisher.open("/staff/northshire/services")
    row = text_of(listed.soup.find("tbody"))
    assert "Request a replacement wheelie bin" in row and "Published" in row and "1.0.0" in row
    assert "Moved page 'Which bin is it?' up" in row and "designer@northshire.test" in row
    audit = [entry.action for entry in await store.audit.entries(council)]
    assert audit.count("draft-changed") == 3 and {"draft-undone", "draft-redone", "service-published"} <= set(audit)

    # A resident completes the service on the live site.
    resident = Resident(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE))
    browsers.append(resident.client)
    page = await resident.start("northshire", SERVICE)
    page.fill("What is your email address?", "resident@example.org")
    page = await resident.submit(page)
    page.choose("Which bin is it?", "Blue")
    page = await resident.submit(page)
    page.fill("What colour is the bin?", "Blue with a yellow lid")
    page = await resident.submit(page)
    assert "Blue with a yellow lid" in text_of(page.soup)
    confirmation = await resident.submit(page)
    assert confirmation.status == 200 and REFERENCE.search(text_of(confirmation.soup))
    sent = await store.Submission.filter(council_id=council.id).get()
    assert sorted(sent.answers.values()) == ["Blue with a yellow lid", "blue", "resident@example.org"]


async def test_errors_keep_what_the_designer_typed_and_a_stale_form_is_refused_with_what_changed(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    designer = await person(app, browsers, "designer")
    new = await designer.open("/staff/northshire/services/new")
    new.fill("Service name", "Request a replacement wheelie bin")
    new.choose("How do you want to start?", "A blank service")
    new.fill("Summary", "Ask for a new bin.")
    refused = await designer.submit(new)
    assert refused.status == 422 and refused.error_summary() == [
        ("Enter the LGSL code as a number from 1 to 99999, like 524", "#lgsl")]
    assert refused.soup.find(id="name")["value"] == "Request a replacement wheelie bin"
    refused.fill("LGSL code", "524")
    await designer.submit(refused)

    draft = await designer.open(DRAFT)
    form = await designer.open(draft.soup.find("a", string="Add a question page")["href"])
    form.fill("Hint", "Look at the lid")
    form.choose("Kind of answer", "One of several options")
    form.fill("Options", "Black")
    form.choose("Must residents answer it?", "No")
    refused = await designer.submit(form)
    assert refused.status == 422
    assert refused.error_summary() == [("Enter the question", "#label"),
                                       ("Enter at least 2 options, one on each line", "#options")]
    assert text_of(refused.soup.find(id="hint")) == "Look at the lid"
    assert refused.soup.find(id="options").get_text() == "Black"
    assert refused.soup.find("input", attrs={"name": "required", "value": "no"}).has_attr("checked")

    # Two designers with the same draft open: the second one's change meets the first one's.
    await make_user("second@northshire.test", council, ["designer"])
    other = await person(app, browsers, "designer", "second@northshire.test")
    other_form = await other.open(DRAFT + "/pages/new")  # opened at the same version
    await add_question_page(designer, "What colour is the bin?", "Short text")
    other_form.fill("Question", "How many bins?")
    other_form.choose("Kind of answer", "Whole number")
    other_form.choose("Must residents answer it?", "Yes")
    stale = await other.submit(other_form)
    assert stale.status == 422 and stale.error_summary()[0][1] == "#label"
    message = stale.error_summary()[0][0]
    assert "your change was not saved" in message and "designer@northshire.test: Added page 'What colour is the bin?'" in message
    assert stale.soup.find(id="label")["value"] == "How many bins?"
    saved = await other.submit(stale)  # they decide to add it after all: now at the new version
    assert pages_listed(saved)[1:] == ["2. What colour is the bin?", "3. How many bins?"]

    overview = await designer.open(DRAFT)
    moved = await press(designer, overview, "Move up page How many bins?")
    assert moved.status == 200 and pages_listed(moved)[1:] == ["2. How many bins?", "3. What colour is the bin?"]
    conflict = await press(designer, overview, "Move down page What colour is the bin?")  # the page as it was
    assert conflict.status == 409 and "Moved page 'How many bins?' up" in conflict.error_summary()[0][0]


async def test_roles_caseworkers_see_no_builder_and_unknown_drafts_are_not_found(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    caseworker = await person(app, browsers, "caseworker")
    assert (await caseworker.client.get("/staff/northshire/services")).status_code == 403
    dashboard = await caseworker.open("/staff/northshire")
    assert "Services" not in [text_of(a) for a in dashboard.soup.select(".borough-staff-nav a")]
    designer = await person(app, browsers, "designer")
    assert (await designer.client.get("/staff/northshire/services/no-such-service")).status_code == 404
    assert (await designer.client.get(DRAFT + "/pages/email")).status_code == 404
