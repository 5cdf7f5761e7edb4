"""Questions over HTTP, with JavaScript off: every kind of question is added through the form,
edited with the settings that fit it, and read back from the stored draft; a page holds
several questions that move and go; bad, forged and stale posts change nothing and say why;
roles and councils hold."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from test_builder_pages import (
    DRAFT,
    Page,
    Resident,
    app,
    council,
    make_user,
    person,
    press,
    text_of,
)

from builder.blank import blank_definition
from runtime import store
from runtime.store import drafts

__all__ = ["app", "council"]


async def start_blank(council: store.Council) -> store.ServiceDraft:
    """The wheelie-bin service as a blank draft (one page asking the email address)."""
    definition = blank_definition(title="Request a replacement wheelie bin", summary="Ask for a new bin.", lgsl=524,
                                  publisher_id=council.slug, publisher_name=council.name)
    return await drafts.create_draft(council, definition, source="blank", actor=None)


async def stored(council: store.Council) -> store.ServiceDraft:
    draft = await drafts.get_draft(council, "request-a-replacement-wheelie-bin")
    assert draft is not None
    return draft


def page_of(definition: Any, page_id: str) -> dict[str, Any]:
    return next(page for page in definition["pages"] if page["id"] == page_id)


async def add_page(browser: Resident, label: str, kind: str, options: str = "", required: str = "Yes") -> Page:
    draft = await browser.open(DRAFT)
    form = await browser.open(draft.soup.find("a", string="Add a question page")["href"])
    form.fill("Question", label)
    form.choose("Kind of answer", kind)
    if options:
        form.fill("Options", options)
    form.choose("Must residents answer it?", required)
    return await browser.submit(form)


def link(page: Page, text: str) -> str:
    """The href of the link whose text (visually hidden words included) is `text`."""
    for anchor in page.soup.find_all("a"):
        if text_of(anchor) == text:
            return str(anchor["href"])
    raise AssertionError(f"no link {text!r} on {page.url}")


async def open_question(browser: Resident, page_id: str, label: str) -> Page:
    page = await browser.open(f"{DRAFT}/pages/{page_id}")
    assert page.status == 200, page.url
    return await browser.open(link(page, f"Edit question {label}"))


# What each kind is set to, and what the stored draft must then say: (kind title, options,
# settings filled by label, radios chosen, checkboxes, check of (answer schema, field)).
KINDS: list[tuple[str, str, dict[str, str], dict[str, str], dict[str, list[str]], Any]] = [
    ("Short text", "", {"Most characters": "40", "Pattern the answer must match": "^[A-Z]+$",
                        "When the text does not match the pattern": "Enter capital letters only"}, {}, {},
     lambda s, f: s["maxLength"] == 40 and s["pattern"] == "^[A-Z]+$"
     and f["errors"] == {"pattern": "Enter capital letters only"}),
    ("Long text", "", {"Rows of the text box": "8", "Fewest characters": "10"}, {}, {},
     lambda s, f: f["rows"] == 8 and s["minLength"] == 10 and f["widget"] == "textarea"),
    ("Whole number", "", {"Smallest allowed": "1", "Largest allowed": "6"},
     {"Only whole numbers?": "No, decimals too"}, {},
     lambda s, f: s == {"type": "number", "minimum": 1, "maximum": 6}),
    ("Amount of money", "", {"Largest allowed": "250.50"}, {}, {},
     lambda s, f: s["maximum"] == 25050 and f["widget"] == "money"),
    ("Date", "", {"Earliest date allowed": "today", "Latest date allowed": "31 12 2030"}, {}, {},
     lambda s, f: s["formatMinimum"] == "today" and s["formatMaximum"] == "2030-12-31"),
    ("Email address", "", {"When the answer is not real": "Enter an email address like name@example.com"},
     {}, {}, lambda s, f: s["format"] == "email" and f["errors"]["format"].startswith("Enter an email")),
    ("UK telephone number", "", {"Fewest characters": "10"}, {}, {},
     lambda s, f: s["format"] == "uk-phone" and s["minLength"] == 10),
    ("Postcode", "", {"Name used in error messages": "your postcode"}, {}, {},
     lambda s, f: s["format"] == "uk-postcode" and f["errorName"] == "your postcode"),
    ("UK address", "", {}, {}, {}, lambda s, f: s["type"] == "string"),  # the first line of the address
    ("Yes or no", "", {"When nothing is given": "Select yes if the bin was damaged"}, {}, {},
     lambda s, f: s == {"type": "boolean"} and f["errors"]["required"] == "Select yes if the bin was damaged"),
    ("One of several options", "Black\nBlue\nGreen", {"Option 2": "Blue with a red lid", "Option 3": "",
                                                       "Add options": "Brown"}, {}, {},
     lambda s, f: [(o["const"], o["title"]) for o in s["oneOf"]]
     == [("black", "Black"), ("blue", "Blue with a red lid"), ("brown", "Brown")]),
    ("One option from a long list", "Monday\nTuesday\nWednesday", {}, {"Must residents answer it?": "No"}, {},
     lambda s, f: f["widget"] == "select" and len(s["oneOf"]) == 3),
    ("Any of several options", "Lid\nWheels\nBody", {"Most options to tick": "2"}, {}, {},
     lambda s, f: s["maxItems"] == 2 and [o["const"] for o in s["items"]["oneOf"]] == ["lid", "wheels", "body"]),
    ("File upload", "", {"Largest file, in MB": "5"}, {},
     {"Types of file accepted": ["PDF document"]},
     lambda s, f: f["accept"] == ["application/pdf"] and f["maxBytes"] == 5 * 1024 * 1024),
    ("A box to tick to agree", "", {"When nothing is given": "Tick the box to agree"}, {}, {},
     lambda s, f: s == {"type": "boolean", "const": True} and f["widget"] == "declaration"),
]


async def test_every_kind_of_question_is_added_edited_and_read_back(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    for number, (kind, options, filled, chosen, ticked, holds) in enumerate(KINDS):
        label = f"Question {number} ({kind})"
        added = await add_page(designer, label, kind, options)
        assert added.status == 200 and added.url.endswith(DRAFT), (kind, added.error_summary())
        draft = await stored(council)
        spec = draft.definition["pages"][-1]
        first = spec["fields"][0]
        edit = await open_question(designer, spec["id"], first["label"])
        assert edit.status == 200 and edit.soup.find(id="label")["value"] == first["label"]
        shown = "Short text" if kind == "UK address" else kind  # each line of an address is a short text
        assert f"Kind of answer: {shown}" in text_of(edit.soup)
        for field_label, value in filled.items():
            edit.fill(field_label, value)
        for legend, option in chosen.items():
            edit.choose(legend, option)
        for legend, options_ticked in ticked.items():
            edit.values.pop("accept", None)
            edit.choose(legend, *options_ticked)
        edit.fill("Hint", f"Hint for {kind}")
        saved = await designer.submit(edit)
        assert saved.status == 200 and not saved.error_summary(), (kind, saved.error_summary())
        draft = await stored(council)
        spec = next(page for page in draft.definition["pages"] if page["id"] == spec["id"])
        field = spec["fields"][0]
        answer = field["answer"].strip("/").split("/")
        schema = draft.definition["answers"]["properties"][answer[0]]
        if len(answer) > 1:
            schema = schema["properties"][answer[1]]
        assert field["hint"] == f"Hint for {kind}" and holds(schema, field), (kind, schema, field)
        # The form shows what was saved.
        again = await open_question(designer, spec["id"], field["label"])
        for field_label, value in filled.items():
            if value and not field_label.startswith("Add options"):
                control = again.soup.find(id=again.label_for(field_label)["for"])
                assert control.get("value", control.get_text()) == value, (kind, field_label)
    definition = (await stored(council)).definition
    assert len(definition["pages"]) == len(KINDS) + 1
    select = next(f["answer"] for p in definition["pages"] for f in p.get("fields", []) if f.get("widget") == "select")
    assert select.strip("/") not in definition["answers"]["required"]  # made optional on its form


async def test_a_page_holds_several_questions_that_move_and_go(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, "What is your name?", "Short text")
    spec = (await stored(council)).definition["pages"][-1]
    name_answer = spec["fields"][0]["answer"].strip("/")
    page = await designer.open(f"{DRAFT}/pages/{spec['id']}")
    form = await designer.open(link(page, "Add a question to this page"))
    form.fill("Question", "What is your phone number?")
    form.choose("Kind of answer", "UK telephone number")
    form.choose("Must residents answer it?", "No")
    form.fill("Page title", "")  # a page of two questions needs a title
    refused = await designer.submit(form)
    assert refused.status == 422 and refused.error_summary() == [("Enter a title for the page", "#page_title")]
    assert refused.soup.find(id="label")["value"] == "What is your phone number?"
    refused.fill("Page title", "Your contact details")
    page = await designer.submit(refused)
    assert page.heading == "Your contact details"
    rows = [text_of(key) for key in page.soup.select(".borough-builder-questions .govuk-summary-list__key")]
    assert rows == ["What is your name?", "What is your phone number?"]
    assert "UK telephone number, optional" in text_of(page.soup)

    page = await press(designer, page, "Move up question What is your phone number?")
    rows = [text_of(key) for key in page.soup.select(".borough-builder-questions .govuk-summary-list__key")]
    assert rows == ["What is your phone number?", "What is your name?"]
    stored_page = page_of((await stored(council)).definition, spec["id"])
    assert [f["label"] for f in stored_page["fields"]] == ["What is your phone number?", "What is your name?"]

    confirm = await designer.open(link(page, "Delete question What is your name?"))
    assert confirm.heading == "Delete the question 'What is your name?'?"
    page = await designer.submit(confirm)
    assert "Deleted question 'What is your name?'" in text_of(page.soup)
    definition = (await stored(council)).definition
    assert [f["label"] for f in page_of(definition, spec["id"])["fields"]] == ["What is your phone number?"]
    assert name_answer not in definition["answers"]["properties"]
    assert name_answer not in str(definition["answers"].get("required", []))
    # The last question of a page cannot be deleted: the page goes instead.
    last = await designer.open(link(page, "Delete question What is your phone number?"))
    kept = await designer.submit(last)
    assert kept.status == 422 and "delete the page instead" in kept.error_summary()[0][0]

    # A content page, then an exit page, through their own form.
    draft = await designer.open(DRAFT)
    form = await designer.open(draft.soup.find("a", string="Add a content or exit page")["href"])
    form.fill("Page title", "You cannot get a new bin")
    form.fill("What the page says", "Bins are replaced only for homes in Northshire.")
    form.choose("Does the journey end on this page?", "Yes")
    draft = await designer.submit(form)
    exit_page = (await stored(council)).definition["pages"][-1]
    assert exit_page["type"] == "content" and exit_page["stop"] is True
    assert "Shown to everyone. The journey ends here." in text_of(draft.soup)

    # Its own form changes its words and makes it a content page that does not end the journey.
    page = await designer.open(link(draft, "Edit page You cannot get a new bin"))
    assert page.soup.find(id="content").get_text() == "Bins are replaced only for homes in Northshire."
    page.fill("Text under the heading", "")
    refused = await designer.submit(page)
    assert refused.status == 422 and refused.error_summary() == [("A content page needs something to say", "#content")]
    assert refused.soup.find(id="title")["value"] == "You cannot get a new bin"
    refused.fill("Page title", "Homes outside Northshire")
    refused.fill("Text under the heading", "Ask your own council for a bin.")
    refused.choose("Does the journey end on this page?", "No")
    page = await designer.submit(refused)
    assert page.heading == "Homes outside Northshire"
    changed = (await stored(council)).definition["pages"][-1]
    assert (changed["title"], changed["content"], "stop" in changed) == (
        "Homes outside Northshire", "Ask your own council for a bin.", False)


async def test_bad_forged_and_stale_posts_change_nothing_and_say_why(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, "What is the bin's serial number?", "Short text")
    await add_page(designer, "When did it break?", "Date")
    before = await stored(council)
    text_page, date_page = before.definition["pages"][1]["id"], before.definition["pages"][2]["id"]

    edit = await open_question(designer, text_page, "What is the bin's serial number?")
    edit.fill("Question", "")
    edit.fill("Most characters", "ten")
    edit.fill("Fewest characters", "5")
    edit.fill("Pattern the answer must match", "^(?=x)")
    refused = await designer.submit(edit)
    assert refused.status == 422 and refused.title.startswith("Error:")
    assert refused.error_summary() == [("Enter the question", "#label"),
                                       ("The most characters must be a whole number, like 10", "#max_length")]
    assert refused.soup.find(id="max_length")["value"] == "ten"
    assert refused.soup.find(id="pattern")["value"] == "^(?=x)"
    refused.fill("Question", "What is the bin's serial number?")
    refused.fill("Most characters", "10")
    unsafe = await designer.submit(refused)
    assert unsafe.status == 422 and unsafe.error_summary()[0][1] == "#pattern"
    assert "cannot be used" in unsafe.error_summary()[0][0]
    unsafe.fill("Pattern the answer must match", "")
    unsafe.fill("Fewest characters", "20")
    backwards = await designer.submit(unsafe)
    assert backwards.status == 422
    assert backwards.error_summary() == [("The shortest length must not be more than the longest", "#min_length")]

    dates = await open_question(designer, date_page, "When did it break?")
    dates.fill("Earliest date allowed", "yesterday")
    wrong = await designer.submit(dates)
    assert wrong.error_summary() == [("Enter today, or a date like 27 3 2026", "#earliest")]
    assert (await stored(council)).version == before.version  # nothing was saved

    # Forged: no CSRF token, a version that is not a number, a question that does not exist.
    url = link(await designer.open(f"{DRAFT}/pages/{text_page}"), "Edit question What is the bin's serial number?")
    forged = await designer.client.post(url, data={"label": "Hacked", "required": "yes", "version": str(before.version)})
    assert forged.status_code == 403
    token = designer.page.soup.find("input", attrs={"name": "csrf_token"})["value"] if designer.page else ""
    bad_version = await designer.client.post(url, data={"csrf_token": token, "label": "Hacked", "version": "x"})
    assert bad_version.status_code == 400
    missing = await designer.client.get(f"{DRAFT}/pages/{text_page}/questions/noSuchAnswer")
    assert missing.status_code == 404
    assert (await stored(council)).version == before.version

    # Stale: another designer changed the draft since this form was opened.
    stale_form = await open_question(designer, text_page, "What is the bin's serial number?")
    await make_user("second@northshire.test", council, ["designer"])
    other = await person(app, browsers, "designer", "second@northshire.test")
    await add_page(other, "Which bin is it?", "One of several options", "Black\nBlue")
    stale_form.fill("Hint", "It is on a sticker under the lid")
    stale = await designer.submit(stale_form)
    assert stale.status == 422 and "your change was not saved" in stale.error_summary()[0][0]
    assert "second@northshire.test: Added page 'Which bin is it?'" in stale.error_summary()[0][0]
    assert text_of(stale.soup.find(id="hint")) == "It is on a sticker under the lid"
    saved = await designer.submit(stale)  # now against the version it was shown
    assert saved.status == 200 and "Changed hint" in text_of(saved.soup)


async def test_roles_and_councils(app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    draft = await start_blank(council)
    other_council = await store.create_council("southshire", "Southshire Council")
    await start_blank(other_council)
    page_id = draft.definition["pages"][0]["id"]
    question = draft.definition["pages"][0]["fields"][0]["answer"].strip("/")
    urls = [f"{DRAFT}/pages/{page_id}", f"{DRAFT}/pages/{page_id}/questions/{question}",
            f"{DRAFT}/pages/{page_id}/add-question", f"{DRAFT}/content-pages/new",
            f"{DRAFT}/pages/{page_id}/questions/{question}/delete"]

    caseworker = await person(app, browsers, "caseworker")
    for url in urls:
        assert (await caseworker.client.get(url)).status_code == 403, url

    publisher = await person(app, browsers, "publisher")
    read_only = await publisher.open(urls[0])
    assert read_only.status == 200 and not read_only.soup.find("form", attrs={"action": urls[0]})
    assert "Edit question" not in text_of(read_only.soup)
    token = read_only.soup.find("input", attrs={"name": "csrf_token"})["value"]
    posted = await publisher.client.post(urls[0], data={"csrf_token": token, "version": str(draft.version),
                                                        "title": "Publisher's title"})
    assert posted.status_code == 403
    for url in urls[1:]:
        assert (await publisher.client.get(url)).status_code == 403, url

    designer = await person(app, browsers, "designer")
    for url in urls:  # the same service id, another council's draft: not found
        assert (await designer.client.get(url.replace("/northshire/", "/southshire/"))).status_code == 404, url
    assert (await stored(council)).version == draft.version


async def test_a_page_is_duplicated_with_answers_of_its_own(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, "Which bin is it?", "One of several options", "Black\nBlue")
    draft = await designer.open(DRAFT)
    copied = await press(designer, draft, "Duplicate page Which bin is it?")
    assert copied.status == 200 and "Duplicated page 'Which bin is it?'" in text_of(copied.soup)
    titles = [text_of(t) for t in copied.soup.select(".borough-builder-pages .govuk-summary-card__title")]
    assert titles[1:] == ["2. Which bin is it?", "3. Which bin is it?"]
    pages = (await stored(council)).definition["pages"]
    first, second = pages[1]["fields"][0]["answer"], pages[2]["fields"][0]["answer"]
    assert first != second and pages[1]["id"] != pages[2]["id"]
    stale = await press(designer, draft, "Duplicate page Which bin is it?")  # the overview as it was
    assert stale.status == 409 and "Duplicated page 'Which bin is it?'" in stale.error_summary()[0][0]
    assert len((await stored(council)).definition["pages"]) == 3


async def test_a_list_page_asks_about_each_item_and_its_limits_are_edited(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    draft = await designer.open(DRAFT)
    form = await designer.open(link(draft, "Add a list page (add another)"))
    form.fill("Page title", "Tell us about the item")
    form.fill("Question", "What is the item?")
    form.choose("Kind of answer", "One of several options")
    form.fill("Options", "Sofa\nFridge")
    form.fill("Most items", "lots")
    refused = await designer.submit(form)
    assert refused.status == 422 and refused.error_summary() == [
        ("Enter what one item is called", "#item_title"), ("The most items must be a whole number, like 10", "#max_items")]
    assert refused.soup.find(id="title")["value"] == "Tell us about the item"
    refused.fill("What one item is called", "Item")
    refused.fill("Most items", "5")
    draft = await designer.submit(refused)
    assert draft.status == 200 and "Added add-another page 'Tell us about the item'" in text_of(draft.soup)
    spec = (await stored(council)).definition["pages"][-1]
    listed = (await stored(council)).definition["answers"]["properties"][spec["answer"].strip("/")]
    assert spec["type"] == "add-another" and (listed["minItems"], listed["maxItems"]) == (1, 5)
    assert spec["fields"][0]["answer"] == "/" + next(iter(listed["items"]["properties"]))  # relative to the item

    page = await designer.open(link(draft, "Edit page Tell us about the item"))
    page.fill("Fewest items", "6")
    backwards = await designer.submit(page)
    assert backwards.error_summary() == [("The fewest items must not be more than the most", "#min_items")]
    backwards.fill("Fewest items", "0")
    backwards.fill("What one item is called", "Thing")
    page = await designer.submit(backwards)
    definition = (await stored(council)).definition
    listed = definition["answers"]["properties"][spec["answer"].strip("/")]
    assert "minItems" not in listed and page_of(definition, spec["id"])["itemTitle"] == "Thing"
    assert spec["answer"].strip("/") not in definition["answers"].get("required", [])

    # A second question about each item, then edited on its own form.
    form = await designer.open(link(page, "Add a question to this page"))
    form.fill("Question", "How heavy is it?")
    form.choose("Kind of answer", "Whole number")
    form.choose("Must residents answer it?", "No")
    page = await designer.submit(form)
    edit = await designer.open(link(page, "Edit question How heavy is it?"))
    edit.fill("Largest allowed", "200")
    await designer.submit(edit)
    item = (await stored(council)).definition["answers"]["properties"][spec["answer"].strip("/")]["items"]
    heavy = next(schema for schema in item["properties"].values() if schema.get("type") == "integer")
    assert heavy["maximum"] == 200


async def test_the_services_own_words_start_page_declaration_and_confirmation(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    before = await start_blank(council)
    designer = await person(app, browsers, "designer")
    draft = await designer.open(DRAFT)
    form = await designer.open(link(draft, "Change the service's name, start page, declaration and confirmation"))
    assert form.soup.find(id="title")["value"] == "Request a replacement wheelie bin"
    form.fill("Service name", "")
    form.fill("Its heading", "Before you send")
    form.fill("What the start page says", "Use this service if your bin is lost or broken.")
    refused = await designer.submit(form)
    assert refused.status == 422 and refused.error_summary() == [
        ("Enter the service's name", "#title"), ("Enter the declaration, or empty all its boxes", "#declaration")]
    assert text_of(refused.soup.find(id="start")) == "Use this service if your bin is lost or broken."
    assert (await stored(council)).version == before.version
    refused.fill("Service name", "Replace a wheelie bin")
    refused.fill("What residents declare", "The bin belongs to the property.")
    refused.fill("What happens next", "We will deliver a new bin within 10 working days.")
    draft = await designer.submit(refused)
    assert draft.status == 200 and draft.heading == "Replace a wheelie bin"
    definition = (await stored(council)).definition
    assert definition["start"] == {"content": "Use this service if your bin is lost or broken."}
    assert definition["declaration"] == {"title": "Before you send", "content": "The bin belongs to the property."}
    assert definition["confirmation"]["next"] == "We will deliver a new bin within 10 working days."
    undo = draft.soup.find(id="undo-what")
    assert undo is not None and "confirmation" in text_of(undo)  # one step each: the last one is undone first
    assert (await designer.client.get(f"{DRAFT}/words")).status_code == 200
    publisher = await person(app, browsers, "publisher")
    assert (await publisher.client.get(f"{DRAFT}/words")).status_code == 403


async def test_options_have_hints_and_show_another_question_of_the_page(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, "Where is the bin?", "One of several options", "At the front\nAt the back\nSomewhere else")
    spec = (await stored(council)).definition["pages"][-1]
    page = await designer.open(f"{DRAFT}/pages/{spec['id']}")
    form = await designer.open(link(page, "Add a question to this page"))
    form.fill("Page title", "Where the bin is")
    form.fill("Question", "Where is it?")
    form.choose("Kind of answer", "Short text")
    form.choose("Must residents answer it?", "Yes")
    page = await designer.submit(form)
    edit = await designer.open(link(page, "Edit question Where is the bin?"))
    edit.fill("Hint under option 1", "By the road")
    edit.values["reveal-at-the-front"] = ["/noSuchQuestion"]  # forged: not a question of the page
    refused = await designer.submit(edit)
    assert refused.status == 422
    assert refused.error_summary() == [("Choose a question on this page to show under the option", "#reveal-at-the-front")]
    assert refused.soup.find(id="option-hint-at-the-front")["value"] == "By the road"
    refused.values.pop("reveal-at-the-front", None)
    control = refused.soup.find(id=refused.label_for("When option 3 is chosen, also ask")["for"])
    refused.values[control["name"]] = [next(o["value"] for o in control.find_all("option") if o.get_text() == "Where is it?")]
    await designer.submit(refused)
    definition = (await stored(council)).definition
    field, other = page_of(definition, spec["id"])["fields"]
    assert field["optionHints"] == {"at-the-front": "By the road"}
    assert field["reveals"] == {"somewhere-else": [other["answer"]]}
    name = other["answer"].strip("/")
    assert name not in definition["answers"].get("required", [])  # required only when the option is chosen
    assert any(name in rule["then"].get("required", []) for rule in definition["answers"]["allOf"])
    again = await open_question(designer, spec["id"], "Where is the bin?")
    assert again.soup.find(id="reveal-somewhere-else").find("option", selected=True).get_text() == "Where is it?"

    # The options' order, one move at a time; a move from an old page meets the change made since.
    moved = await press(designer, again, "Move up option At the back")
    assert moved.status == 200 and "Moved option 'At the back' up" in text_of(moved.soup)
    branches = (await stored(council)).definition["answers"]["properties"][field["answer"].strip("/")]["oneOf"]
    assert [b["const"] for b in branches] == ["at-the-back", "at-the-front", "somewhere-else"]
    stale = await press(designer, again, "Move down option At the front")
    assert stale.status == 409 and stale.error_summary()[0][1] == "#options-order"


async def test_a_blank_services_email_question_has_a_plain_error_message(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    """The blank service's one question is worded as a question; left unanswered, the preview (as
    residents) says "Enter your email address", not "Enter what is your email address"."""
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    start = await designer.open(f"{DRAFT}/preview")
    page = await press(designer, start, "Start now")
    refused = await designer.submit(page)
    assert refused.status == 422
    assert refused.error_summary() == [("Enter your email address", "#email")]


async def test_names_made_from_words_with_apostrophes_keep_the_words_whole(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    """The page's id (in residents' addresses), the answer's name and the options' values are made
    from the words typed; "bin's" and "don't" stay one word each, not "bin-s" and "don-t"."""
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, "What is the postcode of the bin's address?", "Postcode")
    await add_page(designer, "Is the bin still there?", "One of several options", "Yes\nNo\nI don\u2019t know")
    definition = (await stored(council)).definition
    postcode, still = definition["pages"][1], definition["pages"][2]
    assert postcode["id"] == "postcode-bins-address"
    assert postcode["fields"][0]["answer"] == "/postcodeBinsAddress"
    answer = still["fields"][0]["answer"].strip("/")
    values = [option["const"] for option in definition["answers"]["properties"][answer]["oneOf"]]
    assert values == ["yes", "no", "i-dont-know"]


async def test_the_preview_beside_a_page_draws_its_only_question_as_residents_see_it(
        app: Any, council: store.Council, browsers: list[httpx.AsyncClient]) -> None:
    """A page with one question and no title shows the question as its heading to residents (a
    large label or legend); the preview beside the page's form draws it the same size, without
    a second h1 on the builder's page."""
    await start_blank(council)
    designer = await person(app, browsers, "designer")
    await add_page(designer, "How was the bin damaged?", "Long text")
    await add_page(designer, "Which bin do you need?", "One of several options", "General waste\nRecycling")
    definition = (await stored(council)).definition
    for spec, chosen in ((definition["pages"][1], "label.govuk-label--l"),
                         (definition["pages"][2], "legend.govuk-fieldset__legend--l")):
        form = await designer.open(f"{DRAFT}/pages/{spec['id']}")
        preview = form.soup.find(id="page-preview")
        assert preview.select_one(chosen) is not None, preview
        assert preview.find("h1") is None
        assert len(form.soup.find_all("h1")) == 1
